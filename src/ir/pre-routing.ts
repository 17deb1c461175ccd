/** Pre-routing (listener) filters, GEP-5224, and the external authorization they share with route rules. */
/**
 * One entry of a Gateway listener's `filters.requests`, as an HTTP filter of the connection
 * manager. `name` is unique in the chain (`prerouting/<gateway listener id>/<index>`); the filter is
 * off by default and turned on by the virtual hosts of its listener.
 */
export type IrPreRoutingFilter = { name: string } & (IrExtAuthz | { type: 'deny'; status: number });

/** External authorization (ExternalAuth): Envoy's ext_authz filter. */
export interface IrExtAuthz {
  type: 'extAuthz';
  protocol: 'HTTP' | 'GRPC';
  clusterName: string;
  /** HTTP: prefix of the path sent to the authorization server. */
  pathPrefix?: string;
  /** Request headers sent to the authorization server (HTTP: besides Envoy's defaults; gRPC: only these). Lowercase. */
  allowedHeaders: string[];
  /** HTTP: authorization response headers copied into the request; empty: all of them. Lowercase. */
  allowedResponseHeaders: string[];
  /** Bytes of the request body sent along; absent: none. */
  forwardBodyMaxBytes?: number;
  /** The request goes on when the server cannot be reached or answers 5xx (SecurityPolicy `failOpen`); else 403. */
  failOpen?: true;
  /**
   * HTTP: with no `allowedResponseHeaders`, none of the server's headers reach the backend
   * (SecurityPolicy `headersToBackend`) instead of all of them (GEP-1494).
   */
  onlyListedResponseHeaders?: true;
  /** A body longer than `forwardBodyMaxBytes` is answered 413 (SecurityPolicy `bodyToExtAuth`) instead of cut (GEP-1494). */
  refuseLongerBody?: true;
}

/**
 * An HTTPRoute rule's ExternalAuth filter (GEP-1494): an ext_authz filter of the connection
 * manager, off by default and turned on by the routes of the rules that carry it. `name` is
 * derived from the configuration alone (`extauthz/<cluster>/<digest>`), so rules with the same
 * configuration share one filter, wherever they are.
 */
export type IrRouteExtAuthz = { name: string } & IrExtAuthz;
