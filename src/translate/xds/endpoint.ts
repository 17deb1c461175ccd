/**
 * ClusterLoadAssignments: one per cluster (a copy shares its base's, see `IrCluster.edsName`), sent
 * even when empty so a warming cluster completes.
 */
import type { IrCluster, IrEndpoint } from '../../ir/types.js';
import { edsNameOf } from '../../ir/eds-name.js';
import type { ClusterLoadAssignment, envoy } from './types.js';

function endpointKey(e: IrEndpoint): string {
  return `${e.address}:${e.port}`;
}

/** Sorted and deduplicated: the same endpoint set must encode to the same bytes. */
function uniqueSortedEndpoints(endpoints: IrEndpoint[]): IrEndpoint[] {
  const byKey = new Map(endpoints.map((e) => [endpointKey(e), e] as const));
  return [...byKey.keys()].sort().map((key) => byKey.get(key) as IrEndpoint);
}

function lbEndpoint(e: IrEndpoint): envoy.config.endpoint.v3.LbEndpoint {
  return {
    endpoint: { address: { socket_address: { address: e.address, port_value: e.port } } },
    ...(e.weight !== undefined ? { load_balancing_weight: { value: e.weight } } : {}),
  };
}

export function buildClusterLoadAssignment(cluster: IrCluster): ClusterLoadAssignment {
  const endpoints = uniqueSortedEndpoints(cluster.endpoints);
  const out: ClusterLoadAssignment = { cluster_name: edsNameOf(cluster) };
  const first = endpoints.filter((e) => (e.priority ?? 0) === 0);
  const standby = endpoints.filter((e) => (e.priority ?? 0) === 1);
  if (first.length > 0) {
    // Priorities must be contiguous from 0; the IR only sets priority 1 next to priority 0.
    out.endpoints = [
      { lb_endpoints: first.map(lbEndpoint) },
      ...(standby.length > 0 ? [{ lb_endpoints: standby.map(lbEndpoint), priority: 1 }] : []),
    ];
  }
  return out;
}
