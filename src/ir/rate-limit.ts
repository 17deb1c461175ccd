/**
 * A route's rate limit (BackendTrafficPolicy `rateLimit`), as the xDS stage and the rate limit
 * service's configuration need it: the type, and each rule's limit and client selectors, already
 * valid (src/resources/read/traffic-rate-limit.ts). A Global limit's counters live in the rate
 * limit service under the Gateway's domain, one descriptor tree per rule of each route.
 */
export type IrRateLimitUnit = 'Second' | 'Minute' | 'Hour' | 'Day';

export interface IrRateLimitHeader {
  /** Lowercase. */
  name: string;
  type: 'Exact' | 'Distinct';
  /** Exact only. */
  value?: string;
}

export interface IrRateLimitSource {
  type: 'Exact' | 'Distinct';
  /** Host bits cleared, as Envoy writes a masked address: `10.0.0.0/8`. */
  cidr: string;
  family: 4 | 6;
  prefixLength: number;
}

export interface IrRateLimitSelector {
  headers: IrRateLimitHeader[];
  sourceCIDR?: IrRateLimitSource;
}

export interface IrRateLimitRule {
  /** Every selector must hold; none: every request of the route. */
  clientSelectors: IrRateLimitSelector[];
  limit: { requests: number; unit: IrRateLimitUnit };
}

/** Local rules (each Envoy counts alone), Global rules (counted in the rate limit service), or both. */
export interface IrRateLimit {
  local?: IrRateLimitRule[];
  global?: { rules: IrRateLimitRule[]; service: IrRateLimitServiceRef };
}

/** The rate limit service a route's Global rules are counted in. */
export interface IrRateLimitServiceRef {
  /** The cluster (one of the Gateway's) the filter's gRPC calls go to. */
  clusterName: string;
  /** Deny requests (500) when the service cannot be reached (Envoy Gateway's `failClosed`); else allow them. */
  failClosed: boolean;
}

/** The ratelimit filter of a connection manager: the service, and the Gateway's domain in it. */
export interface IrRateLimitService extends IrRateLimitServiceRef {
  /** `<namespace>/<name>` of the Gateway: the rate limit service domain of its descriptors. */
  domain: string;
}
