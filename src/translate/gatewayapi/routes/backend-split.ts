/**
 * HTTPRouteBackendURLRewrite: a URLRewrite on an HTTPBackendRef rewrites the path only of the
 * requests that go to that backend. Envoy chooses among `weighted_clusters` after the route has
 * matched, and a route has one path rewrite, so a rule whose backends rewrite the path differently
 * becomes one Envoy route per backend, each with its own rewrite and one cluster, that share the
 * rule's requests by weight.
 *
 * Why routes and not per-cluster upstream filters: clusters are per Service port
 * (`<ns>/<service>/<port>`), shared by every rule and route that sends there, so a rewrite in the
 * cluster would need a cluster per backendRef (renaming clusters when rules move, which drops
 * traffic), and Envoy has no upstream filter that rewrites the path short of Lua. Separate routes
 * keep everything else of the rule as it is: timeouts, retries, mirrors, header filters (the
 * backend's own stay on its one-entry `weighted_clusters`), CORS.
 *
 * How the routes share: Envoy draws one random value per request and tests every route of the
 * virtual host with that same value (`runtime_fraction` matches when `value % 1,000,000` is below
 * the numerator; measured on Envoy 1.40: numerators 1/3 and 1/2 on two routes and a third route
 * without one gave 1/3, 1/6 and 1/2, not thirds). The thresholds are therefore cumulative: route i
 * takes the values in [C(i-1), C(i)) with C(i) = 1,000,000 × (w1 + … + wi) / W, rounded, and the last
 * route takes whatever is left, so every request matches exactly one of them and each share is its
 * weight's to within one in a million. Rules that do not need this keep their `weighted_clusters`.
 */
import type { IrRoute, IrRouteAction } from '../../../ir/types.js';

/** The denominator of Envoy's `FractionalPercent` MILLION. */
export const RANDOM_RANGE = 1_000_000;

export interface BackendShare {
  weight: number;
  action: IrRouteAction;
  /** The backendRef's index in the rule; undefined for the share of unresolved backendRefs. */
  backendRef?: number;
}

/**
 * One route per share, in order, named after the backendRef it sends to
 * (`…/match/<m>/backend/<index>`, or `…/backend/unresolved` for the share that answers 500).
 */
export function splitByBackend(base: IrRoute, shares: readonly BackendShare[]): IrRoute[] {
  const total = shares.reduce((sum, s) => sum + s.weight, 0);
  let cumulative = 0;
  return shares.map((share, i) => {
    cumulative += share.weight;
    const last = i === shares.length - 1;
    const route: IrRoute = {
      ...base,
      name: `${base.name}/backend/${share.backendRef ?? 'unresolved'}`,
      source: { ...base.source },
      match: last ? base.match : { ...base.match, randomBelow: Math.round((cumulative * RANDOM_RANGE) / total) },
      action: share.action,
    };
    if (share.backendRef !== undefined) route.source.backendRef = share.backendRef;
    return route;
  });
}
