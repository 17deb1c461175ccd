/** Format strings as Envoy 1.40 parses them (the forms are also run through Envoy itself: test/e2e/access-log.test.ts). */
import { formatStringProblem } from '../../../src/resources/read/command-operators.js';

test.each([
  'plain text, no operator',
  '%START_TIME%',
  '[%START_TIME(%Y-%m-%d)%] %REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %RESPONSE_CODE%',
  '%REQ(USER-AGENT):40%',
  '100%% done',
  '%%REQ%%',
  '%DYNAMIC_METADATA(ns:key):20%',
  '%FILTER_STATE(key:TYPED)%',
  '%ENVIRONMENT(HOME)%',
])('takes %s', (format) => {
  expect(formatStringProblem(format)).toBeUndefined();
});

test.each([
  ['%USER%', '%USER%: USER is not an Envoy command operator'],
  ['%REQ%', '%REQ%: REQ needs an argument, REQ(…)'],
  ['%REQ()%', '%REQ()%: REQ needs an argument, REQ(…)'],
  ['%REQ(a?b?c)%', '%REQ(a?b?c)%: at most one alternative header (NAME?ALTERNATIVE)'],
  ['%REQ(bad header)%', '%REQ(bad header)%: "bad header" is not a header name'],
  ['%ROUTE_NAME:3%', '%ROUTE_NAME:3%: ROUTE_NAME takes no argument and no length'],
  ['%START_TIME:10%', '%START_TIME:10%: START_TIME takes no length'],
  ['%CLUSTER_METADATA(ns):5%', '%CLUSTER_METADATA(ns):5%: CLUSTER_METADATA takes no length'],
  ['%DYNAMIC_METADATA(ns::k)%', '%DYNAMIC_METADATA(ns::k)%: write NAMESPACE or NAMESPACE:KEY[:KEY…]'],
  ['%FILTER_STATE(key:FIELD)%', '%FILTER_STATE(key:FIELD)%: write KEY, KEY:PLAIN or KEY:TYPED'],
  ['%CEL(request.path)%', '%CEL(request.path)%: CEL is not supported by Portico'],
  ['100% sure', expect.stringMatching(/^no command operator at position 3/)],
  ['trailing %', expect.stringMatching(/^no command operator at position 9/)],
  ['%req(:path)%', expect.stringMatching(/^no command operator at position 0/)],
])('refuses %s', (format, problem) => {
  expect(formatStringProblem(format)).toEqual(problem);
});
