/**
 * `refreshEndpoints`: the previous outputs and a changed Service's EndpointSlices give what a full
 * translation gives, with only the affected ClusterLoadAssignments (and IR clusters) replaced.
 */
import { generateObjects } from '../../../bench/generate.js';
import { buildResourceSet } from '../../../src/resources/resource-set.js';
import type { EndpointSlice, KubeObject, Service } from '../../../src/resources/types.js';
import type { IrCluster } from '../../../src/ir/types.js';
import { refreshEndpoints, translate, TranslationCache } from '../../../src/translate/index.js';
import { buildClusterLoadAssignment } from '../../../src/translate/xds/endpoint.js';

const objects = generateObjects(40);
const slice = objects.find((o): o is EndpointSlice => o.kind === 'EndpointSlice')!;
const serviceName = slice.metadata.labels!['kubernetes.io/service-name']!;
const key = `${slice.metadata.namespace}/${serviceName}`;
const service = objects.find(
  (o): o is Service =>
    o.kind === 'Service' && o.metadata.name === serviceName && o.metadata.namespace === slice.metadata.namespace,
)!;
const scaled: EndpointSlice = {
  ...slice,
  endpoints: [...(slice.endpoints ?? []), { addresses: ['10.99.0.1'], conditions: { ready: true } }],
};
const after = objects.map((o) => (o === slice ? scaled : o)) as KubeObject[];

test.each([
  ['without a cache', undefined],
  ['with a cache', new TranslationCache()],
])('replaces only the changed Service’s assignment, equal to a full translation (%s)', (_, cache) => {
  const previous = translate(buildResourceSet(objects), cache ? { cache } : {}).gateways;
  const full = translate(buildResourceSet(after)).gateways;
  // Twice: the second refresh starts from the first's output (the cache then knows its positions).
  let from = previous;
  for (let round = 0; round < 2; round++) {
    const refreshed = refreshEndpoints(from, new Map([[key, { service, slices: [scaled] }]]), cache)!;
    expect(refreshed.changed.map((g) => g.name)).toEqual(['bench/bench']);
    expect(refreshed.gateways.map((g) => g.xds)).toEqual(full.map((g) => g.xds));
    expect(refreshed.gateways.map((g) => g.ir)).toEqual(full.map((g) => g.ir));
    const [before, now] = [from[0]!, refreshed.gateways[0]!];
    // Every other object is the same object: the ADS server re-encodes nothing else.
    expect(now.xds.routes).toBe(before.xds.routes);
    expect(now.xds.clusters).toBe(before.xds.clusters);
    expect(now.xds.listeners).toBe(before.xds.listeners);
    const replaced = now.xds.endpoints.filter((cla, i) => cla !== before.xds.endpoints[i]);
    expect(replaced.map((cla) => cla.cluster_name)).toEqual([expect.stringContaining(key)]);
    const renewed = now.ir.clusters.filter((c, i) => c !== before.ir.clusters[i]);
    expect(renewed.map((c) => `${c.source.namespace}/${c.source.name}`)).toEqual([key]);
    from = refreshed.gateways;
  }
});

test('a Service no output uses changes nothing', () => {
  const previous = translate(buildResourceSet(objects)).gateways;
  const refreshed = refreshEndpoints(previous, new Map([['elsewhere/none', { service: undefined, slices: [] }]]))!;
  expect(refreshed.changed).toEqual([]);
  expect(refreshed.gateways[0]).toBe(previous[0]);
});

test('policy copies of a cluster share its assignment, and a refresh renews it for all of them', () => {
  // A BackendTrafficPolicy on every route: each route's backends become the policy's copies of
  // the Service clusters, and no route sends to a Service cluster itself.
  const withPolicies = generateObjects(40, { trafficPolicies: true });
  const isSlice = (o: KubeObject) =>
    o.kind === 'EndpointSlice' &&
    o.metadata.namespace === slice.metadata.namespace &&
    o.metadata.name === slice.metadata.name;
  expect(withPolicies.filter(isSlice)).toHaveLength(1);
  const refreshedSlice = (o: KubeObject) => (isSlice(o) ? scaled : o);
  const [previous] = translate(buildResourceSet(withPolicies)).gateways;
  const [full] = translate(buildResourceSet(withPolicies.map(refreshedSlice) as KubeObject[])).gateways;
  const copies = previous!.xds.clusters.filter((c) => c.eds_cluster_config?.service_name?.startsWith(`${key}/`));
  expect(copies.length).toBeGreaterThanOrEqual(2);
  expect(previous!.xds.clusters.map((c) => c.name)).not.toContain(copies[0]!.eds_cluster_config!.service_name);
  // One assignment per Service port, named as the copies name it.
  const names = previous!.xds.endpoints.map((cla) => cla.cluster_name);
  expect(new Set(names).size).toBe(names.length);
  expect(names).toContain(copies[0]!.eds_cluster_config!.service_name);
  expect(names.some((n) => n?.includes('/policy/'))).toBe(false);

  const refreshed = refreshEndpoints([previous!], new Map([[key, { service, slices: [scaled] }]]))!;
  expect(refreshed.gateways[0]!.xds).toEqual(full!.xds);
  const replaced = refreshed.gateways[0]!.xds.endpoints.filter((cla, i) => cla !== previous!.xds.endpoints[i]);
  expect(replaced.map((cla) => cla.cluster_name)).toEqual([copies[0]!.eds_cluster_config!.service_name]);
});

test('an XBackend cluster named like the changed Service keeps its own endpoints (Pods it selects)', () => {
  const [gateway] = translate(buildResourceSet(objects)).gateways;
  const namespace = slice.metadata.namespace!;
  // An XBackend of the Service's name, as its route's backend would make it.
  const xbackend: IrCluster = {
    name: `${namespace}/${serviceName}/xbackend`,
    source: { kind: 'XBackend', namespace, name: serviceName, port: 8080 },
    protocol: 'http1',
    endpoints: [{ address: '10.50.0.1', port: 8080 }],
  };
  const clusters = [...gateway!.ir.clusters, xbackend];
  const endpoints = [...gateway!.xds.endpoints, buildClusterLoadAssignment(xbackend)];
  const previous = { ...gateway!, ir: { ...gateway!.ir, clusters }, xds: { ...gateway!.xds, endpoints } };
  const refreshed = refreshEndpoints([previous], new Map([[key, { service, slices: [scaled] }]]))!;
  const now = refreshed.gateways[0]!;
  expect(now.ir.clusters.at(-1)).toBe(xbackend);
  expect(now.xds.endpoints.at(-1)).toBe(endpoints.at(-1));
  // The Service's own cluster did get the new endpoint.
  const renewed = now.ir.clusters.filter((c, i) => c !== clusters[i]);
  expect(renewed.map((c) => `${c.source.kind} ${c.source.namespace}/${c.source.name}`)).toEqual([`Service ${key}`]);
});
