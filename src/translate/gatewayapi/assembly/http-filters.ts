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
  IrRateLimitService,
  IrRouteConfig,
  IrRouteExtAuthz,
  IrVirtualHost,
} from '../../../ir/types.js';
import { NO_MEMORY, type StageMemory } from '../memory.js';
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

/** What one virtual host's routes need. */
interface HostFilters {
  kinds: Set<IrHttpFilterKind>;
  extAuthz: Map<string, IrRouteExtAuthz>;
  securityExtAuthz: Map<string, IrRouteExtAuthz>;
  oidc: Map<string, IrOidc>;
  jwt: Map<string, IrJwt>;
  rateLimitService?: Omit<IrRateLimitService, 'domain'>;
}

function hostFilters(vh: IrVirtualHost): HostFilters {
  const out: HostFilters = {
    kinds: new Set(),
    extAuthz: new Map(),
    securityExtAuthz: new Map(),
    oidc: new Map(),
    jwt: new Map(),
  };
  const { kinds } = out;
  const seen = new Set<object>();
  for (const r of vh.routes) {
    if (r.cors) kinds.add('cors');
    if (r.sessionPersistence?.type === 'Cookie') kinds.add('stateful_session_cookie');
    if (r.sessionPersistence?.type === 'Header') kinds.add('stateful_session_header');
    if (r.action.type === 'forward' && (r.action.invalidBackendWeight ?? 0) > 0) kinds.add('invalid_backend_abort');
    if (r.extAuthz) out.extAuthz.set(r.extAuthz.name, r.extAuthz);
    const { security, traffic } = r;
    if (security && !seen.has(security)) {
      seen.add(security);
      securityFilterKinds(security, kinds);
      if (security.extAuth) out.securityExtAuthz.set(security.extAuth.name, security.extAuth);
      if (security.oidc) out.oidc.set(security.oidc.filterName, security.oidc);
      if (security.jwt) out.jwt.set(security.policy, security.jwt);
    }
    if (traffic && !seen.has(traffic)) {
      seen.add(traffic);
      trafficFilterKinds(traffic, kinds);
      out.rateLimitService ??= traffic.rateLimit?.global?.service;
    }
  }
  return out;
}

/**
 * With the run's memory, each virtual host is read once while it is the same object (a change to
 * one route reads its virtual host again, not the configuration's other routes).
 */
export function connectionManagerFilters(
  config: IrRouteConfig,
  gateway: string,
  memo: Pick<StageMemory, 'composite'> = NO_MEMORY,
): ConnectionManagerFilters {
  const kinds = new Set<IrHttpFilterKind>();
  const extAuthz = new Map<string, IrRouteExtAuthz>();
  const securityExtAuthz = new Map<string, IrRouteExtAuthz>();
  const oidc = new Map<string, IrOidc>();
  const jwt = new Map<string, IrJwt>();
  let rateLimitService: HostFilters['rateLimitService'];
  for (const vh of config.virtualHosts) {
    const host = memo.composite(`vh-filters\0${config.name}\0${vh.name}`, [vh], () => hostFilters(vh));
    for (const k of host.kinds) kinds.add(k);
    for (const [name, f] of host.extAuthz) extAuthz.set(name, f);
    for (const [name, f] of host.securityExtAuthz) securityExtAuthz.set(name, f);
    for (const [name, o] of host.oidc) oidc.set(name, o);
    for (const [policy, j] of host.jwt) jwt.set(policy, j);
    rateLimitService ??= host.rateLimitService;
  }
  const out: ConnectionManagerFilters = { filters: [...kinds].sort() };
  if (extAuthz.size > 0) out.extAuthz = sortedByName(extAuthz);
  if (securityExtAuthz.size > 0) out.securityExtAuthz = sortedByName(securityExtAuthz);
  if (oidc.size > 0) out.oidc = sortedByName(oidc);
  if (jwt.size > 0) out.jwtAuthn = jwtAuthnOf(jwt);
  if (rateLimitService) out.rateLimitService = rateLimitServiceFor(rateLimitService, gateway);
  return out;
}
