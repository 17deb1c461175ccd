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
 *   7. rule order within the route, then match order within the rule
 */

export interface PrecedenceKey {
  pathType: 'Exact' | 'RegularExpression' | 'PathPrefix';
  pathLength: number;
  hasMethod: boolean;
  headerCount: number;
  queryCount: number;
  /** RFC 3339; routes without one sort as newest. */
  creationTimestamp: string | undefined;
  namespacedName: string;
  rule: number;
  match: number;
}

const PATH_RANK: Record<PrecedenceKey['pathType'], number> = { Exact: 0, RegularExpression: 1, PathPrefix: 2 };

function compareTimestamps(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (!Number.isNaN(ta) && !Number.isNaN(tb) && ta !== tb) return ta - tb;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function comparePrecedence(a: PrecedenceKey, b: PrecedenceKey): number {
  return (
    PATH_RANK[a.pathType] - PATH_RANK[b.pathType] ||
    b.pathLength - a.pathLength ||
    Number(b.hasMethod) - Number(a.hasMethod) ||
    b.headerCount - a.headerCount ||
    b.queryCount - a.queryCount ||
    compareTimestamps(a.creationTimestamp, b.creationTimestamp) ||
    (a.namespacedName < b.namespacedName ? -1 : a.namespacedName > b.namespacedName ? 1 : 0) ||
    a.rule - b.rule ||
    a.match - b.match
  );
}
