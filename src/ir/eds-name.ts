import type { IrCluster } from './types.js';

/**
 * The ClusterLoadAssignment a cluster takes its endpoints from: its own name, or, for a copy of
 * another cluster with the same endpoints, the name it shares with that cluster.
 */
export function edsNameOf(cluster: IrCluster): string {
  return cluster.edsName ?? cluster.name;
}
