/**
 * The HTTP connection manager's tracing (XTelemetryPolicy): Envoy's OpenTelemetry tracer, which
 * exports spans with OTLP over gRPC to the collector's cluster.
 *
 * Sampling: every request is a candidate (`random_sampling` 100 %) and `overall_sampling`, which
 * Envoy applies last, to every decision, keeps the policy's share. So a client cannot raise the
 * rate (`x-client-trace-id` forces a trace only before `overall_sampling`), and a request whose
 * trace parent is not sampled is never traced (Envoy honours the parent's flag).
 */
import type { IrTracing } from '../../ir/types.js';
import { OPENTELEMETRY_CONFIG } from '../../proto/type-urls.js';
import type { envoy } from './types.js';

export const OPENTELEMETRY_TRACER = 'envoy.tracers.opentelemetry';

export function tracingConfig(
  tracing: IrTracing,
): envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.Tracing {
  return {
    random_sampling: { value: 100 },
    overall_sampling: { value: tracing.samplingPercent },
    custom_tags: tracing.attributes.map((a) =>
      'literal' in a
        ? { tag: a.name, literal: { value: a.literal } }
        : { tag: a.name, request_header: { name: a.requestHeader } },
    ),
    provider: {
      name: OPENTELEMETRY_TRACER,
      typed_config: {
        '@type': OPENTELEMETRY_CONFIG,
        grpc_service: {
          envoy_grpc: { cluster_name: tracing.clusterName },
          initial_metadata: tracing.exportHeaders.map((h) => ({ key: h.name, value: h.value })),
        },
        service_name: tracing.serviceName,
      },
    },
  };
}
