/**
 * The backends a route's rules mirror to, as status counts them (which Gateways use a backend):
 * every requestMirror.backendRef that reads, whether or not its filter can be programmed.
 */
import { describe, expect, it } from '@jest/globals';
import { readRuleMirrorBackendRefs } from '../../../src/resources/read/mirror-backend-refs.js';
import { buildResourceSet } from '../../../src/resources/resource-set.js';
import type { KubeObject, PolicyStatus } from '../../../src/resources/types.js';
import { translate } from '../../../src/translate/index.js';
import { gateway, gatewayClass, httpRoute, listener } from '../../support/fixtures.js';

const mirror = (requestMirror: unknown, type = 'RequestMirror') => ({ type, requestMirror });
const COPY = { name: 'copy', port: 80 };

describe('readRuleMirrorBackendRefs', () => {
  it('gives, beside each rule, the references its filters mirror to', () => {
    expect(
      readRuleMirrorBackendRefs({
        rules: [
          null,
          { filters: [mirror({ backendRef: COPY }), mirror({ percent: 500, backendRef: { name: 'b' } })] },
          { filters: [mirror({ backendRef: COPY }, 'RequestHeaderModifier')] },
          {},
        ],
      }),
    ).toEqual([[], [COPY, { name: 'b' }], [COPY], []]);
  });

  it('reads malformed filters and references as none, never throwing', () => {
    const filters = [
      null,
      'x',
      [],
      mirror('copy'),
      mirror(null),
      mirror({ backendRef: null }),
      mirror({ backendRef: { name: 5 } }),
    ];
    expect(readRuleMirrorBackendRefs({ rules: [{ filters }, { filters: 'x' }, 'rule'] })).toEqual([[], [], []]);
    for (const spec of [undefined, null, 'x', [], { rules: 'x' }]) expect(readRuleMirrorBackendRefs(spec)).toEqual([]);
  });
});

describe('a mirrored Service through the translator', () => {
  const service = (name: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { ports: [{ port: 80 }] },
  });
  const policy: KubeObject = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'BackendTLSPolicy',
    metadata: { name: 'tls', namespace: 'default' },
    spec: {
      targetRefs: [{ group: '', kind: 'Service', name: 'copy' }],
      validation: { hostname: 'copy.example', wellKnownCACertificates: 'System' },
    },
  };
  const ancestorsFor = (rules: unknown[]) => {
    const objects = [gatewayClass(), gateway({ listeners: [listener('http', 80)] }), service('web'), service('copy')];
    const result = translate(buildResourceSet([...objects, httpRoute({ rules }), policy]));
    const status = result.resources.find((o) => o.kind === 'BackendTLSPolicy')?.status as PolicyStatus | undefined;
    return status?.ancestors.map((a) => a.ancestorRef.name);
  };
  const web = { backendRefs: [{ name: 'web', port: 80 }] };

  it("makes the route's Gateway an ancestor of the mirrored Service's policy, even where the mirror cannot be programmed", () => {
    expect(ancestorsFor([{ ...web, filters: [mirror({ backendRef: COPY })] }])).toEqual(['gw']);
    expect(ancestorsFor([web, { ...web, filters: [mirror({ percent: 500, backendRef: COPY })] }])).toEqual(['gw']);
    expect(ancestorsFor([web, { ...web, filters: [mirror({ backendRef: { ...COPY, port: '80' } })] }])).toBeUndefined();
  });
});
