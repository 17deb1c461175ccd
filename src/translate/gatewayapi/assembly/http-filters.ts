/**
 * What a connection manager's HTTP filters are, from its route configuration: the kinds installed
 * once (CORS, session persistence, the invalid-backend abort, the policies' filters), and the
 * filters installed once per configuration (a rule's ExternalAuth, a policy's ext_authz, an OIDC
 * login, the jwt_authn providers, the rate limit service), each off by default and turned on by
 * the routes that use it.
 *
 * One pass over the routes; a policy's IR object, which every route it applies to shares, is read
 * once (a policy on every route would otherwise be read once per route entry, by each kind of filter).
 */
import type {
  IrHttpConnectionManager,
  IrHttpFilterKind,
  IrJwt,
  IrOidc,
  IrRouteConfig,
  IrRouteExtAuthz,
} from '../../../ir/types.js';
import { securityFilterKinds } from '../security/route-security.js';
import { trafficFilterKinds } from '../traffic/traffic-route.js';
import { jwtAuthnOf } from '../security/security-jwt.js';
import { rateLimitServiceFor } from '../traffic/rate-limit-service.js';

export type ConnectionManagerFilters = Pick<
  IrHttpConnectionManager,
  'filters' | 'extAuthz' | 'securityExtAuthz' | 'oidc' | 'jwtAuthn' | 'rateLimitService'
>;

function sortedByName<T>(byName: ReadonlyMap<string, T>): T[] {
  return [...byName.keys()].sort().map((name) => byName.get(name)!);
}

export function connectionManagerFilters(config: IrRouteConfig, gateway: string): ConnectionManagerFilters {
  const kinds = new Set<IrHttpFilterKind>();
  const extAuthz = new Map<string, IrRouteExtAuthz>();
  const securityExtAuthz = new Map<string, IrRouteExtAuthz>();
  const oidc = new Map<string, IrOidc>();
  const jwt = new Map<string, IrJwt>();
  let rateLimitService: IrHttpConnectionManager['rateLimitService'];
  const seen = new Set<object>();
  for (const vh of config.virtualHosts) {
    for (const r of vh.routes) {
      if (r.cors) kinds.add('cors');
      if (r.sessionPersistence?.type === 'Cookie') kinds.add('stateful_session_cookie');
      if (r.sessionPersistence?.type === 'Header') kinds.add('stateful_session_header');
      if (r.action.type === 'forward' && (r.action.invalidBackendWeight ?? 0) > 0) kinds.add('invalid_backend_abort');
      if (r.extAuthz) extAuthz.set(r.extAuthz.name, r.extAuthz);
      const { security, traffic } = r;
      if (security && !seen.has(security)) {
        seen.add(security);
        securityFilterKinds(security, kinds);
        if (security.extAuth) securityExtAuthz.set(security.extAuth.name, security.extAuth);
        if (security.oidc) oidc.set(security.oidc.filterName, security.oidc);
        if (security.jwt) jwt.set(security.policy, security.jwt);
      }
      if (traffic && !seen.has(traffic)) {
        seen.add(traffic);
        trafficFilterKinds(traffic, kinds);
        const service = traffic.rateLimit?.global?.service;
        if (service && !rateLimitService) rateLimitService = rateLimitServiceFor(service, gateway);
      }
    }
  }
  const out: ConnectionManagerFilters = { filters: [...kinds].sort() };
  if (extAuthz.size > 0) out.extAuthz = sortedByName(extAuthz);
  if (securityExtAuthz.size > 0) out.securityExtAuthz = sortedByName(securityExtAuthz);
  if (oidc.size > 0) out.oidc = sortedByName(oidc);
  if (jwt.size > 0) out.jwtAuthn = jwtAuthnOf(jwt);
  if (rateLimitService) out.rateLimitService = rateLimitService;
  return out;
}
