/**
 * The readers of a status as it was written: the entries Portico merges its own into. A malformed
 * entry is no entry (never an exception); well-formed ones, other controllers' among them, are
 * kept as written.
 */
import { describe, expect, it } from '@jest/globals';
import {
  readListenerStatuses,
  readPolicyAncestorStatuses,
  readRouteParentStatuses,
} from '../../../src/resources/read/previous-status.js';
import { buildResourceSet } from '../../../src/resources/resource-set.js';
import type { KubeObject } from '../../../src/resources/types.js';
import { translate } from '../../../src/translate/index.js';
import { gateway, gatewayClass, httpRoute, listener } from '../../support/fixtures.js';

const OTHERS_PARENT = { parentRef: { name: 'gw' }, controllerName: 'example.com/other', conditions: [] };
const OTHERS_ANCESTOR = {
  ancestorRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'default', name: 'theirs' },
  controllerName: 'example.com/other',
  conditions: [],
};

describe('readListenerStatuses', () => {
  it('keeps the entries that are objects, as written', () => {
    const entry = { name: 'http', conditions: 'not a list' };
    expect(readListenerStatuses([null, 3, [], 'http', entry])).toEqual([entry]);
  });

  it('reads anything that is not a list as no entries', () => {
    for (const value of [undefined, null, 'http', { http: {} }]) expect(readListenerStatuses(value)).toEqual([]);
  });
});

describe('readRouteParentStatuses and readPolicyAncestorStatuses', () => {
  it('keep the entries whose reference is an object', () => {
    const malformed = [null, 'gw', { parentRef: null }, { parentRef: 'gw' }, { parentRef: [] }];
    expect(readRouteParentStatuses({ parents: [...malformed, OTHERS_PARENT] })).toEqual([OTHERS_PARENT]);
    const ancestors = [null, { ancestorRef: null }, { ancestorRef: ['gw'] }, OTHERS_ANCESTOR];
    expect(readPolicyAncestorStatuses({ ancestors })).toEqual([OTHERS_ANCESTOR]);
  });

  it('read a status, or a list in it, that is no object or list as no entries', () => {
    for (const status of [undefined, null, 'ok', [OTHERS_PARENT], { parents: { a: OTHERS_PARENT } }]) {
      expect(readRouteParentStatuses(status)).toEqual([]);
    }
    for (const status of [undefined, null, 'ok', [OTHERS_ANCESTOR], { ancestors: OTHERS_ANCESTOR }]) {
      expect(readPolicyAncestorStatuses(status)).toEqual([]);
    }
  });
});

describe('malformed statuses through the translator', () => {
  const service: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: { ports: [{ port: 80 }] },
  };
  const policy = (status: unknown): KubeObject => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'BackendTLSPolicy',
    metadata: { name: 'tls', namespace: 'default' },
    spec: {
      targetRefs: [{ group: '', kind: 'Service', name: 'web' }],
      validation: { hostname: 'web.example', wellKnownCACertificates: 'System' },
    },
    status,
  });

  it("drops malformed entries, keeps other controllers' and writes Portico's", () => {
    const route = { ...httpRoute(), status: { parents: [null, 'x', { parentRef: null }, OTHERS_PARENT] } };
    const gw = { ...gateway({ listeners: [listener('http', 80)] }), status: { listeners: [null, 3, 'http'] } };
    const ancestors = [null, 'a', { ancestorRef: null }, OTHERS_ANCESTOR];
    const result = translate(buildResourceSet([gatewayClass(), gw, service, route, policy({ ancestors })]));
    const statusOf = (kind: string) => result.resources.find((o) => o.kind === kind)?.status as Record<string, unknown>;
    const parents = statusOf('HTTPRoute').parents as { controllerName: string }[];
    expect(parents.map((p) => p.controllerName)).toEqual(['example.com/other', 'portico.dev/gateway-controller']);
    expect(parents[0]).toEqual(OTHERS_PARENT);
    const listeners = statusOf('Gateway').listeners as { name: string }[];
    expect(listeners.map((l) => l.name)).toEqual(['http']);
    const written = statusOf('BackendTLSPolicy').ancestors as { ancestorRef: { name: string } }[];
    expect(written.map((a) => a.ancestorRef.name)).toEqual(['theirs', 'gw']);
  });

  it('takes a status that is no object as none', () => {
    const route = { ...httpRoute(), status: 'ok' };
    const result = translate(
      buildResourceSet([gatewayClass(), gateway({ listeners: [listener('http', 80)] }), service, route, policy([1])]),
    );
    const parents = (result.resources.find((o) => o.kind === 'HTTPRoute')?.status as { parents: unknown[] }).parents;
    expect(parents).toHaveLength(1);
    const ancestors = (result.resources.find((o) => o.kind === 'BackendTLSPolicy')?.status as { ancestors: unknown[] })
      .ancestors;
    expect(ancestors).toHaveLength(1);
  });
});
