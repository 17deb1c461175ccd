/**
 * A route's SecurityPolicy `basicAuth` and `apiKeyAuth` as Envoy's basic_auth and api_key_auth
 * filters: each installed in the connection manager off (`disabled`), with no credentials of its
 * own, and turned on by the routes that carry their policy's credentials (a neighbour route without
 * them never runs it). Missing or wrong credentials are answered 401 by Envoy (basic_auth with a
 * `WWW-Authenticate: Basic` challenge).
 *
 * basic_auth's `forward_username_header` is a setting of the filter, not of its per-route
 * configuration: each header name gets a filter of its own, which only its routes turn on.
 *
 * The credentials (htpasswd hashes, API keys) sit in the route configuration: the debug endpoint
 * and `portico translate` redact them (src/translate/redact-credentials.ts).
 */
import type { IrApiKeyAuth, IrBasicAuth, IrHttpFilterKind } from '../../ir/types.js';
import { API_KEY_AUTH, API_KEY_AUTH_PER_ROUTE, BASIC_AUTH, BASIC_AUTH_PER_ROUTE } from '../../proto/type-urls.js';
import type { envoy, PerFilterConfig } from './types.js';

type HttpFilter = envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;

export const BASIC_AUTH_FILTER = 'envoy.filters.http.basic_auth';
export const API_KEY_AUTH_FILTER = 'envoy.filters.http.api_key_auth';
const FORWARD_KIND = 'basic_auth_forward:';
/**
 * Envoy refuses a basic_auth filter without users (no DataSource, or an empty one). The connection
 * manager's filter is never run without its route's users (it is off, and a route turns it on with
 * them), so it gets one placeholder entry that admits nobody: the hash is 20 zero bytes, a SHA-1
 * no password is known to have.
 */
const NO_USERS = { inline_string: 'portico.nobody:{SHA}AAAAAAAAAAAAAAAAAAAAAAAAAAA=' };

function basicAuthFilterName(forwardUsernameHeader: string | undefined): string {
  return forwardUsernameHeader === undefined
    ? BASIC_AUTH_FILTER
    : `${BASIC_AUTH_FILTER}.forward_username.${forwardUsernameHeader}`;
}

/**
 * api_key_auth, then the basic_auth filters (one per forwarded-username header, sorted), all off:
 * Envoy Gateway's order, so a request that has neither credential gets api_key_auth's 401.
 */
export function credentialFilters(kinds: readonly IrHttpFilterKind[]): HttpFilter[] {
  const filters: HttpFilter[] = [];
  if (kinds.includes('api_key_auth')) {
    filters.push({ name: API_KEY_AUTH_FILTER, disabled: true, typed_config: { '@type': API_KEY_AUTH } });
  }
  for (const kind of kinds) {
    if (kind === 'basic_auth') {
      filters.push({ name: BASIC_AUTH_FILTER, disabled: true, typed_config: { '@type': BASIC_AUTH, users: NO_USERS } });
    } else if (kind.startsWith(FORWARD_KIND)) {
      const header = kind.slice(FORWARD_KIND.length);
      filters.push({
        name: basicAuthFilterName(header),
        disabled: true,
        typed_config: { '@type': BASIC_AUTH, users: NO_USERS, forward_username_header: header },
      });
    }
  }
  return filters;
}

export function basicAuthPerRoute(basicAuth: IrBasicAuth, config: PerFilterConfig): void {
  config[basicAuthFilterName(basicAuth.forwardUsernameHeader)] = {
    '@type': BASIC_AUTH_PER_ROUTE,
    users: { inline_string: basicAuth.htpasswd },
  };
}

export function apiKeyAuthPerRoute(apiKeyAuth: IrApiKeyAuth, config: PerFilterConfig): void {
  const forwarding =
    apiKeyAuth.forwardClientIdHeader !== undefined || apiKeyAuth.sanitize
      ? {
          forwarding: {
            ...(apiKeyAuth.forwardClientIdHeader !== undefined ? { header: apiKeyAuth.forwardClientIdHeader } : {}),
            ...(apiKeyAuth.sanitize ? { hide_credentials: true } : {}),
          },
        }
      : {};
  config[API_KEY_AUTH_FILTER] = {
    '@type': API_KEY_AUTH_PER_ROUTE,
    credentials: apiKeyAuth.credentials.map((c) => ({ key: c.key, client: c.client })),
    key_sources: apiKeyAuth.keySources.map((s) => ({ ...s })),
    ...forwarding,
  };
}
