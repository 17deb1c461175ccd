/**
 * Whether the clusters listeners and routes may use are warm in Envoy: the Cluster response is
 * ACKed and every EDS cluster's ClusterLoadAssignment is ACKed after the cluster was last sent.
 *
 * After a rejected Cluster response, the clusters Envoy refused are not waited for: they do not
 * become warm until the input changes, and holding every listener and route back until then kept
 * unrelated changes from Envoy indefinitely. A route to a refused cluster then gets what Envoy does
 * with a route to a cluster it lacks (503, `NC`), or the cluster's previous version where Envoy had
 * one, as a route to an unresolved backend gets an error response; the Gateway is
 * Programmed=False with Envoy's message meanwhile. The clusters Envoy applied are waited for as
 * usual.
 */
import { sameElements } from '../shared/same-elements.js';
import type { AssignmentFollowUp } from './assignment-follow-up.js';
import type { EncodedResource } from './resources.js';
import { hasAll, type ClusterOutcome, type Protocol, type TypeStream } from './type-stream.js';
import type { Extra, TypeView, ViewCache } from './views.js';

/** What the warmth of a stream's clusters depends on. */
export interface WarmthInputs {
  cds: TypeStream | undefined;
  eds: TypeStream | undefined;
  /** What the client should have of clusters (asked only when CDS is requested). */
  clusterView(): TypeView;
  /** The snapshot's assignments, and those retention adds. */
  assignments: ReadonlyMap<string, EncodedResource>;
  retainedAssignments: Extra | undefined;
  followUp: AssignmentFollowUp;
}

export class ClusterWarmth {
  /** What `warm` last found warm, on a SotW stream with nothing in flight. */
  private readyInputs: unknown[] | undefined;

  constructor(
    private readonly protocol: Protocol,
    private readonly views: ViewCache,
  ) {}

  warm(input: WarmthInputs): boolean {
    const { cds, eds, followUp } = input;
    // A client that asks for listeners before clusters (proxyless gRPC) follows its own order.
    if (!cds?.requested) return true;
    if (cds.pending) return false;
    const view = input.clusterView();
    const clusters = view.resources;
    let outcome: ClusterOutcome | undefined;
    if (cds.rejected) {
      // Content other than the rejected one goes out with the next pump: wait for its answer.
      if (cds.rejected.version !== view.version) return false;
      outcome = cds.rejected.clusters;
    }
    // Asked on every pump of every stream: a SotW stream (whose maps are replaced, never mutated)
    // that was ready with the same inputs and has no assignment in flight is ready still.
    const inputs = [
      cds.acked,
      cds.rejected,
      clusters,
      eds?.acked,
      eds?.requested,
      eds?.rejected,
      input.assignments,
      input.retainedAssignments,
    ];
    const settled = this.protocol === 'sotw' && followUp.settled;
    if (settled && this.readyInputs && sameElements(this.readyInputs, inputs)) return true;
    this.readyInputs = undefined;
    if (outcome) {
      for (const [name, r] of clusters) {
        if (outcome.refused.has(name)) continue;
        if (cds.acked.get(name)?.version !== r.version && outcome.applied.get(name) !== r.version) return false;
      }
    } else if (cds.acked !== clusters && !hasAll(cds.acked, clusters)) return false;
    const refusedEds = outcome ? refusedAssignments(clusters, outcome.refused) : undefined;
    const assignment = (name: string): EncodedResource | undefined =>
      input.assignments.get(name) ?? input.retainedAssignments?.resources.get(name);
    // An assignment of one of these clusters still to send or to be ACKed means waiting: found
    // from the (few) names in flight instead of by walking every cluster, which each stream does
    // on every pump while an endpoint update is out.
    if (eds?.requested && !eds.rejected && !followUp.settled) {
      const names = this.views.edsNamesOf(clusters);
      for (const name of followUp.inFlight()) {
        if (names.has(name) && !refusedEds?.has(name) && assignment(name)) return false;
      }
    }
    for (const cluster of clusters.values()) {
      if (!cluster.edsName || refusedEds?.has(cluster.edsName)) continue;
      const cla = assignment(cluster.edsName);
      if (!cla) continue; // nothing to wait for: Envoy's initial_fetch_timeout applies
      // A rejected assignment is waited for up to the warm timeout, as Envoy waits for it up to
      // its initial-fetch timeout before the cluster is warm (empty).
      if (!eds?.requested || eds.rejected) return false;
      if (eds.acked.get(cla.name)?.version !== cla.version) return false;
    }
    if (settled) this.readyInputs = inputs;
    return true;
  }
}

/**
 * The ClusterLoadAssignment names that only refused clusters among `clusters` use: nothing waits
 * for those. An assignment a refused cluster shares with one Envoy took (a policy's copy of a
 * cluster and its base, `eds_cluster_config.service_name`) is still waited for.
 */
export function refusedAssignments(
  clusters: ReadonlyMap<string, Pick<EncodedResource, 'edsName'>>,
  refused: ReadonlySet<string>,
): Set<string> {
  const out = new Set<string>();
  for (const name of refused) {
    const eds = clusters.get(name)?.edsName;
    if (eds) out.add(eds);
  }
  if (out.size === 0) return out;
  for (const [name, cluster] of clusters) {
    if (cluster.edsName && !refused.has(name)) out.delete(cluster.edsName);
  }
  return out;
}
