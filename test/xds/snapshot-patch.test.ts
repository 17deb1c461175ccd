/**
 * A snapshot built from the previous one by patching the few changed positions (what the endpoint
 * fast path gives) must equal a snapshot built from scratch: same resources, same versions, and
 * the encoder's references all given back when the Gateway goes.
 */
import { CLUSTER_LOAD_ASSIGNMENT } from '../../src/proto/type-urls.js';
import { ResourceEncoder, SetDigest } from '../../src/xds/resources.js';
import { SnapshotCache } from '../../src/xds/snapshot.js';
import type { ClusterLoadAssignment, XdsResources } from '../../src/translate/xds/types.js';

const GATEWAY = 'default/gw';

function assignment(name: string, address: string): ClusterLoadAssignment {
  return {
    cluster_name: name,
    endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address, port_value: 8080 } } } }] }],
  };
}

const resources = (endpoints: ClusterLoadAssignment[]): XdsResources => ({
  listeners: [],
  routes: [],
  clusters: [],
  endpoints,
  secrets: [],
});

const names = Array.from({ length: 40 }, (_, i) => `default/svc-${String(i).padStart(2, '0')}/80`);

function fresh(endpoints: ClusterLoadAssignment[]): { version: string; dump: unknown } {
  const cache = new SnapshotCache();
  cache.publish(GATEWAY, resources(endpoints.map((e) => structuredClone(e))));
  return { version: cache.get(GATEWAY)!.version, dump: cache.dump(GATEWAY, 'endpoints') };
}

describe('SetDigest', () => {
  test('does not depend on order, and follows additions and removals', () => {
    const encoder = new ResourceEncoder();
    const all = names.map((n, i) => encoder.acquire(CLUSTER_LOAD_ASSIGNMENT, assignment(n, `10.0.0.${i}`)));
    const reversed = [...all].reverse();
    expect(SetDigest.of(reversed).version()).toBe(SetDigest.of(all).version());
    const digest = SetDigest.of(all);
    digest.remove(all[3]!);
    digest.remove(all[7]!);
    expect(digest.version()).toBe(SetDigest.of(all.filter((_, i) => i !== 3 && i !== 7)).version());
    expect(digest.version()).not.toBe(SetDigest.of(all).version());
    digest.add(all[7]!);
    digest.add(all[3]!);
    expect(digest.version()).toBe(SetDigest.of(all).version());
  });
});

describe('SnapshotCache patching a few changed positions', () => {
  test('equals a build from scratch, through changes of one, a few, many, and of names', () => {
    const cache = new SnapshotCache();
    let current = names.map((n, i) => assignment(n, `10.0.0.${i}`));
    cache.publish(GATEWAY, resources(current));
    const steps: ((list: ClusterLoadAssignment[]) => ClusterLoadAssignment[])[] = [
      // One endpoint moves (the fast path's case).
      (list) => list.map((e, i) => (i === 5 ? assignment(names[5]!, '10.9.9.9') : e)),
      // Three move; one of them back to what it was before.
      (list) =>
        list.map((e, i) =>
          i === 5 ? assignment(names[5]!, '10.0.0.5') : [1, 30].includes(i) ? assignment(names[i]!, '10.8.8.8') : e,
        ),
      // A new object with the same content: same version as before.
      (list) => list.map((e, i) => (i === 2 ? structuredClone(e) : e)),
      // Another name at a position: not patched, built again.
      (list) => list.map((e, i) => (i === 9 ? assignment('default/other/80', '10.7.7.7') : e)),
      // Most of them change: built again.
      (list) => list.map((e, i) => (i % 2 === 0 ? assignment(names[i] ?? `n${i}`, '10.6.6.6') : e)),
    ];
    for (const step of steps) {
      current = step(current);
      cache.publish(GATEWAY, resources(current));
      const expected = fresh(current);
      expect(cache.dump(GATEWAY, 'endpoints')).toEqual(expected.dump);
      expect(cache.get(GATEWAY)!.version).toBe(expected.version);
    }
    // Every reference the builds took goes back with the Gateway.
    cache.remove(GATEWAY);
    cache.forget(GATEWAY);
    expect(cache.encoder.stats().live).toBe(0);
  });
});
