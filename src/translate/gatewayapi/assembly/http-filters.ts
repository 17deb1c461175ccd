/**
 * What a connection manager's HTTP filters are, from its route configuration: the kinds installed
 * once (CORS, session persistence, the invalid-backend abort, the SecurityPolicy filters), and the
 * filters installed once per configuration (a rule's ExternalAuth, a policy's ext_authz, an OIDC
 * login, the jwt_authn providers), each off by default and turned on by the routes that use it.
 */
import type { IrHttpFilterKind, IrRouteConfig, IrRouteExtAuthz } from '../../../ir/types.js';
import { securityExtAuthz, securityFilterKinds } from '../security/route-security.js';
import { trafficFilterKinds } from '../traffic/traffic-route.js';
import { jwtAuthnOf } from '../security/security-jwt.js';
import { oidcFiltersOf } from '../security/security-oidc.js';
import { rateLimitServiceOf } from '../traffic/rate-limit-service.js';

export function httpFilterKinds(config: IrRouteConfig): IrHttpFilterKind[] {
  const kinds = new Set<IrHttpFilterKind>();
  for (const vh of config.virtualHosts) {
    for (const r of vh.routes) {
      if (r.cors) kinds.add('cors');
      if (r.sessionPersistence?.type === 'Cookie') kinds.add('stateful_session_cookie');
      if (r.sessionPersistence?.type === 'Header') kinds.add('stateful_session_header');
      if (r.action.type === 'forward' && (r.action.invalidBackendWeight ?? 0) > 0) kinds.add('invalid_backend_abort');
      securityFilterKinds(r, kinds);
      trafficFilterKinds(r, kinds);
    }
  }
  return [...kinds].sort();
}

/** The route rules' ExternalAuth filters of a route configuration: one per configuration, by name. */
function routeExtAuthz(config: IrRouteConfig): { extAuthz?: IrRouteExtAuthz[] } {
  const byName = new Map<string, IrRouteExtAuthz>();
  for (const vh of config.virtualHosts)
    for (const r of vh.routes) if (r.extAuthz) byName.set(r.extAuthz.name, r.extAuthz);
  return byName.size > 0 ? { extAuthz: [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1)) } : {};
}

/** The filters of a connection manager installed once per configuration its routes use. */
export function filtersByConfiguration(config: IrRouteConfig, gateway: string) {
  return {
    ...routeExtAuthz(config),
    ...securityExtAuthz(config),
    ...oidcFiltersOf(config),
    ...jwtAuthnOf(config),
    ...rateLimitServiceOf(config, gateway),
  };
}
