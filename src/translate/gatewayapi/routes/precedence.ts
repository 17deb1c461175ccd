/**
 * HTTPRoute match precedence (Gateway API HTTPRouteRule docs). Envoy takes the first route that
 * matches, so routes are emitted in this order. Across all routes attached to the same listener
 * and hostname, ties are broken in order by:
 *   1. exact path, then regular expression (implementation-specific: between exact and prefix),
 *      then prefix; longer values first
 *   2. a method match
 *   3. the most header matches
 *   4. the most query parameter matches
 *   5. the oldest route (creationTimestamp)
 *   6. alphabetical `<namespace>/<name>`
 *   7. rule order within the route, then match order within the rule (then the routes a match is
 *      split into for per-backend rewrites, in order: they share its requests by weight)
 *
 * GRPCRoute rules (GRPCRouteRule docs) compare the characters of the matched service, then of the
 * matched method, then the number of header matches, and then the same tie-breakers 5–7. Regular
 * expression method matches (implementation-specific) come after every exact one and before rules
 * that match no method, ordered among themselves the same way. The two
 * kinds never share a hostname on a listener (one of the two routes is not accepted), so their
 * relative order only needs to be fixed: HTTPRoute entries first.
 */

import type { KubeObject } from '../../../resources/types.js';

export interface PrecedenceKey {
  pathType: 'Exact' | 'RegularExpression' | 'PathPrefix';
  pathLength: number;
  hasMethod: boolean;
  headerCount: number;
  queryCount: number;
  /** Set for GRPCRoute entries: the lengths of the matched service and method (0 when not matched). */
  grpc?: { method: 'Exact' | 'RegularExpression' | 'None'; serviceLength: number; methodLength: number };
  /** RFC 3339; routes without one sort as newest. */
  creationTimestamp: string | undefined;
  namespacedName: string;
  rule: number;
  match: number;
  /** The routes one match is split into (`backend-split.ts`), in the order they share requests. */
  split?: number;
}

const PATH_RANK: Record<PrecedenceKey['pathType'], number> = { Exact: 0, RegularExpression: 1, PathPrefix: 2 };
const GRPC_METHOD_RANK: Record<NonNullable<PrecedenceKey['grpc']>['method'], number> = {
  Exact: 0,
  RegularExpression: 1,
  None: 2,
};

/**
 * The Gateway API's tie-breaker between objects: the oldest by creation timestamp, then the first
 * by `<namespace>/<name>`.
 */
export function olderFirst(a: KubeObject, b: KubeObject): number {
  const na = `${a.metadata.namespace ?? 'default'}/${a.metadata.name}`;
  const nb = `${b.metadata.namespace ?? 'default'}/${b.metadata.name}`;
  return (
    compareTimestamps(a.metadata.creationTimestamp, b.metadata.creationTimestamp) || (na < nb ? -1 : na > nb ? 1 : 0)
  );
}

export function compareTimestamps(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (!Number.isNaN(ta) && !Number.isNaN(tb) && ta !== tb) return ta - tb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareMatches(a: PrecedenceKey, b: PrecedenceKey): number {
  if (a.grpc && b.grpc) {
    return (
      GRPC_METHOD_RANK[a.grpc.method] - GRPC_METHOD_RANK[b.grpc.method] ||
      b.grpc.serviceLength - a.grpc.serviceLength ||
      b.grpc.methodLength - a.grpc.methodLength ||
      b.headerCount - a.headerCount
    );
  }
  if (a.grpc || b.grpc) return a.grpc ? 1 : -1;
  return (
    PATH_RANK[a.pathType] - PATH_RANK[b.pathType] ||
    b.pathLength - a.pathLength ||
    Number(b.hasMethod) - Number(a.hasMethod) ||
    b.headerCount - a.headerCount ||
    b.queryCount - a.queryCount
  );
}

export function comparePrecedence(a: PrecedenceKey, b: PrecedenceKey): number {
  return (
    compareMatches(a, b) ||
    compareTimestamps(a.creationTimestamp, b.creationTimestamp) ||
    (a.namespacedName < b.namespacedName ? -1 : a.namespacedName > b.namespacedName ? 1 : 0) ||
    a.rule - b.rule ||
    a.match - b.match ||
    (a.split ?? 0) - (b.split ?? 0)
  );
}
