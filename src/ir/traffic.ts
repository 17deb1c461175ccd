/**
 * The IR of a BackendTrafficPolicy: what it does to the routes it applies to (`IrRouteTraffic`,
 * Envoy's per-route filter configuration) and to the clusters those routes send to
 * (`IrClusterTraffic`; a route under a policy with cluster settings sends to its own copy of each
 * backend cluster, named after the policy).
 */

import type { IrRateLimit } from './rate-limit.js';

/** What a BackendTrafficPolicy does on a route. */
export interface IrRouteTraffic {
  /** `<namespace>/<name>` of the BackendTrafficPolicy. */
  policy: string;
  /** Envoy's fault filter, configured for the route. Percentages are in millionths. */
  faultInjection?: IrFaultInjection;
  /** Envoy's compressor filters (one per algorithm and minimum length) turned on for the route. */
  compression?: IrCompression[];
  /** Envoy's buffer filter: the most bytes of a request body; beyond them, 413. */
  requestBuffer?: { maxBytes: number };
  /** Envoy's custom_response filter: the first rule whose statuses match replaces the response. */
  responseOverride?: IrResponseOverrideRule[];
  /** Envoy's local_ratelimit (per route) and ratelimit (the rate limit service) filters. */
  rateLimit?: IrRateLimit;
}

export interface IrCompression {
  type: 'Gzip' | 'Brotli' | 'Zstd';
  /** Absent: Envoy's default (30 bytes). */
  minContentLength?: number;
}

export interface IrResponseOverrideRule {
  /** Statuses the rule matches: single values and inclusive ranges. */
  statusCodes: ({ value: number } | { start: number; end: number })[];
  contentType?: string;
  /** The new body, literally (a ConfigMap's is resolved in stage 1). */
  body?: string;
  statusCode?: number;
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
