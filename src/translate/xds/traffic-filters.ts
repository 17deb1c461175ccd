/**
 * A BackendTrafficPolicy's HTTP filters: installed once in the connection manager, each a no-op
 * until a route's `typed_per_filter_config` turns it on (`trafficPerRoute`).
 *
 * Seam for the features: a section adds its filter kind in `trafficFilterKinds` (stage 1,
 * traffic-route.ts), its filter to
 * `trafficHttpFilters` (in the order Envoy must run them: they come after access control and the
 * fault filter, before the router), and its per-route configuration in `trafficPerRoute`.
 */
import type { IrFaultInjection, IrHttpConnectionManager, IrHttpFilterKind, IrRouteTraffic } from '../../ir/types.js';
import { HTTP_FAULT } from '../../proto/type-urls.js';
import { durationFromMs } from './duration.js';
import { compressionPerRoute, compressorFilters } from './traffic-compression.js';
import { bufferFilters, requestBufferPerRoute } from './traffic-request-buffer.js';
import { customResponseFilters, responseOverridePerRoute } from './traffic-response-override.js';
import { globalRateLimitFilter } from './rate-limit-global.js';
import { LOCAL_RATE_LIMIT_FILTER, localRateLimitFilter, localRateLimitPerRoute } from './rate-limit-local.js';
import type { envoy, PerFilterConfig } from './types.js';

type HttpFilter = envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;

export const FAULT_FILTER = 'envoy.filters.http.fault';

/**
 * The policies' filters of a connection manager, after the fault filter, before the router:
 * compressors first (they encode last, so they compress what the filters after them answer as
 * well as the backend's responses); custom_response next, so its rules can match a 429 or a 413
 * answered after it; then the local rate limit (each Envoy's own buckets) before the global one (a
 * call to the rate limit service), so that a request the local limit refuses costs the service
 * nothing; the buffer last, so that no refused request is buffered first.
 */
export function trafficHttpFilters(kinds: readonly IrHttpFilterKind[], hcm: IrHttpConnectionManager): HttpFilter[] {
  const filters: HttpFilter[] = [...compressorFilters(kinds), ...customResponseFilters(kinds)];
  if (kinds.includes('local_ratelimit')) filters.push(localRateLimitFilter());
  if (kinds.includes('ratelimit') && hcm.rateLimitService) filters.push(globalRateLimitFilter(hcm.rateLimitService));
  filters.push(...bufferFilters(kinds));
  return filters;
}

export function trafficPerRoute(traffic: IrRouteTraffic, shared?: Map<object, PerFilterConfig>): PerFilterConfig {
  let own = shared?.get(traffic);
  if (!own) {
    own = buildTrafficPerRoute(traffic);
    shared?.set(traffic, own);
  }
  return own;
}

function buildTrafficPerRoute(traffic: IrRouteTraffic): PerFilterConfig {
  const config: PerFilterConfig = {};
  if (traffic.faultInjection) config[FAULT_FILTER] = { '@type': HTTP_FAULT, ...faultConfig(traffic.faultInjection) };
  if (traffic.compression) compressionPerRoute(traffic.compression, config);
  if (traffic.requestBuffer) requestBufferPerRoute(traffic.requestBuffer, config);
  if (traffic.responseOverride) responseOverridePerRoute(traffic.policy, traffic.responseOverride, config);
  // The descriptors' first entry names the policy: a route has one policy, so no two rules share a bucket.
  if (traffic.rateLimit?.local) {
    config[LOCAL_RATE_LIMIT_FILTER] = localRateLimitPerRoute(traffic.policy, traffic.rateLimit.local);
  }
  return config;
}

function faultConfig(fault: IrFaultInjection): envoy.extensions.filters.http.fault.v3.HTTPFault {
  const out: envoy.extensions.filters.http.fault.v3.HTTPFault = {};
  if (fault.delay) {
    out.delay = {
      fixed_delay: durationFromMs(fault.delay.fixedDelayMs),
      percentage: { numerator: fault.delay.perMillion, denominator: 'MILLION' },
    };
  }
  if (fault.abort) {
    const percentage = { numerator: fault.abort.perMillion, denominator: 'MILLION' as const };
    out.abort =
      'httpStatus' in fault.abort
        ? { http_status: fault.abort.httpStatus, percentage }
        : { grpc_status: fault.abort.grpcStatus, percentage };
  }
  return out;
}
