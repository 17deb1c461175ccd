/**
 * A route entry under its effective BackendTrafficPolicy, as the Gateway's IR assembly places it:
 * the policy's route settings on the route, and, when the policy has cluster settings, its
 * backends sent to the policy's copies of their clusters (`<cluster>/policy/<namespace>/<name>`:
 * the same copy for every route the policy applies to, the shared cluster untouched for the
 * others). A policy that cannot be applied changes nothing.
 */
import type { IrWeightedBackend, IrCluster, IrHttpFilterKind, IrRoute, IrRouteTraffic } from '../../../ir/types.js';
import type { TrafficVerdict } from './traffic-ir.js';
import { edsNameOf } from '../../../ir/eds-name.js';
import { NO_MEMORY, type StageMemory } from '../memory.js';
import { compressorKind, withoutAcceptEncoding } from './traffic-compression.js';

export type { GatewayTraffic } from './gateway-traffic.js';

/** The name of a policy's copy of a backend cluster. */
export function policyClusterName(cluster: string, policy: string): string {
  return `${cluster}/policy/${policy}`;
}

/**
 * Adds to `clusters` what the route needs under the policy: the policy's own clusters, and its
 * copies of the route's backend clusters (which must be in `clusters` already).
 */
export function addTrafficClusters(
  route: IrRoute,
  verdict: TrafficVerdict | undefined,
  clusters: Map<string, IrCluster>,
  memo: Pick<StageMemory, 'composite'> = NO_MEMORY,
  bases: ReadonlyMap<string, IrCluster> = clusters,
): void {
  if (verdict?.type !== 'applied') return;
  for (const c of verdict.clusters) clusters.set(c.name, c);
  const traffic = verdict.cluster;
  if (!traffic || route.action.type !== 'forward') return;
  for (const backend of route.action.backends) {
    const name = policyClusterName(backend.clusterName, traffic.policy);
    const base = bases.get(backend.clusterName);
    // Last run's copy while the cluster and the policy's settings are the same objects: the Envoy
    // stage then reuses its messages instead of comparing 20,000 copies by content every run.
    if (base && !clusters.has(name))
      clusters.set(
        name,
        memo.composite(`traffic-cluster\0${name}`, [base, traffic], () => ({
          ...base,
          name,
          edsName: edsNameOf(base),
          traffic,
        })),
      );
  }
}

/**
 * Of a placed route's shared clusters, those still used once the policies' copies replace the
 * backends they apply to: a cluster only ever sent to through a copy is left out (a Gateway-wide
 * policy would otherwise double the clusters Envoy keeps, half of them unused). Mirrors and
 * anything else a route names keep theirs.
 */
export function sharedClustersInUse(
  entries: readonly { route: IrRoute }[],
  verdicts: readonly (TrafficVerdict | undefined)[],
  clusters: readonly IrCluster[],
): readonly IrCluster[] {
  const replaced = new Set<string>();
  const kept = new Set<string>();
  entries.forEach(({ route: { action } }, i) => {
    if (action.type !== 'forward') return;
    const verdict = verdicts[i];
    const copies = verdict?.type === 'applied' && verdict.cluster !== undefined;
    for (const b of action.backends) (copies ? replaced : kept).add(b.clusterName);
    for (const m of action.mirrors) kept.add(m.clusterName);
  });
  if (replaced.size === 0) return clusters;
  return clusters.filter((c) => !replaced.has(c.name) || kept.has(c.name));
}

/**
 * The clusters a placed route's entries send to under their policies' verdicts: its shared
 * clusters still in use, the policies' own clusters, and the policies' copies.
 */
export function placedTrafficClusters(
  entries: readonly { route: IrRoute }[],
  verdicts: readonly (TrafficVerdict | undefined)[],
  shared: readonly IrCluster[],
  memo: Pick<StageMemory, 'composite'> = NO_MEMORY,
): IrCluster[] {
  const out = new Map<string, IrCluster>();
  for (const c of sharedClustersInUse(entries, verdicts, shared)) out.set(c.name, c);
  const bases = new Map(shared.map((c) => [c.name, c]));
  // The entries of one rule share its backends (and, most often, a verdict): each pair read once.
  const seen = new Map<object, Set<TrafficVerdict | undefined>>();
  entries.forEach(({ route }, i) => {
    const backends = route.action.type === 'forward' ? route.action.backends : route.action;
    let byVerdict = seen.get(backends);
    if (!byVerdict) seen.set(backends, (byVerdict = new Set()));
    if (byVerdict.has(verdicts[i])) return;
    byVerdict.add(verdicts[i]);
    addTrafficClusters(route, verdicts[i], out, memo, bases);
  });
  return [...out.values()];
}

/** Backends sent to copies of their clusters, by backends list and policy: the entries of a rule share theirs. */
export type RenamedBackends = Map<readonly IrWeightedBackend[], Map<string, IrWeightedBackend[]>>;

export function trafficRoute(
  route: IrRoute,
  verdict: TrafficVerdict | undefined,
  renamed: RenamedBackends = new Map(),
): IrRoute {
  if (verdict?.type !== 'applied') return route;
  let out = verdict.route ? { ...route, traffic: verdict.route } : route;
  if (verdict.route?.compression) out = withoutAcceptEncoding(out);
  const traffic = verdict.cluster;
  if (traffic && out.action.type === 'forward') {
    const given = out.action.backends;
    let byPolicy = renamed.get(given);
    if (!byPolicy) renamed.set(given, (byPolicy = new Map()));
    let backends = byPolicy.get(traffic.policy);
    if (!backends) {
      backends = given.map((b) => ({ ...b, clusterName: policyClusterName(b.clusterName, traffic.policy) }));
      byPolicy.set(traffic.policy, backends);
    }
    out = { ...out, action: { ...out.action, backends } };
  }
  return out;
}

/** The HTTP filter kinds a policy's routes need in their connection manager. */
export function trafficFilterKinds(traffic: IrRouteTraffic, kinds: Set<IrHttpFilterKind>): void {
  if (traffic.faultInjection) kinds.add('fault_injection');
  for (const c of traffic.compression ?? []) kinds.add(compressorKind(c));
  if (traffic.requestBuffer) kinds.add('buffer');
  if (traffic.responseOverride) kinds.add('custom_response');
  if (traffic.rateLimit?.local) kinds.add('local_ratelimit');
  if (traffic.rateLimit?.global) kinds.add('ratelimit');
}
