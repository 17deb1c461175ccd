/**
 * SecurityPolicy `jwt` → Envoy's jwt_authn filter. One filter per connection manager holds the
 * providers of every policy its routes use (named `<policy>/<provider>`) and one requirement per
 * policy (named by the policy): any of its providers (`requires_any`), and with `optional` or
 * `failOpen` a missing (or failed) token too. A route names its policy's requirement in its
 * per-route config, which also turns the filter on for it: the filter is off by default, so a route
 * without a policy is neither checked nor touched (jwt_authn strips the headers its providers'
 * claims are copied into from every request it runs on, checked or not).
 *
 * As Envoy Gateway: the token is forwarded to the backend, and each provider's payload is put in
 * the dynamic metadata under the provider's name (scopes split into lists), where authorization
 * can match claims.
 */
import type { IrJwt, IrJwtAuthn, IrJwtPrincipal, IrJwtProvider } from '../../ir/types.js';
import { JWT_AUTHN, JWT_AUTHN_PER_ROUTE } from '../../proto/type-urls.js';
import { durationFromMs, durationFromSeconds } from './duration.js';
import type { envoy, Packed } from './types.js';

type HttpFilter = envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
type JwtProvider = envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
type JwtRequirement = envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement;
type Principal = envoy.config.rbac.v3.Principal;
type ValueMatcher = envoy.type.matcher.v3.ValueMatcher;

export const JWT_AUTHN_FILTER = 'envoy.filters.http.jwt_authn';
/** The dynamic metadata namespace jwt_authn writes payloads under. */
export const JWT_METADATA_NAMESPACE = JWT_AUTHN_FILTER;

/** How long one fetch of a remote key set may take (Envoy Gateway's default for its services). */
const JWKS_FETCH_TIMEOUT_SECONDS = 10;

export function jwtProviderKey(policy: string, provider: string): string {
  return `${policy}/${provider}`;
}

export function jwtAuthnFilter(authn: IrJwtAuthn): HttpFilter {
  const providers: Record<string, JwtProvider> = {};
  const requirements: Record<string, JwtRequirement> = {};
  for (const { policy, jwt } of authn.policies) {
    for (const p of jwt.providers) providers[jwtProviderKey(policy, p.name)] = jwtProvider(p);
    requirements[policy] = requirementOf(policy, jwt);
  }
  // Off but on the routes that name a requirement: jwt_authn removes every provider's claim
  // headers from each request it sees, so a route without a policy must not run it at all.
  return {
    name: JWT_AUTHN_FILTER,
    disabled: true,
    typed_config: { '@type': JWT_AUTHN, providers, requirement_map: requirements },
  };
}

export function jwtAuthnPerRoute(policy: string): Packed<typeof JWT_AUTHN_PER_ROUTE> {
  return { '@type': JWT_AUTHN_PER_ROUTE, requirement_name: policy };
}

function requirementOf(policy: string, jwt: IrJwt): JwtRequirement {
  const any: JwtRequirement[] = jwt.providers.map((p) => ({ provider_name: jwtProviderKey(policy, p.name) }));
  if (jwt.failOpen) any.push({ allow_missing_or_failed: {} });
  else if (jwt.optional) any.push({ allow_missing: {} });
  return any.length === 1 ? any[0]! : { requires_any: { requirements: any } };
}

function jwtProvider(p: IrJwtProvider): JwtProvider {
  const out: JwtProvider = {
    forward: true,
    payload_in_metadata: p.name,
    normalize_payload_in_metadata: { space_delimited_claims: ['scope', 'scp'] },
  };
  if (p.issuer !== undefined) out.issuer = p.issuer;
  if (p.audiences.length > 0) out.audiences = p.audiences;
  if (p.jwks.type === 'local') out.local_jwks = { inline_string: p.jwks.jwks };
  else {
    out.remote_jwks = {
      http_uri: {
        uri: p.jwks.uri,
        cluster: p.jwks.clusterName,
        timeout: durationFromSeconds(JWKS_FETCH_TIMEOUT_SECONDS),
      },
      // Fetched when the listener starts, not on the first request.
      async_fetch: {},
      ...(p.jwks.cacheDurationMs !== undefined ? { cache_duration: durationFromMs(p.jwks.cacheDurationMs) } : {}),
    };
  }
  if (p.claimToHeaders.length > 0) {
    out.claim_to_headers = p.claimToHeaders.map((c) => ({ header_name: c.header, claim_name: c.claim }));
  }
  if (p.recomputeRoute) out.clear_route_cache = true;
  if (p.extractFrom) {
    const { headers, cookies, params } = p.extractFrom;
    if (headers.length > 0) {
      out.from_headers = headers.map((h) => ({
        name: h.name,
        ...(h.valuePrefix !== undefined ? { value_prefix: h.valuePrefix } : {}),
      }));
    }
    if (cookies.length > 0) out.from_cookies = cookies;
    if (params.length > 0) out.from_params = params;
  }
  return out;
}

/** What the provider's payload in the dynamic metadata must hold at `path` (under the provider's name). */
function payloadMatch(provider: string, path: string[], value: ValueMatcher): Principal {
  return { metadata: { filter: JWT_METADATA_NAMESPACE, path: [provider, ...path].map((key) => ({ key })), value } };
}

const exactly = (exact: string): ValueMatcher => ({ string_match: { exact } });
const listHas = (exact: string): ValueMatcher => ({ list_match: { one_of: exactly(exact) } });
const any = (ids: Principal[]): Principal => (ids.length === 1 ? ids[0]! : { or_ids: { ids } });

/**
 * A `jwt` principal as rbac principals, all of which must match: per claim, one of its values (the
 * claim itself, or an item of it for StringArray); per scope, an item of `scope` or `scp` (jwt_authn
 * splits them into lists: normalize_payload_in_metadata).
 */
export function jwtPrincipals(jwt: IrJwtPrincipal): Principal[] {
  const parts: Principal[] = [];
  for (const c of jwt.claims) {
    const match = c.valueType === 'StringArray' ? listHas : exactly;
    parts.push(any(c.values.map((v) => payloadMatch(jwt.provider, c.path, match(v)))));
  }
  for (const scope of jwt.scopes) {
    parts.push(any(['scope', 'scp'].map((claim) => payloadMatch(jwt.provider, [claim], listHas(scope)))));
  }
  return parts;
}
