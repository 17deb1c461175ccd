/**
 * A route's SecurityPolicy (`IrSecurity`) as Envoy HTTP filters: each installed once in the
 * connection manager with no configuration of its own (a no-op), and configured per route.
 *
 * Seam for the features: a section adds its filter to `securityHttpFilters`, in the order Envoy
 * must run them (authentication before authorization: jwt_authn, oauth2, basic_auth, api_key_auth
 * and ext_authz before rbac, which may read what they found), and its per-route configuration to
 * `securityPerRoute`.
 *
 * `authorization` → rbac. Envoy's RBAC policies are unordered (ALLOW: any policy that matches
 * allows), while a SecurityPolicy's rules are ordered (the first that matches decides), so each
 * Allow rule becomes the policy "this rule's principal, and none of the earlier Deny rules'", and a
 * default Allow the policy "none of the Deny rules'". Client ranges match `remote_ip`: the client
 * address the connection manager settled on, which with `use_remote_address` and no trusted hops is
 * the connection's peer, so a forged X-Forwarded-For grants nothing.
 */
import type {
  IrAuthorization,
  IrAuthorizationRule,
  IrHttpConnectionManager,
  IrHttpFilterKind,
  IrSecurity,
} from '../../ir/types.js';
import { JWT_AUTHN_FILTER, jwtAuthnFilter, jwtAuthnPerRoute, jwtPrincipals } from './security-jwt.js';
import { RBAC, RBAC_PER_ROUTE } from '../../proto/type-urls.js';
import { securityExtAuthzFilters, securityExtAuthzPerRoute } from './security-ext-auth.js';
import { apiKeyAuthPerRoute, basicAuthPerRoute, credentialFilters } from './security-credentials.js';
import { enableOauth2, oauth2Filters } from './security-oidc.js';
import type { envoy, PerFilterConfig } from './types.js';

type HttpFilter = envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
type Principal = envoy.config.rbac.v3.Principal;
type Policy = envoy.config.rbac.v3.Policy;

export const RBAC_FILTER = 'envoy.filters.http.rbac';

/** The security filters the connection manager needs, in the order they must run. */
export function securityHttpFilters(
  kinds: readonly IrHttpFilterKind[],
  hcm: Pick<IrHttpConnectionManager, 'securityExtAuthz' | 'oidc' | 'jwtAuthn'> = {},
): HttpFilter[] {
  const filters: HttpFilter[] = [];
  // Envoy Gateway's order: ext_authz first, then the authentication filters (api_key_auth,
  // basic_auth, oauth2, jwt_authn), rbac last (it may read what jwt_authn found).
  filters.push(...securityExtAuthzFilters(hcm.securityExtAuthz ?? []));
  filters.push(...credentialFilters(kinds));
  filters.push(...oauth2Filters(hcm.oidc ?? []));
  if (kinds.includes('jwt_authn') && hcm.jwtAuthn) filters.push(jwtAuthnFilter(hcm.jwtAuthn));
  if (kinds.includes('rbac')) filters.push({ name: RBAC_FILTER, typed_config: { '@type': RBAC } });
  return filters;
}

/** Per-route configuration of the security filters for `security`, added to `config`. */
export function securityPerRoute(security: IrSecurity, shared?: Map<object, PerFilterConfig>): PerFilterConfig {
  let own = shared?.get(security);
  if (!own) {
    own = buildSecurityPerRoute(security);
    shared?.set(security, own);
  }
  return own;
}

function buildSecurityPerRoute(security: IrSecurity): PerFilterConfig {
  const config: PerFilterConfig = {};
  if (security.extAuth) securityExtAuthzPerRoute(security.extAuth, config);
  if (security.oidc) enableOauth2(security.oidc, config);
  if (security.jwt) config[JWT_AUTHN_FILTER] = jwtAuthnPerRoute(security.policy);
  if (security.authorization) {
    config[RBAC_FILTER] = { '@type': RBAC_PER_ROUTE, rbac: { rules: rbacRules(security.authorization) } };
  }
  if (security.basicAuth) basicAuthPerRoute(security.basicAuth, config);
  if (security.apiKeyAuth) apiKeyAuthPerRoute(security.apiKeyAuth, config);
  return config;
}

const oneOf = (ids: Principal[]): Principal => (ids.length === 1 ? ids[0]! : { or_ids: { ids } });
const allOf = (ids: Principal[]): Principal => (ids.length === 1 ? ids[0]! : { and_ids: { ids } });
const ANY_REQUEST = [{ any: true }];

function principalOf(rule: IrAuthorizationRule): Principal {
  const parts: Principal[] = [];
  if (rule.clientCidrs) {
    parts.push(
      oneOf(
        rule.clientCidrs.map((c) => ({
          remote_ip: { address_prefix: c.address, prefix_len: { value: c.prefixLength } },
        })),
      ),
    );
  }
  for (const h of rule.headers ?? []) {
    parts.push(oneOf(h.values.map((exact) => ({ header: { name: h.name, string_match: { exact } } }))));
  }
  if (rule.jwt) parts.push(...jwtPrincipals(rule.jwt));
  return parts.length > 0 ? allOf(parts) : { any: true };
}

/** First match wins, as one ALLOW set of policies (see above). */
export function rbacRules(authorization: IrAuthorization): envoy.config.rbac.v3.RBAC {
  const policies: Record<string, Policy> = {};
  const denied: Principal[] = [];
  for (const rule of authorization.rules) {
    const principal = principalOf(rule);
    if (rule.action === 'Deny') {
      denied.push(principal);
      continue;
    }
    const principals = [denied.length > 0 ? allOf([principal, { not_id: oneOf([...denied]) }]) : principal];
    policies[`rule/${rule.name}`] = { permissions: ANY_REQUEST, principals };
  }
  if (authorization.defaultAction === 'Allow') {
    policies.default = {
      permissions: ANY_REQUEST,
      principals: [denied.length > 0 ? { not_id: oneOf(denied) } : { any: true }],
    };
  }
  return { action: 'ALLOW', policies };
}
