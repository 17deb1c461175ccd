/** RouteConfigurations (served over RDS): virtual hosts and their routes, in IR precedence order. */
import type { IrRoute, IrRouteConfig, IrVirtualHost } from '../../ir/types.js';
import { headerMutationFields } from './header-mutation.js';
import { enablePreRouting, perRouteFilterConfig, type SharedPerRoute } from './http-filters.js';
import { skipRouteExtAuthz } from './pre-routing-filters.js';
import { directResponse, forwardAction, redirectAction } from './route-action.js';
import { routeMatch } from './route-match.js';
import { globalRateLimitActions } from './rate-limit-global.js';
import { globalBucketsOf } from './rate-limit-descriptors.js';
import type { envoy, RouteConfiguration } from './types.js';

type Route = envoy.config.route.v3.Route;
import { memoized, type XdsMemo } from '../incremental/xds-memo.js';

function routeActionFields(route: IrRoute): Pick<Route, 'route' | 'redirect' | 'direct_response'> {
  const { action } = route;
  switch (action.type) {
    case 'forward':
      return forwardAction(action, route.match.path, route.traffic);
    case 'redirect':
      return redirectAction(action, route.match.path);
    case 'direct':
      return directResponse(action);
  }
}

export function buildRoute(route: IrRoute, shared?: SharedPerRoute): Route {
  const out: Route = {
    name: route.name,
    match: routeMatch(route.match),
    ...routeActionFields(route),
    ...headerMutationFields('request', route.requestHeaders),
    ...headerMutationFields('response', route.responseHeaders),
  };
  const perFilter = perRouteFilterConfig(route, shared);
  if (perFilter) out.typed_per_filter_config = perFilter;
  // BackendTrafficPolicy Global rate limits: the actions building the descriptors the service counts.
  const global = route.traffic?.rateLimit?.global;
  if (global && out.route)
    out.route = {
      ...out.route,
      rate_limits: globalRateLimitActions(globalBucketsOf(route.name, route.traffic!.policy), global.rules),
    };
  return out;
}

/**
 * A span's name is its route's decorator operation: every route of a Gateway whose
 * XTelemetryPolicy names its spans carries one. Not propagated: the backend would otherwise get an
 * `x-envoy-decorator-operation` header it never asked for.
 */
function withSpanName(route: Route, config: IrRouteConfig, memo: XdsMemo | undefined): Route {
  const operation = config.spanName;
  if (operation === undefined) return route;
  const build = (): Route => ({ ...route, decorator: { operation, propagate: { value: false } } });
  return memo ? memo.composite(`span\0${config.name}\0${String(route.name)}`, [route, operation], build) : build();
}

/**
 * Envoy rejects a RouteConfiguration in which two virtual hosts share a domain. The IR should
 * never do that; if it does, the first (higher-precedence) virtual host keeps the domain.
 */
function withUniqueDomains(virtualHosts: IrVirtualHost[]): IrVirtualHost[] {
  const claimed = new Set<string>();
  const out: IrVirtualHost[] = [];
  for (const vh of virtualHosts) {
    const domains = vh.domains.filter((d) => !claimed.has(d.toLowerCase()));
    domains.forEach((d) => claimed.add(d.toLowerCase()));
    if (domains.length > 0) out.push({ ...vh, domains });
  }
  return out;
}

/** The names of the route rules' and SecurityPolicies' ext_authz filters in the configuration's connection manager. */
function routeExtAuthzNames(config: IrRouteConfig): string[] {
  const names = new Set<string>();
  for (const vh of config.virtualHosts) {
    for (const r of vh.routes) {
      if (r.extAuthz) names.add(r.extAuthz.name);
      if (r.security?.extAuth) names.add(r.security.extAuth.name);
    }
  }
  return [...names].sort();
}

export function buildRouteConfiguration(config: IrRouteConfig, memo?: XdsMemo): RouteConfiguration {
  const withPreRouting = config.virtualHosts.some((vh) => (vh.preRouting ?? []).length > 0);
  // Only where a pre-routing filter can change the route a request matches (`skipRouteExtAuthz`).
  const authz = withPreRouting ? routeExtAuthzNames(config) : [];
  // A policy's per-route configurations, built once for all its routes in this configuration.
  const shared: SharedPerRoute = new Map();
  const routeOf = (r: IrRoute): Route => buildRoute(r, shared);
  const virtualHosts = withUniqueDomains(config.virtualHosts).map((vh) => {
    const routes = vh.routes.map((r) => withSpanName(memoized(memo?.routes, r, routeOf), config, memo));
    const enabled = vh.preRouting ?? [];
    const skipped = enabled.length > 0 ? authz : [];
    const perFilter = { ...enablePreRouting(enabled), ...skipRouteExtAuthz(skipped) };
    const build = (): envoy.config.route.v3.VirtualHost => ({
      name: vh.name,
      domains: vh.domains,
      routes,
      ...(Object.keys(perFilter).length > 0 ? { typed_per_filter_config: perFilter } : {}),
    });
    return memo
      ? memo.composite(
          `vh\0${config.name}\0${vh.name}`,
          [...vh.domains, '\0', ...routes, '\0', ...enabled, '\0', ...skipped],
          build,
        )
      : build();
  });
  const build = (): RouteConfiguration => ({
    name: config.name,
    virtual_hosts: virtualHosts,
    // Gateway API hostnames carry no port, but Host headers may (`example.com:8080`).
    ignore_port_in_host_matching: true,
  });
  return memo ? memo.composite(`rc\0${config.name}`, virtualHosts, build) : build();
}
