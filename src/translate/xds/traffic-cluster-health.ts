/**
 * A BackendTrafficPolicy's `healthCheck` on the policy's copy of a backend cluster: `active` as
 * Envoy's health_checks (one checker), `passive` as its outlier_detection.
 */
import type { IrHealthCheck, IrHealthCheckPayload } from '../../ir/types.js';
import { durationFromMs } from './duration.js';
import type { Cluster, envoy } from './types.js';

type HealthCheck = envoy.config.core.v3.HealthCheck;
type Payload = envoy.config.core.v3.HealthCheck.Payload;

/** Sorted statuses as Envoy's half-open ranges: [200, 201, 204] → [200, 202), [204, 205). */
export function statusRanges(statuses: readonly number[]): envoy.type.v3.Int64Range[] {
  const ranges: { start: number; end: number }[] = [];
  for (const s of statuses) {
    const last = ranges.at(-1);
    if (last && last.end === s) last.end = s + 1;
    else ranges.push({ start: s, end: s + 1 });
  }
  return ranges;
}

/** Envoy's `text` payload is hex: the text's UTF-8 bytes, hex-encoded. */
function payload(p: IrHealthCheckPayload): Payload {
  return 'text' in p ? { text: Buffer.from(p.text, 'utf8').toString('hex') } : { binary: p.binary };
}

function activeHealthCheck(active: NonNullable<IrHealthCheck['active']>, protocol: string): HealthCheck {
  const out: HealthCheck = {
    timeout: durationFromMs(active.timeoutMs),
    interval: durationFromMs(active.intervalMs),
    // Envoy probes a cluster that has had no traffic yet every 60s: the interval asked for holds
    // from the start (a backend taken out before the first request is seen as soon as afterwards).
    no_traffic_interval: durationFromMs(active.intervalMs),
    unhealthy_threshold: { value: active.unhealthyThreshold },
    healthy_threshold: { value: active.healthyThreshold },
  };
  if (active.http) {
    const http: envoy.config.core.v3.HealthCheck.HttpHealthCheck = { path: active.http.path };
    if (active.http.method) http.method = active.http.method as envoy.config.core.v3.RequestMethod;
    if (active.http.expectedStatuses.length > 0) http.expected_statuses = statusRanges(active.http.expectedStatuses);
    // The probe speaks what the cluster speaks (Envoy's default is HTTP/1.1).
    if (protocol === 'http2') http.codec_client_type = 'HTTP2';
    out.http_health_check = http;
  } else if (active.tcp) {
    const tcp: envoy.config.core.v3.HealthCheck.TcpHealthCheck = {};
    if (active.tcp.send) tcp.send = payload(active.tcp.send);
    if (active.tcp.receive) tcp.receive = [payload(active.tcp.receive)];
    out.tcp_health_check = tcp;
  } else if (active.grpc) {
    out.grpc_health_check = active.grpc.service !== undefined ? { service_name: active.grpc.service } : {};
  }
  return out;
}

function outlierDetection(passive: NonNullable<IrHealthCheck['passive']>): envoy.config.cluster.v3.OutlierDetection {
  const out: envoy.config.cluster.v3.OutlierDetection = {
    interval: durationFromMs(passive.intervalMs),
    base_ejection_time: durationFromMs(passive.baseEjectionTimeMs),
    max_ejection_percent: { value: passive.maxEjectionPercent },
    split_external_local_origin_errors: passive.splitExternalLocalOriginErrors,
  };
  // A count of 0 turns the detector off: Envoy's is on at 100% enforcement by default (5xx, local origin).
  if (passive.consecutive5XxErrors > 0) out.consecutive_5xx = { value: passive.consecutive5XxErrors };
  else out.enforcing_consecutive_5xx = { value: 0 };
  if (passive.consecutiveLocalOriginFailures > 0)
    out.consecutive_local_origin_failure = { value: passive.consecutiveLocalOriginFailures };
  else out.enforcing_consecutive_local_origin_failure = { value: 0 };
  // Envoy enforces gateway failures at 0% by default: a count asks for them to eject.
  if (passive.consecutiveGatewayErrors > 0) {
    out.consecutive_gateway_failure = { value: passive.consecutiveGatewayErrors };
    out.enforcing_consecutive_gateway_failure = { value: 100 };
  }
  return out;
}

export function applyHealthCheck(out: Cluster, health: IrHealthCheck, protocol: string): void {
  // Envoy refuses gRPC health checking on a cluster that does not speak HTTP/2: a gRPC probe is
  // for backends that do (appProtocol kubernetes.io/h2c or grpc) and left out elsewhere
  // (docs/spec-decisions.md).
  const active = health.active?.grpc && protocol !== 'http2' ? undefined : health.active;
  if (active) out.health_checks = [activeHealthCheck(active, protocol)];
  if (health.passive) out.outlier_detection = outlierDetection(health.passive);
}
