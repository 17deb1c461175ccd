/**
 * The EndpointSlice fast path. Endpoints change far more often than routes (every rollout, every
 * scale event), and they affect nothing but ClusterLoadAssignments: no status, no route, no
 * cluster. When a batch of changes touches only EndpointSlices, the pipeline recomputes the
 * endpoints of the clusters of the affected Services and swaps in their ClusterLoadAssignments,
 * instead of translating everything again. Everything else keeps its object identity, so the ADS
 * server's encoder re-encodes nothing but the changed assignments.
 */
import type { IrCluster, IrGateway } from '../ir/types.js';
import type { EndpointSlice, KubeObject, Service, ServicePort } from '../resources/types.js';
import { endpointsOf, servicePortFor } from '../translate/gatewayapi/backends.js';
import type { GatewayOutput } from '../translate/index.js';
import { buildClusterLoadAssignment } from '../translate/xds/endpoint.js';
import type { ResourceStore } from './resource-store.js';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/**
 * The Services (`<namespace>/<name>`) whose EndpointSlices differ between two stores, or
 * undefined when anything other than an EndpointSlice changed (then only a full translation is right).
 */
export function endpointOnlyChanges(before: ResourceStore, after: ResourceStore): Set<string> | undefined {
  if (before.synced !== after.synced) return undefined;
  const services = new Set<string>();
  const note = (object: KubeObject | undefined): boolean => {
    if (!object) return true;
    if (object.kind !== 'EndpointSlice') return false;
    const service = object.metadata.labels?.[SERVICE_NAME_LABEL];
    if (typeof service === 'string') services.add(`${object.metadata.namespace ?? 'default'}/${service}`);
    return true;
  };
  const sources = new Set([...before.sources.keys(), ...after.sources.keys()]);
  for (const source of sources) {
    const old = before.sources.get(source);
    const now = after.sources.get(source);
    if (old === now) continue;
    for (const [identity, object] of now ?? []) {
      const previous = old?.get(identity);
      if (previous === object) continue;
      if (!note(object) || !note(previous)) return undefined;
    }
    for (const [identity, object] of old ?? []) {
      if (!now?.has(identity) && !note(object)) return undefined;
    }
  }
  return services;
}

interface ServiceIndex {
  services: Map<string, Service>;
  slices: Map<string, EndpointSlice[]>;
}

/**
 * Each source's Services and EndpointSlices by Service key, computed once per source map: the store
 * shares unchanged sources between revisions, so a change re-indexes only the source it touched.
 */
const sourceIndexes = new WeakMap<ReadonlyMap<string, KubeObject>, ServiceIndex>();

function indexSource(objects: ReadonlyMap<string, KubeObject>): ServiceIndex {
  let index = sourceIndexes.get(objects);
  if (index) return index;
  index = { services: new Map(), slices: new Map() };
  for (const object of objects.values()) {
    const namespace = object.metadata.namespace ?? 'default';
    if (object.kind === 'Service') {
      index.services.set(`${namespace}/${object.metadata.name}`, object as Service);
    } else if (object.kind === 'EndpointSlice') {
      const key = `${namespace}/${object.metadata.labels?.[SERVICE_NAME_LABEL]}`;
      const list = index.slices.get(key);
      if (list) list.push(object as EndpointSlice);
      else index.slices.set(key, [object as EndpointSlice]);
    }
  }
  sourceIndexes.set(objects, index);
  return index;
}

/** Services and their EndpointSlices, for just the affected Services. */
function indexAffected(store: ResourceStore, affected: ReadonlySet<string>): ServiceIndex {
  const index: ServiceIndex = { services: new Map(), slices: new Map() };
  for (const objects of store.sources.values()) {
    const source = indexSource(objects);
    for (const key of affected) {
      const service = source.services.get(key);
      if (service) index.services.set(key, service);
      const slices = source.slices.get(key);
      if (slices) index.slices.set(key, [...(index.slices.get(key) ?? []), ...slices]);
    }
  }
  return index;
}

