/**
 * Hostname rules of the Gateway API: listener and route hostnames are exact names or a wildcard
 * `*.` followed by a domain; the wildcard matches one or more labels.
 */

export function isWildcard(hostname: string): boolean {
  return hostname.startsWith('*.');
}

/** Does `name` (exact or wildcard) fall within `pattern` (exact, wildcard, or undefined for any)? */
export function hostnameCovers(pattern: string | undefined, name: string): boolean {
  if (pattern === undefined || pattern === '*') return true;
  if (!isWildcard(pattern)) return pattern === name;
  const suffix = pattern.slice(1); // ".example.com"
  if (isWildcard(name)) return name.slice(1).endsWith(suffix);
  // The wildcard matches one or more labels, so the name must be longer than the suffix.
  return name.endsWith(suffix) && name.length > suffix.length;
}

/**
 * The hostname set shared by a listener hostname and a route hostname, or undefined when they do
 * not intersect. `undefined` listener hostname means "any".
 */
export function intersectHostname(listener: string | undefined, route: string): string | undefined {
  if (hostnameCovers(listener, route)) return route;
  if (listener !== undefined && hostnameCovers(route, listener)) return listener;
  return undefined;
}

/**
 * The hostnames a route serves on a listener: the intersections of its hostnames with the
 * listener's, or the listener's own hostname (or `*`) when the route names none.
 * An empty result means the route does not match this listener's hostname.
 */
export function effectiveHostnames(listener: string | undefined, routeHostnames: readonly string[]): string[] {
  if (routeHostnames.length === 0) return [listener ?? '*'];
  const out = new Set<string>();
  for (const h of routeHostnames) {
    const i = intersectHostname(listener, h);
    if (i !== undefined) out.add(i);
  }
  return [...out].sort();
}

/**
 * Orders hostnames from most to least specific, as the spec's route precedence does: the most
 * characters in a non-wildcard hostname first, then the most characters, then alphabetically.
 */
export function compareHostnameSpecificity(a: string, b: string): number {
  return compareSpecificityOnly(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** The spec's two specificity criteria alone (no alphabetical order): 0 when equally specific. */
export function compareSpecificityOnly(a: string, b: string): number {
  const exactA = a === '*' || isWildcard(a) ? 0 : a.length;
  const exactB = b === '*' || isWildcard(b) ? 0 : b.length;
  if (exactA !== exactB) return exactB - exactA;
  const lenA = a === '*' ? 0 : a.length;
  const lenB = b === '*' ? 0 : b.length;
  return lenB - lenA;
}

/**
 * The route hostname a route serves `served` through on a listener: of its own hostnames whose
 * intersection with the listener's is `served`, the most specific; `*` for a route that names none
 * (it matches every hostname, so it is the least specific).
 */
export function originalHostname(listener: string | undefined, own: readonly string[] | undefined, served: string) {
  let best = '*';
  for (const h of own ?? []) {
    if (intersectHostname(listener, h) === served && compareSpecificityOnly(h, best) < 0) best = h;
  }
  return best;
}
