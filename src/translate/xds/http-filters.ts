/**
 * HTTP filters of the connection manager and their per-route configuration.
 *
 * Optional filters are installed with no configuration of their own, which makes them no-ops;
 * a route turns one on through `typed_per_filter_config`. That keeps one HCM per listener no
 * matter which routes use CORS or session persistence, and the router is always last.
 */
import type { IrCors, IrHttpConnectionManager, IrRoute, IrSessionPersistence } from '../../ir/types.js';
import { enablePreRouting, enableRouteExtAuthz, preRoutingFilter, routeExtAuthzFilter } from './pre-routing-filters.js';

export { enablePreRouting };
import {
  COOKIE_BASED_SESSION_STATE,
  CORS,
  CORS_POLICY,
  HTTP_FAULT,
  HEADER_BASED_SESSION_STATE,
  ROUTER,
  STATEFUL_SESSION,
  STATEFUL_SESSION_PER_ROUTE,
} from '../../proto/type-urls.js';
import { durationFromSeconds } from './duration.js';
import { securityHttpFilters, securityPerRoute } from './security-filters.js';
import { FAULT_FILTER, trafficHttpFilters, trafficPerRoute } from './traffic-filters.js';

export { FAULT_FILTER };
import { stringMatcher } from './route-match.js';
import type { envoy, Packed, PerFilterConfig } from './types.js';

type HttpFilter = envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;

export const CORS_FILTER = 'envoy.filters.http.cors';
export const STATEFUL_SESSION_FILTER = 'envoy.filters.http.stateful_session';
export const ROUTER_FILTER = 'envoy.filters.http.router';

/** gRPC status UNAVAILABLE. */
const GRPC_UNAVAILABLE = 14;

/**
 * Per-backend filter config that answers 500 for every request sent to that weighted entry: the
 * Gateway API says the share of an unresolved backendRef gets a 500, while the rest still flows.
 * For gRPC (GRPCRoute) the share gets the gRPC status UNAVAILABLE instead.
 */
export function invalidBackendAbort(grpc = false): PerFilterConfig {
  const abort: envoy.extensions.filters.http.fault.v3.FaultAbort = grpc
    ? { grpc_status: GRPC_UNAVAILABLE, percentage: { numerator: 100 } }
    : { http_status: 500, percentage: { numerator: 100 } };
  return { [FAULT_FILTER]: { '@type': HTTP_FAULT, abort } };
}

/**
 * The HCM filter chain: the listeners' pre-routing filters first (GEP-5224: before route
 * matching, in their listeners' order), then CORS (it answers preflights, which carry no
 * credentials), SecurityPolicy access control (a client it refuses never reaches an
 * authorization server), the route rules' ExternalAuth filters (a request is authorized before
 * anything else of its route acts on it: no backend, no session, no error share is reached
 * without it), session affinity, the fault filter, BackendTrafficPolicy filters, and the router.
 */
export function httpFilters(hcm: IrHttpConnectionManager): HttpFilter[] {
  const { filters: kinds, preRouting = [], extAuthz = [] } = hcm;
  const filters: HttpFilter[] = preRouting.map(preRoutingFilter);
  if (kinds.includes('cors')) filters.push({ name: CORS_FILTER, typed_config: { '@type': CORS } });
  // Access control after CORS (a preflight carries no credentials), before anything forwards.
  filters.push(...securityHttpFilters(kinds, hcm));
  filters.push(...extAuthz.map(routeExtAuthzFilter));
  // Cookie and header sessions are two session_state extensions of one filter, chosen per route.
  if (kinds.includes('stateful_session_cookie') || kinds.includes('stateful_session_header')) {
    filters.push({ name: STATEFUL_SESSION_FILTER, typed_config: { '@type': STATEFUL_SESSION } });
  }
  // With no abort or delay of its own the fault filter does nothing; weighted entries (the
  // invalid-backend share) and BackendTrafficPolicy faultInjection routes turn it on.
  if (kinds.includes('invalid_backend_abort') || kinds.includes('fault_injection'))
    filters.push({ name: FAULT_FILTER, typed_config: { '@type': HTTP_FAULT } });
  filters.push(...trafficHttpFilters(kinds, hcm));
  filters.push({ name: ROUTER_FILTER, typed_config: { '@type': ROUTER } });
  return filters;
}