/** The port the translator resolved the cluster's backendRef to (`servicePortFor`). */
function servicePort(service: Service | undefined, cluster: IrCluster): ServicePort | undefined {
  return servicePortFor(service, cluster.source.port, cluster.protocol === 'udp' ? 'UDP' : 'TCP').port;
}

/** Where each Service's clusters and assignments sit in one Gateway's output. */
interface ClusterPositions {
  /** Service key → positions in `ir.clusters` of its (single-Service) clusters. */
  clusters: Map<string, number[]>;
  /** Cluster name → position in `xds.endpoints`. */
  assignments: Map<string, number>;
  /** Services that are members of a combined (session persistence) cluster. */
  combinedMembers: Set<string>;
}

/**
 * Positions by the output's cluster list: computed once per translation, then carried to each
 * refreshed output (the fast path never moves a cluster or an assignment).
 */
const positionsByClusters = new WeakMap<readonly IrCluster[], ClusterPositions>();

function positionsOf(gateway: GatewayOutput): ClusterPositions {
  let positions = positionsByClusters.get(gateway.ir.clusters);
  if (positions) return positions;
  positions = { clusters: new Map(), assignments: new Map(), combinedMembers: new Set() };
  gateway.ir.clusters.forEach((cluster, index) => {
    for (const m of cluster.members ?? []) positions!.combinedMembers.add(`${m.namespace}/${m.name}`);
    const key = `${cluster.source.namespace}/${cluster.source.name}`;
    const list = positions!.clusters.get(key);
    if (list) list.push(index);
    else positions!.clusters.set(key, [index]);
  });
  gateway.xds.endpoints.forEach((cla, index) => positions!.assignments.set(cla.cluster_name as string, index));
  positionsByClusters.set(gateway.ir.clusters, positions);
  return positions;
}

/**
 * The Gateways' outputs with fresh endpoints for the clusters of the affected Services; a Gateway
 * with no such cluster is returned as it was (same object). Undefined when an affected Service is
 * part of a combined (session persistence) cluster: only a full translation rebuilds that one.
 * Costs O(affected clusters) per Gateway after the first call for an output.
 */
export function refreshEndpoints(
  gateways: readonly GatewayOutput[],
  store: ResourceStore,
  affected: ReadonlySet<string>,
): { gateways: GatewayOutput[]; changed: GatewayOutput[] } | undefined {
  const positions = gateways.map(positionsOf);
  if (positions.some((p) => [...affected].some((key) => p.combinedMembers.has(key)))) return undefined;
  const index = indexAffected(store, affected);
  const changed: GatewayOutput[] = [];
  const out = gateways.map((gateway, g) => {
    const at = positions[g]!;
    const touched = [...affected].flatMap((key) => at.clusters.get(key) ?? []);
    if (touched.length === 0) return gateway;
    const clusters = gateway.ir.clusters.slice();
    const endpoints = gateway.xds.endpoints.slice();
    for (const position of touched) {
      const cluster = clusters[position]!;
      const key = `${cluster.source.namespace}/${cluster.source.name}`;
      const port = servicePort(index.services.get(key), cluster);
      // Without its Service port the cluster's backendRef no longer resolves: a full translation
      // would change statuses too, so this case never takes the fast path (see endpointOnlyChanges).
      const fresh: IrCluster = { ...cluster, endpoints: port ? endpointsOf(port, index.slices.get(key) ?? []) : [] };
      clusters[position] = fresh;
      const assignment = at.assignments.get(cluster.name);
      if (assignment !== undefined) endpoints[assignment] = buildClusterLoadAssignment(fresh);
    }
    positionsByClusters.set(clusters, at);
    const ir: IrGateway = { ...gateway.ir, clusters };
    const next: GatewayOutput = { ...gateway, ir, xds: { ...gateway.xds, endpoints } };
    changed.push(next);
    return next;
  });
  return { gateways: out, changed };
}
