/**
 * The metrics the pipeline records. Proxy-side numbers (pushes, ACKs, NACKs, connected proxies,
 * push-to-ACK latency) are the ADS server's: see `src/debug/xds-metrics.ts`.
 */
import type { Counter, Histogram, MetricsRegistry } from '../shared/metrics.js';

export interface PipelineMetrics {
  translationDuration: Histogram;
  translations: Counter;
  snapshotBuilds: Counter;
  snapshotsUnchanged: Counter;
  gatewayRemovals: Counter;
  endpointRefreshes: Counter;
}

export function registerPipelineMetrics(registry: MetricsRegistry): PipelineMetrics {
  return {
    translationDuration: registry.histogram(
      'portico_translation_duration_seconds',
      'Time to translate the whole resource set into Envoy resources.',
    ),
    translations: registry.counter('portico_translations_total', 'Translations run, by result (ok, error).'),
    snapshotBuilds: registry.counter(
      'portico_snapshot_builds_total',
      'Per-Gateway snapshots published to the ADS server because their content changed.',
    ),
    snapshotsUnchanged: registry.counter(
      'portico_snapshots_unchanged_total',
      'Per-Gateway snapshots not republished because their content hash did not change.',
    ),
    gatewayRemovals: registry.counter('portico_gateway_removals_total', 'Gateways removed from the ADS server.'),
    endpointRefreshes: registry.counter(
      'portico_endpoint_refreshes_total',
      'Batches of EndpointSlice-only changes applied without a full translation.',
    ),
  };
}
