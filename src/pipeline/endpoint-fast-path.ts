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
import { endpointsOf } from '../translate/gatewayapi/backends.js';
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

/** Services and their EndpointSlices, for just the affected Services. */
function indexAffected(store: ResourceStore, affected: ReadonlySet<string>): ServiceIndex {
  const index: ServiceIndex = { services: new Map(), slices: new Map() };
  for (const objects of store.sources.values()) {
    for (const object of objects.values()) {
      const namespace = object.metadata.namespace ?? 'default';
      if (object.kind === 'Service') {
        const key = `${namespace}/${object.metadata.name}`;
        if (affected.has(key)) index.services.set(key, object as Service);
      } else if (object.kind === 'EndpointSlice') {
        const service = object.metadata.labels?.[SERVICE_NAME_LABEL];
        const key = `${namespace}/${service}`;
        if (!affected.has(key)) continue;
        index.slices.set(key, [...(index.slices.get(key) ?? []), object as EndpointSlice]);
      }
    }
  }
  return index;
}

function servicePort(service: Service | undefined, port: number): ServicePort | undefined {
  const ports = Array.isArray(service?.spec?.ports) ? service.spec.ports : [];
  return ports.find((p) => typeof p === 'object' && p !== null && p.port === port);
}

/**
 * The Gateways' outputs with fresh endpoints for the clusters of the affected Services; a Gateway
 * with no such cluster is returned as it was (same object). Undefined when an affected Service is
 * part of a combined (session persistence) cluster: only a full translation rebuilds that one.
 */
export function refreshEndpoints(
  gateways: readonly GatewayOutput[],
  store: ResourceStore,
  affected: ReadonlySet<string>,
): { gateways: GatewayOutput[]; changed: GatewayOutput[] } | undefined {
  const combinedAffected = gateways.some((g) =>
    g.ir.clusters.some((c) => c.members?.some((m) => affected.has(`${m.namespace}/${m.name}`))),
  );
  if (combinedAffected) return undefined;
  const index = indexAffected(store, affected);
  const changed: GatewayOutput[] = [];
  const out = gateways.map((gateway) => {
    const refreshed = new Map<string, IrCluster>();
    for (const cluster of gateway.ir.clusters) {
      const key = `${cluster.source.namespace}/${cluster.source.name}`;
      if (!affected.has(key)) continue;
      const port = servicePort(index.services.get(key), cluster.source.port);
      // Without its Service port the cluster's backendRef no longer resolves: a full translation
      // would change statuses too, so this case never takes the fast path (see endpointOnlyChanges).
      const endpoints = port ? endpointsOf(port, index.slices.get(key) ?? []) : [];
      refreshed.set(cluster.name, { ...cluster, endpoints });
    }
    if (refreshed.size === 0) return gateway;
    const ir: IrGateway = { ...gateway.ir, clusters: gateway.ir.clusters.map((c) => refreshed.get(c.name) ?? c) };
    const endpoints = gateway.xds.endpoints.map((cla) => {
      const cluster = refreshed.get(cla.cluster_name as string);
      return cluster ? buildClusterLoadAssignment(cluster) : cla;
    });
    const next: GatewayOutput = { ...gateway, ir, xds: { ...gateway.xds, endpoints } };
    changed.push(next);
    return next;
  });
  return { gateways: out, changed };
}
