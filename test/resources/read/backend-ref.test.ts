/** The reader of backend references: a route rule's backendRefs, and any other backendRef. */
import {
  readBackendObjectReference,
  RefusedBackendRef,
  targetOf,
  weightOf,
} from '../../../src/resources/read/backend-ref.js';
import { Refused } from '../../../src/resources/read/validation-result.js';
import { readRouteCommon } from '../../../src/resources/read/route-common.js';
import { buildResourceSet } from '../../../src/resources/resource-set.js';
import type { KubeObject } from '../../../src/resources/types.js';
import { translate } from '../../../src/translate/index.js';
import { gateway, gatewayClass, httpRoute } from '../../support/fixtures.js';
import { conditionLines, conditionMessage } from '../../support/translator-outcome.js';

describe('readBackendObjectReference', () => {
  it('reads the fields of a reference, null taken as absent', () => {
    expect(
      readBackendObjectReference({ name: 'web', namespace: null, group: '', kind: 'Service', port: 80, x: 1 }, 'r'),
    ).toEqual({ valid: true, result: { name: 'web', group: '', kind: 'Service', port: 80 } });
  });

  it('refuses a reference with a field of the wrong type, naming each field', () => {
    expect(readBackendObjectReference({ namespace: 7, port: '80' }, 'spec.rules[0].backendRefs[1]')).toEqual({
      valid: false,
      errors: [
        { path: 'spec.rules[0].backendRefs[1].name', message: 'name must be a string' },
        { path: 'spec.rules[0].backendRefs[1].namespace', message: 'namespace must be a string' },
        { path: 'spec.rules[0].backendRefs[1].port', message: 'port must be a number' },
      ],
    });
    expect(readBackendObjectReference('web', 'r')).toEqual({
      valid: false,
      errors: [{ path: 'r', message: 'a backend reference must be an object' }],
    });
  });
});

describe('readRouteCommon: backendRefs', () => {
  it('reads each rule that is an object, beside its index', () => {
    const filters = [{ type: 'RequestHeaderModifier' }];
    const { rules } = readRouteCommon({
      kind: 'HTTPRoute',
      spec: {
        rules: [null, { backendRefs: [{ name: 'a', port: 80, weight: 3, filters }, null, { name: 'b', weight: -1 }] }],
      },
    });
    expect(rules[0]).toBeUndefined();
    const [a, empty, b] = rules[1]!.backendRefs!;
    expect(a).toEqual({
      name: 'a',
      port: 80,
      weight: 3,
      // The filters are read too (route-filters.test.ts): a header modifier without its configuration.
      filters: [
        {
          type: 'RequestHeaderModifier',
          headers: undefined,
          path: 'spec.rules[1].backendRefs[0].filters[0]',
          errors: [
            {
              path: 'spec.rules[1].backendRefs[0].filters[0].requestHeaderModifier',
              message: 'requestHeaderModifier needs a configuration',
            },
          ],
          unsupported: [],
        },
      ],
    });
    expect(empty).toBeInstanceOf(RefusedBackendRef);
    expect((empty as RefusedBackendRef).notAnObject).toBe('spec.rules[1].backendRefs[1]');
    expect(weightOf(b!)).toEqual(
      new Refused([{ path: 'spec.rules[1].backendRefs[2].weight', message: 'backendRef b: invalid weight -1' }]),
    );
    expect(targetOf(b!)).toEqual({ name: 'b' });
  });

  it('reads an entry written as the spec says to itself, and a list of them to the list', () => {
    const backendRefs = [
      { name: 'a', port: 80, weight: 3 },
      { name: 'b', namespace: 'x', kind: 'Service', group: '' },
    ];
    const [rule] = readRouteCommon({ kind: 'HTTPRoute', spec: { rules: [{ backendRefs }] } }).rules;
    expect(rule!.backendRefs).toBe(backendRefs);
    expect(weightOf(rule!.backendRefs![1]!)).toBe(1);
  });

  it('reads null as absent, in a canonical copy; a field of the wrong type refuses the reference', () => {
    const [rule] = readRouteCommon({
      kind: 'HTTPRoute',
      spec: {
        rules: [
          {
            backendRefs: [
              { name: 'a', namespace: null, weight: null },
              { name: 'b', port: '80' },
            ],
          },
        ],
      },
    }).rules;
    const [a, b] = rule!.backendRefs!;
    expect(a).toEqual({ name: 'a', weight: 1 });
    expect(targetOf(b!)).toEqual(
      new Refused([{ path: 'spec.rules[0].backendRefs[1].port', message: 'port must be a number' }]),
    );
    expect(weightOf(b!)).toBe(1);
  });
});

const grpcRoute = (backendRefs: unknown[]): KubeObject =>
  ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GRPCRoute',
    metadata: { name: 'rpc', namespace: 'default' },
    spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs }] },
  }) as KubeObject;

describe('backendRefs through the translator', () => {
  // Before the reader, a null backendRef threw inside the translator, and the route was refused
  // with the JavaScript error ("Cannot read properties of null"); the CRD refuses it too.
  it.each([
    ['HTTPRoute default/web', httpRoute({ rules: [{ backendRefs: [{ name: 'web', port: 80 }, null] }] })],
    ['GRPCRoute default/rpc', grpcRoute([{ name: 'web', port: 80 }, null])],
  ])('refuses a %s whose backendRef is no object, naming the field', (label, route) => {
    const result = translate(buildResourceSet([gatewayClass(), gateway(), route]));
    const line = `${label} parent gw: Accepted=False/UnsupportedValue`;
    expect(conditionLines(result)).toContain(line);
    expect(conditionMessage(result, line)).toBe('rule 0: spec.rules[0].backendRefs[1]: a backendRef must be an object');
  });

  it('reports a backendRef with a field of the wrong type as a reference that does not resolve', () => {
    const route = httpRoute({ rules: [{ backendRefs: [{ name: 'web', port: '80' }] }] });
    const result = translate(buildResourceSet([gatewayClass(), gateway(), route]));
    const line = 'HTTPRoute default/web parent gw: ResolvedRefs=False/BackendNotFound';
    expect(conditionLines(result)).toContain(line);
    expect(conditionMessage(result, line)).toBe('spec.rules[0].backendRefs[0].port: port must be a number');
  });
});
