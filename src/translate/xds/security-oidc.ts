/**
 * SecurityPolicy `oidc` → Envoy's oauth2 filter (envoy.filters.http.oauth2), as Envoy Gateway
 * builds it: one filter per policy in the connection manager, off by default and turned on by
 * the policy's routes (the filter takes no per-route configuration of its own). A browser without
 * valid cookies is sent to the authorization endpoint; the provider sends it back to the redirect
 * path with a code, which Envoy exchanges at the token endpoint (client secret in HTTP basic
 * authentication, as every OIDC provider takes it) for tokens it keeps in signed cookies; the
 * logout path clears them.
 *
 * Defaults as Envoy Gateway's: the refresh token is used, the access token is not forwarded to
 * the backend and the request's own Authorization header is kept.
 */
import type { IrOidc } from '../../ir/types.js';
import { OAUTH2, ROUTE_FILTER_CONFIG } from '../../proto/type-urls.js';
import { adsConfigSource } from './config-source.js';
import type { envoy, google, PerFilterConfig } from './types.js';

type HttpFilter = envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;

/** Envoy Gateway's timeout for calls to external services such as the token endpoint. */
const TOKEN_ENDPOINT_TIMEOUT_SECONDS = 10;

export function oauth2Config(oidc: IrOidc): envoy.extensions.filters.http.oauth2.v3.OAuth2Config {
  const exact = (path: string) => ({ path: { exact: path } });
  return {
    token_endpoint: {
      uri: oidc.tokenEndpoint.uri,
      cluster: oidc.tokenEndpoint.clusterName,
      timeout: { seconds: TOKEN_ENDPOINT_TIMEOUT_SECONDS },
    },
    authorization_endpoint: oidc.authorizationEndpoint,
    credentials: {
      client_id: oidc.clientId,
      token_secret: { name: oidc.clientSecretName, sds_config: adsConfigSource() },
      hmac_secret: { name: oidc.hmacSecretName, sds_config: adsConfigSource() },
      cookie_names: {
        bearer_token: oidc.cookieNames.bearerToken,
        oauth_hmac: oidc.cookieNames.oauthHmac,
        oauth_expires: oidc.cookieNames.oauthExpires,
        id_token: oidc.cookieNames.idToken,
        refresh_token: oidc.cookieNames.refreshToken,
      },
    },
    redirect_uri: oidc.redirectUri,
    redirect_path_matcher: exact(oidc.redirectPath),
    signout_path: exact(oidc.logoutPath),
    forward_bearer_token: false,
    preserve_authorization_header: true,
    auth_scopes: oidc.scopes,
    auth_type: 'BASIC_AUTH',
    use_refresh_token: { value: true },
  };
}

/** The policies' oauth2 filters, each off until a route turns it on. */
export function oauth2Filters(oidc: readonly IrOidc[]): HttpFilter[] {
  return oidc.map((o) => ({
    name: o.filterName,
    disabled: true,
    typed_config: { '@type': OAUTH2, config: oauth2Config(o) },
  }));
}

/**
 * An empty Any (no type URL): a FilterConfig carrying one turns a filter that is off by default on
 * for the route without configuring it (the oauth2 filter takes no per-route configuration).
 */
const EMPTY_ANY = { type_url: '', value: new Uint8Array(0) } as unknown as google.protobuf.Any;

/** A route's `typed_per_filter_config` entry turning its policy's oauth2 filter on. */
export function enableOauth2(oidc: IrOidc, config: PerFilterConfig): void {
  config[oidc.filterName] = { '@type': ROUTE_FILTER_CONFIG, config: EMPTY_ANY };
}
