/** The reader of HTTPRoute and GRPCRoute rule matches: typed values, or problems with their paths. */
import { readRouteCommon } from '../../../src/resources/read/route-common.js';
import { readGrpcRouteMatch, readHttpRouteMatch } from '../../../src/resources/read/route-matches.js';
import { buildResourceSet } from '../../../src/resources/resource-set.js';
import { translate } from '../../../src/translate/index.js';
import { gateway, gatewayClass, httpRoute } from '../../support/fixtures.js';
import { conditionLines, conditionMessage } from '../../support/translator-outcome.js';

const at = 'spec.rules[0].matches[0]';

describe('readHttpRouteMatch', () => {
  it('reads every field into its type, a match without fields as every path and method', () => {
    const read = readHttpRouteMatch(
      {
        path: { type: 'Exact', value: '/a' },
        headers: [{ name: 'x-a', value: '1' }],
        queryParams: [{ name: 'q', type: 'RegularExpression', value: 'v.*' }],
        method: 'GET',
      },
      at,
    );
    expect(read).toEqual({
      path: at,
      pathMatch: { valid: true, result: { type: 'Exact', value: '/a' } },
      headers: {
        valid: true,
        result: [
          {
            path: `${at}.headers[0]`,
            name: { valid: true, result: 'x-a' },
            match: { valid: true, result: { type: 'Exact', value: '1' } },
          },
        ],
      },
      queryParams: {
        valid: true,
        result: [
          {
            path: `${at}.queryParams[0]`,
            name: { valid: true, result: 'q' },
            match: { valid: true, result: { type: 'RegularExpression', value: 'v.*' } },
          },
        ],
      },
      method: { valid: true, result: 'GET' },
    });
    for (const empty of [{}, null, 'x', [], { path: null, headers: null, queryParams: null }]) {
      expect(readHttpRouteMatch(empty, at)).toMatchObject({
        pathMatch: { valid: true, result: { type: 'PathPrefix', value: '/' } },
        headers: { valid: true, result: [] },
        queryParams: { valid: true, result: [] },
        method: { valid: true, result: undefined },
      });
    }
  });

  it('names the field of each problem, with the message the rule gives, enum values as unsupported', () => {
    const read = readHttpRouteMatch(
      {
        path: { type: 'RegularExpression', value: 5 },
        headers: { name: 'x' },
        queryParams: [null, { name: 'q', type: 'Prefix', value: 'v' }, { name: 'r', value: 7 }],
        method: 'get',
      },
      at,
    );
    expect(read.pathMatch).toEqual({
      valid: false,
      errors: [{ path: `${at}.path.value`, message: 'path: regular expression must be a string' }],
    });
    expect(read.headers).toEqual({
      valid: false,
      errors: [{ path: `${at}.headers`, message: 'headers must be a list' }],
    });
    const query = read.queryParams.valid ? read.queryParams.result : [];
    expect(query.map((q) => [q.name, q.match])).toEqual([
      [
        {
          valid: false,
          errors: [{ path: `${at}.queryParams[0].name`, message: 'query param match: invalid name undefined' }],
        },
        { valid: false, errors: [] },
      ],
      [
        { valid: true, result: 'q' },
        {
          valid: false,
          errors: [
            {
              path: `${at}.queryParams[1].type`,
              message: 'query param match q: match type Prefix is not supported',
              unsupported: true,
            },
          ],
        },
      ],
      [
        { valid: true, result: 'r' },
        {
          valid: false,
          errors: [
            { path: `${at}.queryParams[2].value`, message: 'query param match r: header value must be a string' },
          ],
        },
      ],
    ]);
    expect(read.method).toEqual({
      valid: false,
      errors: [{ path: `${at}.method`, message: 'method "get" is not supported', unsupported: true }],
    });
    expect(readHttpRouteMatch({ path: { type: 'Exact', value: 5 } }, at).pathMatch).toEqual({
      valid: false,
      errors: [{ path: `${at}.path.value`, message: 'path: path 5 must start with "/"' }],
    });
    expect(readHttpRouteMatch({ path: { type: 'Glob', value: 5 } }, at).pathMatch).toEqual({
      valid: false,
      errors: [{ path: `${at}.path.type`, message: 'path: match type Glob is not supported', unsupported: true }],
    });
  });

  it('leaves the value checks to the translator: a path or regex of the right type is read as given', () => {
    expect(readHttpRouteMatch({ path: { type: 'RegularExpression', value: '(' } }, at).pathMatch).toEqual({
      valid: true,
      result: { type: 'RegularExpression', value: '(' },
    });
    expect(readHttpRouteMatch({ path: { type: 'Exact', value: 'no-slash' } }, at).pathMatch.valid).toBe(true);
  });
});

