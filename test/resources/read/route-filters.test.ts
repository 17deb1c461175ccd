/** The reader of HTTPRoute and GRPCRoute filters (rule filters and backendRef filters). */
import { readRouteFilters } from '../../../src/resources/read/route-filters.js';
import { buildResourceSet } from '../../../src/resources/resource-set.js';
import { translate } from '../../../src/translate/index.js';
import { gateway, gatewayClass, httpRoute } from '../../support/fixtures.js';
import { conditionLines, conditionMessage } from '../../support/translator-outcome.js';

describe('readRouteFilters', () => {
  it('reads each filter into its typed value', () => {
    const [headers, redirect, mirror, cors] = readRouteFilters(
      [
        {
          type: 'RequestHeaderModifier',
          requestHeaderModifier: {
            set: [
              { name: 'X-A', value: '1' },
              { name: 'x-a', value: 5 },
            ],
            remove: ['x-b'],
          },
        },
        { type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301, port: 8443 } },
        { type: 'RequestMirror', requestMirror: { backendRef: { name: 'm', port: 80 }, fraction: { numerator: 1 } } },
        { type: 'CORS', cors: { allowOrigins: ['https://a.example'], allowCredentials: true } },
      ],
      'spec.rules[0].filters',
    );
    // The second `set` entry has an equivalent name: ignored, so not checked either.
    expect(headers).toEqual({
      type: 'RequestHeaderModifier',
      headers: { set: [{ name: 'X-A', value: '1' }], add: [], remove: ['x-b'] },
      path: 'spec.rules[0].filters[0]',
      errors: [],
      unsupported: [],
    });
    expect(redirect).toMatchObject({ redirect: { scheme: 'https', statusCode: 301, port: 8443 }, errors: [] });
    expect(mirror).toMatchObject({
      mirror: { backendRef: { valid: true, result: { name: 'm', port: 80 } }, numerator: 10000, denominator: 1000000 },
    });
    expect(cors).toMatchObject({
      cors: { allowOrigins: ['https://a.example'], allowMethods: [], allowCredentials: true, maxAgeSeconds: 5 },
    });
  });

  it('gives each problem its field path and the translator message, sorted into errors and unsupported', () => {
    const [redirect, headers, other] = readRouteFilters(
      [
        { type: 'RequestRedirect', requestRedirect: { scheme: 'ftp', port: 0, path: { type: 'Nope' } } },
        { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 7, value: 'v' }] } },
        { type: 7 },
      ],
      'f',
    );
    expect(redirect!.unsupported).toEqual([
      { path: 'f[0].requestRedirect.scheme', message: 'requestRedirect: scheme ftp is not supported' },
      { path: 'f[0].requestRedirect.path.type', message: 'requestRedirect: path type Nope is not supported' },
    ]);
    expect(redirect!.errors).toEqual([
      { path: 'f[0].requestRedirect.port', message: 'requestRedirect: invalid port 0' },
    ]);
    expect(headers!.errors).toEqual([
      { path: 'f[1].responseHeaderModifier.add[0].name', message: 'responseHeaderModifier: invalid header name 7' },
    ]);
    expect(other).toMatchObject({ type: 'Unknown', writtenType: 7 });
  });
});

/** Every condition message the translation gives, joined (the tests look for one text in them). */
function messages(route: ReturnType<typeof httpRoute>): string {
  const result = translate(buildResourceSet([gatewayClass(), gateway(), route]));
  return conditionLines(result)
    .map((line) => `${line}: ${conditionMessage(result, line)}`)
    .join('\n');
}

// Input no API server admits (the CRD refuses each), which before the reader either threw in the
// translator, was taken for something else, or was checked a character at a time.
describe('filters of the wrong shape through the translator', () => {
  it('refuses a header list that is no list (before: a string was checked a character at a time)', () => {
    const route = httpRoute({
      rules: [{ filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: 'abc' } }] }],
    });
    expect(messages(route)).toContain('requestHeaderModifier: set must be a list');
  });

  it('refuses a header modifier written as a list (before: taken as an empty modifier)', () => {
    const route = httpRoute({ rules: [{ filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: [] }] }] });
    expect(messages(route)).toContain('requestHeaderModifier needs a configuration');
  });

  it('refuses a URLRewrite path written as null as an unsupported path type (before: a JavaScript error)', () => {
    const route = httpRoute({ rules: [{ filters: [{ type: 'URLRewrite', urlRewrite: { path: null } }] }] });
    const text = messages(route);
    expect(text).toContain('Accepted=False/UnsupportedValue');
    expect(text).toContain('urlRewrite: path type undefined is not supported');
  });

  it('reports a mirror backendRef with a field of the wrong type as a reference that does not resolve', () => {
    const route = httpRoute({
      rules: [
        {
          backendRefs: [{ name: 'web', port: 80 }],
          filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'web', port: '80' } } }],
        },
      ],
    });
    const text = messages(route);
    expect(text).toContain('ResolvedRefs=False/BackendNotFound');
    expect(text).toContain(
      'requestMirror: spec.rules[0].filters[0].requestMirror.backendRef.port: port must be a number',
    );
  });

  it('names an ExtensionRef written as a list as missing (before: core/undefined undefined)', () => {
    const route = httpRoute({ rules: [{ filters: [{ type: 'ExtensionRef', extensionRef: [] }] }] });
    expect(messages(route)).toContain('ExtensionRef (missing extensionRef) is not a filter Portico knows');
  });
});
