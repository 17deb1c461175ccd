/** The reader of HTTPRoute and GRPCRoute rule matches: typed values, or problems with their paths. */
import { readRouteCommon } from '../../../src/resources/read/route-common.js';
import {
  readGrpcRouteMatch,
  readHttpRouteMatch,
  RefusedNamedMatch,
} from '../../../src/resources/read/route-matches.js';
import { Refused } from '../../../src/resources/read/validation-result.js';
import { buildResourceSet } from '../../../src/resources/resource-set.js';
import { translate } from '../../../src/translate/index.js';
import { gateway, gatewayClass, httpRoute } from '../../support/fixtures.js';
import { conditionLines, conditionMessage } from '../../support/translator-outcome.js';

const at = 'spec.rules[0].matches[0]';

describe('readHttpRouteMatch', () => {
  it('reads a match written as the spec says to itself, a match without fields as every path and method', () => {
    const written = {
      path: { type: 'Exact', value: '/a' },
      headers: [{ name: 'x-a', value: '1' }],
      queryParams: [{ name: 'q', type: 'RegularExpression', value: 'v.*' }],
      method: 'GET',
    };
    // Nothing is allocated for a valid match: its reading is the match.
    expect(readHttpRouteMatch(written, at)).toBe(written);
    for (const empty of [{}, null, 'x', []]) expect(readHttpRouteMatch(empty, at)).toEqual({});
    // null stands for an absent field: the reading is a copy without it.
    const nulls = { path: null, headers: null, queryParams: null, method: 'PUT' };
    expect(readHttpRouteMatch(nulls, at)).toEqual({ method: 'PUT' });
    expect(readHttpRouteMatch({ path: { type: null, value: '/b' } }, at)).toEqual({
      path: { type: 'PathPrefix', value: '/b' },
    });
  });

  it('names the field of each problem, with the message the rule gives, enum values as unsupported', () => {
    const read = readHttpRouteMatch(
      {
        path: { type: 'RegularExpression', value: 5 },
        headers: { name: 'x' },
        queryParams: [
          null,
          { name: 'q', type: 'Prefix', value: 'v' },
          { name: 'r', value: 7 },
          { name: 's', value: 'ok' },
        ],
        method: 'get',
      },
      at,
    );
    expect(read.path).toEqual(
      new Refused([{ path: `${at}.path.value`, message: 'path: regular expression must be a string' }]),
    );
    expect(read.headers).toEqual(new Refused([{ path: `${at}.headers`, message: 'headers must be a list' }]));
    expect(read.queryParams).toEqual([
      new RefusedNamedMatch(undefined, [
        { path: `${at}.queryParams[0].name`, message: 'query param match: invalid name undefined' },
      ]),
      new RefusedNamedMatch('q', [
        {
          path: `${at}.queryParams[1].type`,
          message: 'query param match q: match type Prefix is not supported',
          unsupported: true,
        },
      ]),
      new RefusedNamedMatch('r', [
        { path: `${at}.queryParams[2].value`, message: 'query param match r: header value must be a string' },
      ]),
      { name: 's', value: 'ok' },
    ]);
    expect(read.method).toEqual(
      new Refused([{ path: `${at}.method`, message: 'method "get" is not supported', unsupported: true }]),
    );
    expect(readHttpRouteMatch({ path: { type: 'Exact', value: 5 } }, at).path).toEqual(
      new Refused([{ path: `${at}.path.value`, message: 'path: path 5 must start with "/"' }]),
    );
    expect(readHttpRouteMatch({ path: { type: 'Glob', value: 5 } }, at).path).toEqual(
      new Refused([{ path: `${at}.path.type`, message: 'path: match type Glob is not supported', unsupported: true }]),
    );
  });

  it('leaves the value checks to the translator: a path or regex of the right type is read as given', () => {
    const regex = { path: { type: 'RegularExpression', value: '(' } };
    expect(readHttpRouteMatch(regex, at)).toBe(regex);
    expect(readHttpRouteMatch({ path: { type: 'Exact', value: 'no-slash' } }, at).path).not.toBeInstanceOf(Refused);
  });
});

describe('readGrpcRouteMatch', () => {
  it('reads the method match, with the CRD rules for Exact', () => {
    expect(readGrpcRouteMatch({ method: { service: 'echo.Echo', method: 'Say' } }, at).method).toEqual({
      type: 'Exact',
      service: 'echo.Echo',
      method: 'Say',
    });
    expect(readGrpcRouteMatch({ method: null }, at).method).toBeUndefined();
    expect(readGrpcRouteMatch({ method: { type: 'RegularExpression', method: '^S.*$' } }, at).method).toEqual({
      type: 'RegularExpression',
      service: '',
      method: '^S.*$',
    });
    const problems = (method: unknown) => {
      const read = readGrpcRouteMatch({ method }, `${at}`).method;
      return read instanceof Refused ? read.errors : [];
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
    const matches = [{ path: { value: '/a' } }, {}];
    const rule = { matches };
    const spec = { rules: [rule, { matches: [] }, null, {}] };
    const http = readRouteCommon({ kind: 'HTTPRoute', spec }).rules;
    // The rule and both its matches are written as the spec says: the rule is its own reading.
    expect(http[0]).toBe(rule);
    expect(http[0]!.matches).toBe(matches);
    expect(http[1]!.matches).toEqual([{}]);
    expect(http[2]).toBeUndefined();
    expect(http[3]!.matches).toBeUndefined();
    const grpc = readRouteCommon({ kind: 'GRPCRoute', spec }).rules;
    expect(grpc[0]!.grpcMatches).toEqual([
      { method: undefined, headers: [] },
      { method: undefined, headers: [] },
    ]);
    expect(grpc[0]!.matches).toBeUndefined();
    const tls = readRouteCommon({ kind: 'TLSRoute', spec }).rules[0]!;
    expect([tls.matches, tls.grpcMatches]).toEqual([undefined, undefined]);
  });

  it('copies the list when one match is not written as the spec says, keeping the others as they are', () => {
    const good = { path: { type: 'Exact', value: '/a' } };
    const spec = { rules: [{ matches: [good, { method: 'get' }] }] };
    const [first, second] = readRouteCommon({ kind: 'HTTPRoute', spec }).rules[0]!.matches!;
    expect(first).toBe(good);
    expect(second!.method).toBeInstanceOf(Refused);
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