function corsPolicy(cors: IrCors): Packed<typeof CORS_POLICY> {
  const policy: Packed<typeof CORS_POLICY> = { '@type': CORS_POLICY };
  if (cors.allowOrigins.length > 0) policy.allow_origin_string_match = cors.allowOrigins.map(stringMatcher);
  if (cors.allowMethods.length > 0) policy.allow_methods = cors.allowMethods.join(',');
  if (cors.allowHeaders.length > 0) policy.allow_headers = cors.allowHeaders.join(',');
  if (cors.exposeHeaders.length > 0) policy.expose_headers = cors.exposeHeaders.join(',');
  if (cors.maxAgeSeconds !== undefined) policy.max_age = String(cors.maxAgeSeconds);
  if (cors.allowCredentials) policy.allow_credentials = { value: true };
  // A preflight from an origin the policy does not allow is answered by Envoy (200, no CORS
  // headers), as HTTPCORSFilter.allowOrigins says, instead of Envoy's default of forwarding it to the
  // backend as an ordinary OPTIONS request.
  policy.forward_not_matching_preflights = { value: false };
  return policy;
}

function sessionState(session: IrSessionPersistence): envoy.config.core.v3.TypedExtensionConfig {
  if (session.type === 'Header') {
    return {
      name: 'envoy.http.stateful_session.header',
      typed_config: { '@type': HEADER_BASED_SESSION_STATE, name: session.headerName },
    };
  }
  const cookie: envoy.type.http.v3.Cookie = { name: session.cookieName };
  // No ttl means a session cookie (Envoy reads an absent ttl as 0s).
  if (session.ttlSeconds !== undefined) cookie.ttl = durationFromSeconds(session.ttlSeconds);
  if (session.path !== '') cookie.path = session.path;
  return {
    name: 'envoy.http.stateful_session.cookie',
    typed_config: { '@type': COOKIE_BASED_SESSION_STATE, cookie },
  };
}

/**
 * A policy's per-route configurations by its IR object, built once and shared by the routes of
 * one route configuration it applies to (one rbac tree per policy rather than per route).
 */
export type SharedPerRoute = Map<object, PerFilterConfig>;

/** `typed_per_filter_config` enabling the optional filters this route uses; undefined if none. */
export function perRouteFilterConfig(route: IrRoute, shared?: SharedPerRoute): PerFilterConfig | undefined {
  // Most routes under a policy: the policy's configuration is all they carry, and every route of
  // the policy shares that one object (nothing adds to a route's configuration once it is built).
  if (!route.cors && !route.extAuthz && !route.sessionPersistence && !(route.security && route.traffic)) {
    if (route.security) return nonEmpty(securityPerRoute(route.security, shared));
    if (route.traffic) return nonEmpty(trafficPerRoute(route.traffic, shared));
  }
  const config: PerFilterConfig = {};
  if (route.cors) config[CORS_FILTER] = corsPolicy(route.cors);
  if (route.extAuthz) Object.assign(config, enableRouteExtAuthz(route.extAuthz));
  if (route.security) Object.assign(config, securityPerRoute(route.security, shared));
  if (route.traffic) Object.assign(config, trafficPerRoute(route.traffic, shared));
  if (route.sessionPersistence) {
    config[STATEFUL_SESSION_FILTER] = {
      '@type': STATEFUL_SESSION_PER_ROUTE,
      stateful_session: { session_state: sessionState(route.sessionPersistence) },
    };
  }
  return nonEmpty(config);
}

function nonEmpty(config: PerFilterConfig): PerFilterConfig | undefined {
  for (const _ in config) return config;
  return undefined;
}
