/**
 * A route's Global rate limit (BackendTrafficPolicy `rateLimit.type: Global`) as Envoy's
 * `envoy.filters.http.ratelimit`: one filter in the connection manager, which asks the rate limit
 * service (github.com/envoyproxy/ratelimit, with Redis) about each request of a route that has
 * `rate_limits`, under the Gateway's domain. Every Envoy of the Gateway counts in the same
 * buckets. The route's `rate_limits`: one per rule, its actions building the rule's descriptor
 * (`rate-limit-descriptors.ts`); the service's configuration holds the limits
 * (`rate-limit-service-config.ts`).
 *
 * When the service does not answer in time or at all, the request is let through, unless the
 * Gateway's rate limit service says `failClosed` (then 500), as Envoy Gateway's `failClosed`.
 * Limited answers: 429 (gRPC: RESOURCE_EXHAUSTED), with the draft 03 `x-ratelimit-*` headers.
 */
import type { IrRateLimitRule, IrRateLimitService } from '../../ir/rate-limit.js';
import { RATE_LIMIT } from '../../proto/type-urls.js';
import { ruleDescriptor } from './rate-limit-descriptors.js';
import type { envoy } from './types.js';

type HttpFilter = envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
type RateLimit = envoy.config.route.v3.RateLimit;

export const RATE_LIMIT_FILTER = 'envoy.filters.http.ratelimit';
/**
 * How long a request waits for the service's answer (Envoy's default is 20 ms; a busy machine's
 * first gRPC call takes longer, and a timed-out call is a failure: fail open lets it through).
 */
const TIMEOUT_SECONDS = 1;

export function globalRateLimitFilter(service: IrRateLimitService): HttpFilter {
  return {
    name: RATE_LIMIT_FILTER,
    typed_config: {
      '@type': RATE_LIMIT,
      domain: service.domain,
      timeout: { seconds: TIMEOUT_SECONDS },
      failure_mode_deny: service.failClosed,
      rate_limited_as_resource_exhausted: true,
      enable_x_ratelimit_headers: 'DRAFT_VERSION_03',
      // Envoy's own x-envoy-ratelimited header is left out, as Envoy Gateway does by default.
      disable_x_envoy_ratelimited_header: true,
      rate_limit_service: {
        grpc_service: { envoy_grpc: { cluster_name: service.clusterName } },
        transport_api_version: 'V3',
      },
    },
  };
}

/** The route's `rate_limits` (RouteAction) for its `global` rules: one per rule. */
export function globalRateLimitActions(routeName: string, rules: readonly IrRateLimitRule[]): RateLimit[] {
  return rules.map((rule, i) => ({ actions: ruleDescriptor(routeName, 'global', i, rule).actions }));
}