describe('readGrpcRouteMatch', () => {
  it('reads the method match, with the CRD rules for Exact', () => {
    expect(readGrpcRouteMatch({ method: { service: 'echo.Echo', method: 'Say' } }, at).method).toEqual({
      valid: true,
      result: { type: 'Exact', service: 'echo.Echo', method: 'Say' },
    });
    expect(readGrpcRouteMatch({ method: null }, at).method).toEqual({ valid: true, result: undefined });
    expect(readGrpcRouteMatch({ method: { type: 'RegularExpression', method: '^S.*$' } }, at).method).toEqual({
      valid: true,
      result: { type: 'RegularExpression', service: '', method: '^S.*$' },
    });
    const problems = (method: unknown) => {
      const read = readGrpcRouteMatch({ method }, at).method;
      return read.valid ? [] : read.errors;
    };
    expect(problems('Say')).toEqual([{ path: `${at}.method`, message: 'method match must be an object' }]);
    expect(problems({ service: 5 })).toEqual([
      { path: `${at}.method.service`, message: 'method match: service and method must be strings' },
    ]);
    expect(problems({})).toEqual([
      { path: `${at}.method`, message: 'method match: one or both of service and method must be set' },
    ]);
    expect(problems({ service: 'a-b' })).toEqual([
      { path: `${at}.method.service`, message: 'method match: service "a-b" is not a valid gRPC service name' },
    ]);
    expect(problems({ service: 'a', method: '' })).toEqual([
      { path: `${at}.method.method`, message: 'method match: method "" is not a valid gRPC method name' },
    ]);
    expect(problems({ type: 'Prefix', service: 'a' })).toEqual([
      { path: `${at}.method.type`, message: 'method match: type "Prefix" is not supported', unsupported: true },
    ]);
  });
});

describe('rule matches in readRouteCommon', () => {
  it('reads matches by kind, a rule without matches as one match of everything', () => {
    const spec = { rules: [{ matches: [{ path: { value: '/a' } }, {}] }, { matches: [] }, null] };
    const http = readRouteCommon({ kind: 'HTTPRoute', spec }).rules;
    expect(http[0]!.matches).toMatchObject({
      kind: 'HTTPRoute',
      items: [{ path: 'spec.rules[0].matches[0]' }, { path: 'spec.rules[0].matches[1]' }],
    });
    expect(http[1]!.matches).toMatchObject({ kind: 'HTTPRoute', items: [{ path: 'spec.rules[1]' }] });
    expect(http[2]).toBeUndefined();
    expect(readRouteCommon({ kind: 'GRPCRoute', spec }).rules[0]!.matches.kind).toBe('GRPCRoute');
    expect(readRouteCommon({ kind: 'TLSRoute', spec }).rules[0]!.matches).toEqual({ kind: 'none' });
  });
});

describe('rule matches through the translator', () => {
  const dropped = (matches: unknown) => {
    const result = translate(
      buildResourceSet([
        gatewayClass(),
        gateway(),
        httpRoute({ rules: [{ matches, backendRefs: [{ name: 'web', port: 80 }] }] }),
      ]),
    );
    const line = conditionLines(result).find((l) => l.startsWith('HTTPRoute default/web parent gw: Accepted='));
    return { line, message: line && conditionMessage(result, line) };
  };

  it('drops a rule with a shape problem and a value problem, in the order of the fields', () => {
    expect(
      dropped([
        {
          path: { type: 'Exact', value: 'a' },
          headers: [
            { name: 'x-a', value: 5 },
            { name: 'bad name', value: '1' },
          ],
        },
      ]),
    ).toEqual({
      line: 'HTTPRoute default/web parent gw: Accepted=False/UnsupportedValue',
      message:
        'no valid rule: rule 0: path: path "a" must start with "/"; header match x-a: header value must be a string; header match: invalid header name "bad name"',
    });
  });
});
