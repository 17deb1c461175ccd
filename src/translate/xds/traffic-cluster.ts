/**
 * A BackendTrafficPolicy's cluster settings on the policy's copy of a backend cluster (`IrClusterTraffic`).
 *
 * Seam for the features: each setting of `IrClusterTraffic` is written here, onto the cluster
 * `buildCluster` made (its protocol options already set for HTTP/2 backends).
 */
import type { IrClusterTraffic, IrLoadBalancer, IrRetryBudget } from '../../ir/types.js';
import { HTTP_PROTOCOL_OPTIONS } from '../../proto/type-urls.js';
import { durationFromMs } from './duration.js';
import { applyHealthCheck } from './traffic-cluster-health.js';
import type { Cluster } from './types.js';

const PROTOCOL_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

export function applyClusterTraffic(out: Cluster, traffic: IrClusterTraffic, protocol: string): void {
  const breaker = traffic.circuitBreaker;
  if (breaker) {
    out.circuit_breakers = {
      thresholds: [
        {
          priority: 'DEFAULT',
          max_connections: { value: breaker.maxConnections },
          max_pending_requests: { value: breaker.maxPendingRequests },
          max_requests: { value: breaker.maxParallelRequests },
          max_retries: { value: breaker.maxParallelRetries },
        },
      ],
    };
    if (breaker.maxRequestsPerConnection !== undefined && (protocol === 'http1' || protocol === 'http2')) {
      (httpProtocolOptions(out, protocol).common_http_protocol_options ??= {}).max_requests_per_connection = {
        value: breaker.maxRequestsPerConnection,
      };
    }
  }
  if (traffic.healthCheck) applyHealthCheck(out, traffic.healthCheck, protocol);
  if (traffic.loadBalancer) applyLoadBalancer(out, traffic.loadBalancer);
  const timeout = traffic.timeout;
  if (timeout?.connectTimeoutMs !== undefined) out.connect_timeout = durationFromMs(timeout.connectTimeoutMs);
  if (timeout && (protocol === 'http1' || protocol === 'http2')) {
    const { connectionIdleTimeoutMs: idle, maxConnectionDurationMs: max } = timeout;
    if (idle !== undefined || max !== undefined) {
      const common = (httpProtocolOptions(out, protocol).common_http_protocol_options ??= {});
      if (idle !== undefined) common.idle_timeout = durationFromMs(idle);
      if (max !== undefined) common.max_connection_duration = durationFromMs(max);
    }
  }
  const keepalive = traffic.tcpKeepalive;
  if (keepalive) {
    const tcp: NonNullable<NonNullable<Cluster['upstream_connection_options']>['tcp_keepalive']> = {};
    if (keepalive.probes !== undefined) tcp.keepalive_probes = { value: keepalive.probes };
    if (keepalive.idleTimeSeconds !== undefined) tcp.keepalive_time = { value: keepalive.idleTimeSeconds };
    if (keepalive.intervalSeconds !== undefined) tcp.keepalive_interval = { value: keepalive.intervalSeconds };
    out.upstream_connection_options = { tcp_keepalive: tcp };
  }
}

/** Envoy's lb_policy (ROUND_ROBIN, the enum's zero, left out) with its slow start or Maglev table. */
function applyLoadBalancer(out: Cluster, lb: IrLoadBalancer): void {
  const slowStart =
    lb.slowStartWindowMs !== undefined
      ? { slow_start_config: { slow_start_window: durationFromMs(lb.slowStartWindowMs) } }
      : undefined;
  switch (lb.type) {
    case 'RoundRobin':
      if (slowStart) out.round_robin_lb_config = slowStart;
      break;
    case 'LeastRequest':
      out.lb_policy = 'LEAST_REQUEST';
      if (slowStart) out.least_request_lb_config = slowStart;
      break;
    case 'Random':
      out.lb_policy = 'RANDOM';
      break;
    case 'ConsistentHash':
      out.lb_policy = 'MAGLEV';
      if (lb.tableSize !== undefined) out.maglev_lb_config = { table_size: { value: lb.tableSize } };
      break;
  }
}

/**
 * An XBackendTrafficPolicy's retry budget, in the default-priority thresholds (a BackendTrafficPolicy's
 * circuitBreaker limits, when the cluster has them, stay as they are).
 */
export function applyRetryBudget(out: Cluster, budget: IrRetryBudget): void {
  const thresholds = (out.circuit_breakers ??= { thresholds: [{ priority: 'DEFAULT' }] }).thresholds!;
  thresholds[0]!.retry_budget = {
    budget_percent: { value: budget.budgetPercent },
    min_retry_concurrency: { value: budget.minRetryConcurrency },
  };
}

type ProtocolOptions = NonNullable<Cluster['typed_extension_protocol_options']>[string] & {
  '@type': typeof HTTP_PROTOCOL_OPTIONS;
};

/** The cluster's HttpProtocolOptions, added (with its protocol said explicitly, which Envoy requires) when it has none. */
export function httpProtocolOptions(out: Cluster, protocol: 'http1' | 'http2'): ProtocolOptions {
  const all = (out.typed_extension_protocol_options ??= {});
  let options = all[PROTOCOL_OPTIONS_KEY] as ProtocolOptions | undefined;
  if (!options) {
    options = {
      '@type': HTTP_PROTOCOL_OPTIONS,
      explicit_http_config: protocol === 'http2' ? { http2_protocol_options: {} } : { http_protocol_options: {} },
    };
    all[PROTOCOL_OPTIONS_KEY] = options;
  }
  return options;
}
