import { ResourceSetBuilder } from '../../src/pipeline/resource-set-builder.js';
import { EMPTY_STORE, foldResourceEvent, resourceSetOf } from '../../src/pipeline/resource-store.js';
import type { ResourceEvent, ResourceStore } from '../../src/pipeline/resource-store.js';
import type { KubeObject } from '../../src/resources/types.js';

/** A small deterministic generator (xorshift), so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

const KINDS: [string, string][] = [
  ['HTTPRoute', 'gateway.networking.k8s.io/v1'],
  ['Service', 'v1'],
  ['EndpointSlice', 'discovery.k8s.io/v1'],
  ['Namespace', 'v1'],
  ['GatewayClass', 'gateway.networking.k8s.io/v1'],
  ['GRPCRoute', 'gateway.networking.k8s.io/v1'],
  ['TLSRoute', 'gateway.networking.k8s.io/v1'],
  ['UDPRoute', 'gateway.networking.k8s.io/v1'],
  ['BackendLBPolicy', 'gateway.networking.k8s.io/v1alpha2'],
];

/** Objects from a small name space, so that sources often define the same object (duplicates). */
function object(next: () => number, generation: number): KubeObject {
  const [kind, apiVersion] = KINDS[Math.floor(next() * KINDS.length)]!;
  const name = `o${Math.floor(next() * 6)}`;
  const ns = next();
  // Namespaced objects without a namespace land in `default`; cluster-scoped ones with one lose it.
  const namespace = ns < 0.2 ? undefined : ns < 0.6 ? 'default' : 'team';
  return {
    apiVersion,
    kind,
    metadata: { name, ...(namespace !== undefined ? { namespace } : {}), generation },
    spec: { generation },
  };
}

function event(next: () => number, step: number): ResourceEvent {
  const source = `s${Math.floor(next() * 5)}`;
  const roll = next();
  if (roll < 0.5) {
    const count = Math.floor(next() * 4);
    return { type: 'replace', source, objects: Array.from({ length: count }, () => object(next, step)) };
  }
  if (roll < 0.85) return { type: 'upsert', source, object: object(next, step) };
  const gone = object(next, step);
  return { type: 'delete', source, object: { kind: gone.kind, metadata: gone.metadata } };
}

describe('ResourceSetBuilder', () => {
  it('equals resourceSetOf over random event sequences, warnings and their order included', () => {
    let compared = 0;
    let withWarnings = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const next = random(seed);
      const builder = new ResourceSetBuilder();
      let store: ResourceStore = EMPTY_STORE;
      for (let step = 0; step < 40; step++) {
        store = foldResourceEvent(store, event(next, step));
        // Not every store is looked at: the builder must also follow several changes at once.
        if (next() < 0.3) continue;
        const expected = resourceSetOf(store);
        const actual = builder.of(store);
        expect({ seed, step, ...actual }).toEqual({ seed, step, ...expected });
        compared++;
        if (expected.warnings.length > 0) withWarnings++;
      }
    }
    // The sequences exercise what they are meant to.
    expect(compared).toBeGreaterThan(1000);
    expect(withWarnings).toBeGreaterThan(300);
  });

  it('keeps the arrays of kinds no changed source holds, and changes only the changed objects', () => {
    const route = (name: string, generation: number): KubeObject => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name, namespace: 'default', generation },
      spec: {},
    });
    const service = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: {} });
    let store: ResourceStore = EMPTY_STORE;
    for (let i = 0; i < 100; i++) {
      store = foldResourceEvent(store, { type: 'replace', source: `route-${i}`, objects: [route(`r${i}`, 1)] });
      store = foldResourceEvent(store, { type: 'replace', source: `service-${i}`, objects: [service(`s${i}`)] });
    }
    const builder = new ResourceSetBuilder();
    const first = builder.of(store).resources;
    expect(builder.of(store).resources).toBe(first);

    store = foldResourceEvent(store, { type: 'replace', source: 'route-42', objects: [route('r42', 2)] });
    const second = builder.of(store).resources;
    expect(second.services).toBe(first.services);
    expect(second.httpRoutes).not.toBe(first.httpRoutes);
    const changed = second.httpRoutes.filter((r, i) => r !== first.httpRoutes[i]);
    expect(changed.map((r) => [r.metadata.name, r.metadata.generation])).toEqual([['r42', 2]]);
    expect(second).toEqual(resourceSetOf(store).resources);
  });

  it('starts over after a malformed object, as resourceSetOf throws for it', () => {
    const builder = new ResourceSetBuilder();
    const bad = { apiVersion: 'v1', kind: 'Service' } as unknown as KubeObject;
    const store = foldResourceEvent(EMPTY_STORE, { type: 'replace', source: 'a', objects: [] });
    const broken: ResourceStore = { ...store, sources: new Map([['a', new Map([['x', bad]])]]) };
    expect(() => resourceSetOf(broken)).toThrow();
    expect(() => builder.of(broken)).toThrow();
    const good = foldResourceEvent(EMPTY_STORE, {
      type: 'replace',
      source: 'a',
      objects: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x', namespace: 'default' } }],
    });
    expect(builder.of(good)).toEqual(resourceSetOf(good));
  });
});
