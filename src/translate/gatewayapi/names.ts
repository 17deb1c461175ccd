/**
 * Readable, stable names for Envoy resources. Names are derived from what a resource is, never
 * from its position alone, so reordering rules does not rename clusters.
 */

export function gatewayKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function envoyListenerName(gateway: string, protocol: string, port: number): string {
  return `${gateway}/${protocol.toLowerCase()}-${port}`;
}

/** HTTP ports share one route configuration; each HTTPS Gateway listener (SNI chain) has its own. */
export function routeConfigName(gateway: string, port: number, gatewayListener?: string): string {
  return gatewayListener === undefined ? `${gateway}/http-${port}` : `${gateway}/https-${port}/${gatewayListener}`;
}

export function filterChainName(gateway: string, gatewayListener: string): string {
  return `${gateway}/${gatewayListener}`;
}

/** `variant` tells apart clusters of one Service port spoken to differently (`h2` for gRPC). */
export function clusterName(namespace: string, service: string, port: number, variant?: string): string {
  return variant === undefined ? `${namespace}/${service}/${port}` : `${namespace}/${service}/${port}/${variant}`;
}

export function secretName(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/**
 * A rule is named by its `name` when it has one, by its index otherwise; the prefix is the route's
 * kind (`httproute`, `grpcroute`).
 */
export function routeName(
  namespace: string,
  route: string,
  rule: number,
  ruleName: string | undefined,
  match: number,
  kind = 'HTTPRoute',
) {
  return `${kind.toLowerCase()}/${namespace}/${route}/rule/${ruleName ?? rule}/match/${match}`;
}

export function virtualHostName(domain: string): string {
  return domain === '*' ? 'any' : domain.replace('*', 'wildcard');
}
