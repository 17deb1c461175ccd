/**
 * The IR of a BackendTrafficPolicy: what it does to the routes it applies to (`IrRouteTraffic`,
 * Envoy's per-route filter configuration) and to the clusters those routes send to
 * (`IrClusterTraffic`; a route under a policy with cluster settings sends to its own copy of each
 * backend cluster, named after the policy).
 */

/** What a BackendTrafficPolicy does on a route. */
export interface IrRouteTraffic {
  /** `<namespace>/<name>` of the BackendTrafficPolicy. */
  policy: string;
  /** Envoy's fault filter, configured for the route. Percentages are in millionths. */
  faultInjection?: IrFaultInjection;
}

export interface IrFaultInjection {
  delay?: { fixedDelayMs: number; perMillion: number };
  abort?: ({ httpStatus: number } | { grpcStatus: number }) & { perMillion: number };
}

/** What a BackendTrafficPolicy does to a backend cluster. */
export interface IrClusterTraffic {
  /** `<namespace>/<name>` of the BackendTrafficPolicy. */
  policy: string;
  circuitBreaker?: IrCircuitBreaker;
}

export interface IrCircuitBreaker {
  maxConnections: number;
  maxPendingRequests: number;
  maxParallelRequests: number;
  maxParallelRetries: number;
  maxRequestsPerConnection?: number;
}
