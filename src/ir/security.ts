/**
 * Access control on a route: the effective SecurityPolicy of a route entry, after precedence
 * (route rule > route > listener > ListenerSet > Gateway; GEP-713), with what each of its sections
 * asks of Envoy. One policy applies to a route, whole: sections are never merged across policies.
 *
 * Seam for the features: each section Portico implements is one optional field here (its IR),
 * one HTTP filter kind (`IrHttpFilterKind`) installed when some route of the connection manager
 * uses it, and the filter's per-route configuration (`src/translate/xds/security-filters.ts`).
 * A policy that cannot be applied never reaches this type: stage 1 answers its routes itself
 * (a direct 500), so they are closed rather than served unprotected.
 */
import type { IrRouteExtAuthz } from './pre-routing.js';

import type { IrJwt, IrJwtPrincipal } from './security-jwt.js';

export type * from './security-jwt.js';

/** An IP range; Envoy masks the address to the prefix. */
export interface IrCidr {
  address: string;
  prefixLength: number;
}

/** One authorization rule: every condition given must hold for it to match. */
export interface IrAuthorizationRule {
  /** The rule's name (unique in its policy). */
  name: string;
  action: 'Allow' | 'Deny';
  /** The client address (the connection's peer: X-Forwarded-For is not trusted) is in one of them. */
  clientCidrs?: IrCidr[];
  /** Each header (lowercase name) carries exactly one of its values. */
  headers?: { name: string; values: string[] }[];
  /** The token a provider of the policy verified carries these claims and scopes. */
  jwt?: IrJwtPrincipal;
}

/** Ordered rules: the first that matches decides, else `defaultAction`. Envoy's rbac filter; a denial is a 403. */
export interface IrAuthorization {
  defaultAction: 'Allow' | 'Deny';
  rules: IrAuthorizationRule[];
}

/** HTTP Basic authentication (Envoy's basic_auth filter); missing or wrong credentials are a 401. */
export interface IrBasicAuth {
  /** htpasswd lines `user:{SHA}<base64 SHA-1>`, one per user (only entries Envoy accepts). */
  htpasswd: string;
  /** The header the authenticated user's name is forwarded in (lowercase). */
  forwardUsernameHeader?: string;
}

/** Where a request's API key is read, in order: headers, query parameters or cookies. */
export interface IrApiKeySource {
  header?: string;
  query?: string;
  cookie?: string;
}

/** API key authentication (Envoy's api_key_auth filter); a missing or unknown key is a 401. */
export interface IrApiKeyAuth {
  /** Each client id with its key, sorted by client id. */
  credentials: { client: string; key: string }[];
  keySources: IrApiKeySource[];
  /** The header the client id is forwarded in (lowercase). */
  forwardClientIdHeader?: string;
  /** The key is removed from the request before it is forwarded. */
  sanitize: boolean;
}

export interface IrSecurity {
  /** `<namespace>/<name>` of the SecurityPolicy. */
  policy: string;
  authorization?: IrAuthorization;
  /**
   * `extAuth`: an ext_authz filter of the connection manager (named `security/extauthz/<cluster>/<digest>`,
   * one per configuration), off by default and on for the policy's routes, before rbac.
   */
  extAuth?: IrRouteExtAuthz;
  basicAuth?: IrBasicAuth;
  apiKeyAuth?: IrApiKeyAuth;
  oidc?: IrOidc;
  jwt?: IrJwt;
}

/**
 * OpenID Connect login: Envoy's oauth2 filter, one per policy in the connection manager (off by
 * default, on for the policy's routes). Secrets are named here and served over SDS as generic
 * secrets (`IrGenericSecret` in the Gateway's `secrets`): no secret value sits in this IR.
 */
export interface IrOidc {
  /** The filter's name in the connection manager: unique per policy. */
  filterName: string;
  clientId: string;
  authorizationEndpoint: string;
  /** The token endpoint's URL and the cluster (`IrCluster` with `dns`) Envoy reaches it through. */
  tokenEndpoint: { uri: string; clusterName: string };
  redirectUri: string;
  /** The callback path Envoy answers (the redirect URI's path). */
  redirectPath: string;
  logoutPath: string;
  scopes: string[];
  cookieNames: {
    bearerToken: string;
    idToken: string;
    oauthHmac: string;
    oauthExpires: string;
    refreshToken: string;
  };
  /** SDS names of the client secret and of the key that signs the filter's cookies. */
  clientSecretName: string;
  hmacSecretName: string;
}
