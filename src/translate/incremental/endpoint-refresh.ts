/**
 * Refreshing endpoints without translating again (the pure half of the endpoint fast path; the
 * pipeline decides when a change is endpoints only). Endpoints change far more often than routes
 * (every rollout, every scale event), and they affect nothing but ClusterLoadAssignments: no
 * status, no route, no cluster. Given the last outputs and the current Service and EndpointSlices
 * of each changed Service, the clusters of those Services get fresh endpoints and their
 * ClusterLoadAssignments are built again; every other object keeps its identity, so the ADS
 * server's encoder re-encodes nothing but the changed assignments.
 */
import type { IrCluster, IrGateway } from '../../ir/types.js';
import type { ServicePortRead } from '../../resources/read/service.js';
import type { EndpointSlice, Service } from '../../resources/types.js';
import { edsNameOf } from '../../ir/eds-name.js';
import { endpointsOf, servicePortFor } from '../gatewayapi/backends.js';
import { buildClusterLoadAssignment } from '../xds/endpoint.js';
import type { GatewayOutput } from '../result.js';

/** A Service whose EndpointSlices changed, as it is now (`<namespace>/<name>` is its key). */
export interface ServiceEndpoints {
  /** Undefined when the Service is gone. */
  service: Service | undefined;
  slices: readonly EndpointSlice[];
}

export interface EndpointRefresh {
  /** Every Gateway's output, the unchanged ones the same objects as before. */
  gateways: GatewayOutput[];
  /** The outputs that changed. */
  changed: GatewayOutput[];
}

/** Where each Service's clusters and assignments sit in one Gateway's output. */
export interface ClusterPositions {
  /** Service key → positions in `ir.clusters` of its (single-Service) clusters. */
  clusters: Map<string, number[]>;
  /** ClusterLoadAssignment name (a cluster's, or the one its copies share) → position in `xds.endpoints`. */
  assignments: Map<string, number>;
  /** Services that are members of a combined (session persistence) cluster. */
  combinedMembers: Set<string>;
}

/** Positions by an output's cluster list, kept by the translation cache between refreshes. */
export type PositionsMemo = WeakMap<readonly IrCluster[], ClusterPositions>;

function positionsOf(gateway: GatewayOutput, memo: PositionsMemo | undefined): ClusterPositions {
  let positions = memo?.get(gateway.ir.clusters);
  if (positions) return positions;
  positions = { clusters: new Map(), assignments: new Map(), combinedMembers: new Set() };
  gateway.ir.clusters.forEach((cluster, index) => {
    // A cluster Envoy resolves by DNS has no Service and no EndpointSlices to refresh from; an
    // XBackend's endpoints are Pods it selects, whatever Service shares its name.
    if (cluster.dns || cluster.source.kind !== 'Service') return;
    for (const m of cluster.members ?? []) positions!.combinedMembers.add(`${m.namespace}/${m.name}`);
    const key = `${cluster.source.namespace}/${cluster.source.name}`;
    const list = positions!.clusters.get(key);
    if (list) list.push(index);
    else positions!.clusters.set(key, [index]);
  });
  gateway.xds.endpoints.forEach((cla, index) => positions!.assignments.set(cla.cluster_name as string, index));
  memo?.set(gateway.ir.clusters, positions);
  return positions;
}

/** The port the translator resolved the cluster's backendRef to (`servicePortFor`). */
function servicePort(service: Service | undefined, cluster: IrCluster): ServicePortRead | undefined {
  return servicePortFor(service, cluster.source.port, cluster.protocol === 'udp' ? 'UDP' : 'TCP').port;
}

/**
 * The Gateways' outputs with fresh endpoints for the clusters of the changed Services; a Gateway
 * with no such cluster is returned as it was (same object). Undefined when a changed Service is
 * part of a combined (session persistence) cluster: only a full translation rebuilds that one.
 * With a positions memo, costs O(changed clusters) per Gateway after the first call for an output.
 */
export function refreshClusterEndpoints(
  gateways: readonly GatewayOutput[],
  changed: ReadonlyMap<string, ServiceEndpoints>,
  memo?: PositionsMemo,
): EndpointRefresh | undefined {
  const positions = gateways.map((gateway) => positionsOf(gateway, memo));
  const keys = [...changed.keys()];
  if (positions.some((p) => keys.some((key) => p.combinedMembers.has(key)))) return undefined;
  const refreshed: GatewayOutput[] = [];
  const out = gateways.map((gateway, g) => {
    const at = positions[g]!;
    const touched = keys.flatMap((key) => at.clusters.get(key) ?? []);
    if (touched.length === 0) return gateway;
    const clusters = gateway.ir.clusters.slice();
    const endpoints = gateway.xds.endpoints.slice();
    // Copies of a cluster share its assignment (`IrCluster.edsName`): built once.
    const rebuilt = new Set<number>();
    for (const position of touched) {
      const cluster = clusters[position]!;
      const now = changed.get(`${cluster.source.namespace}/${cluster.source.name}`);
      const port = servicePort(now?.service, cluster);
      // Without its Service port the cluster's backendRef no longer resolves: a full translation
      // would change statuses too, so the pipeline never takes this path for that (only
      // EndpointSlices changed).
      const fresh: IrCluster = { ...cluster, endpoints: port ? endpointsOf(port, now?.slices ?? []) : [] };
      clusters[position] = fresh;
      const assignment = at.assignments.get(edsNameOf(cluster));
      if (assignment !== undefined && !rebuilt.has(assignment)) {
        rebuilt.add(assignment);
        endpoints[assignment] = buildClusterLoadAssignment(fresh);
      }
    }
    // No cluster or assignment moved: the positions hold for the refreshed output too.
    memo?.set(clusters, at);
    const ir: IrGateway = { ...gateway.ir, clusters };
    const next: GatewayOutput = { ...gateway, ir, xds: { ...gateway.xds, endpoints } };
    refreshed.push(next);
    return next;
  });
  return { gateways: out, changed: refreshed };
}
