/**
 * A SecurityPolicy's `jwt` in the IR: the providers whose tokens a route accepts (any one of them),
 * each fully resolved (its key set inline, or the cluster and URI it is fetched from). Envoy's
 * jwt_authn filter; a missing or invalid token is a 401 (a token for another audience a 403).
 */

export interface IrJwtProvider {
  /** The provider's name, unique in its policy. */
  name: string;
  /** Absent: the issuer is not checked. */
  issuer?: string;
  /** Empty: the audience is not checked. */
  audiences: string[];
  jwks:
    | { type: 'local'; jwks: string }
    /** Fetched by Envoy through the `IrCluster` `clusterName`. */
    | { type: 'remote'; uri: string; clusterName: string; cacheDurationMs?: number };
  /** Claims copied into request headers (a claim that is absent or not a scalar adds no header). */
  claimToHeaders: { header: string; claim: string }[];
  /** The route is chosen again after the claims' headers are added. */
  recomputeRoute: boolean;
  /** Where the token is looked for; absent: `Authorization: Bearer` and the `access_token` query parameter. */
  extractFrom?: { headers: { name: string; valuePrefix?: string }[]; cookies: string[]; params: string[] };
}

export interface IrJwt {
  providers: IrJwtProvider[];
  /** A request without a token passes (a bad token is still refused). */
  optional: boolean;
  /** A request with a missing or bad token passes. */
  failOpen: boolean;
}

/** A connection manager's jwt_authn filter: the `jwt` of every policy one of its routes uses. */
export interface IrJwtAuthn {
  /** By policy (`<namespace>/<name>`), sorted: a route asks for its policy's requirement by name. */
  policies: { policy: string; jwt: IrJwt }[];
}

/**
 * An authorization principal on the token a provider of the route's policy verified (its payload,
 * which jwt_authn puts in the dynamic metadata under the provider's name): every claim with one of
 * its values, every scope. No verified token from that provider: no match.
 */
export interface IrJwtPrincipal {
  provider: string;
  /** `path`: the claim and the names nested in it. StringArray: one of the list's items matches. */
  claims: { path: string[]; valueType: 'String' | 'StringArray'; values: string[] }[];
  /** Each must be in the token's `scope` or `scp` (space-separated, split by jwt_authn). */
  scopes: string[];
}
