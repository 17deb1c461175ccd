/**
 * The port of a RequestRedirect's Location, which depends on the listener a request came in on.
 *
 * Spec (HTTPRequestRedirectFilter.port): without a port, a redirect that sets the scheme goes to
 * that scheme's well-known port, and one that does not goes to the listener's port; the Location
 * SHOULD NOT carry the port when it is the scheme's well-known one (http 80, https 443).
 *
 * Envoy (`port_redirect` unset) keeps the port of the request's Host header, drops it when
 * `host_redirect` is set, and drops a default port when the scheme changes. So `undefined` is
 * returned only where Envoy then writes no port; elsewhere the port is explicit, which the
 * spec's conformance tests accept even for well-known ports.
 */
const WELL_KNOWN_PORTS: Record<string, number> = { http: 80, https: 443 };

export interface RedirectTarget {
  scheme?: string;
  hostname?: string;
  explicitPort?: number;
}

export function redirectPort(
  target: RedirectTarget,
  listenerPort: number,
  listenerScheme: 'http' | 'https',
): number | undefined {
  const scheme = target.scheme ?? listenerScheme;
  const port = target.explicitPort ?? (target.scheme !== undefined ? WELL_KNOWN_PORTS[target.scheme] : listenerPort);
  if (port !== WELL_KNOWN_PORTS[scheme]) return port;
  if (target.hostname !== undefined) return undefined;
  // Clients leave the default port out of Host, so Envoy has no port to keep.
  if (listenerPort === WELL_KNOWN_PORTS[listenerScheme]) return undefined;
  return port;
}
