/**
 * The ADS server's counters (`XdsMetricsSnapshot`, plain numbers from `src/xds/metrics.ts`) as
 * Prometheus families: pushes, ACKs, NACKs by resource kind, connected proxies, push-to-ACK latency.
 */
import { kindOfTypeUrl } from '../proto/type-urls.js';
import type { XdsMetricsSnapshot } from '../xds/metrics.js';
import type { MetricFamily, MetricSample } from '../shared/metrics.js';

export function xdsMetricFamilies(snapshot: XdsMetricsSnapshot): MetricFamily[] {
  const byKind = (name: string, help: string, record: Record<string, number>): MetricFamily => ({
    name,
    help,
    type: 'counter',
    samples: Object.entries(record)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([typeUrl, value]) => ({ name, labels: { kind: kindOfTypeUrl(typeUrl) ?? typeUrl }, value })),
  });
  const latency = snapshot.pushToAckLatencyMs;
  const latencyName = 'portico_xds_push_to_ack_seconds';
  const latencySamples: MetricSample[] = [
    ...latency.buckets.map((bucket) => ({
      name: `${latencyName}_bucket`,
      labels: { le: bucket.le === Infinity ? '+Inf' : String(bucket.le / 1000) },
      value: bucket.count,
    })),
    { name: `${latencyName}_sum`, labels: {}, value: latency.sum / 1000 },
    { name: `${latencyName}_count`, labels: {}, value: latency.count },
  ];
  return [
    byKind('portico_xds_pushes_total', 'xDS responses sent to proxies, by resource kind.', snapshot.pushes),
    byKind('portico_xds_resources_pushed_total', 'Resources carried by xDS responses.', snapshot.resourcesPushed),
    byKind('portico_xds_acks_total', 'ACKs received from proxies, by resource kind.', snapshot.acks),
    byKind('portico_xds_nacks_total', 'NACKs received from proxies, by resource kind.', snapshot.nacks),
    {
      name: 'portico_xds_connected_proxies',
      help: 'Proxies connected over ADS, by protocol.',
      type: 'gauge',
      samples: (['sotw', 'delta'] as const).map((protocol) => ({
        name: 'portico_xds_connected_proxies',
        labels: { protocol },
        value: snapshot.connectedProxies[protocol],
      })),
    },
    {
      name: 'portico_xds_rejected_streams_total',
      help: 'ADS streams refused (no node identity, unknown type).',
      type: 'counter',
      samples: [{ name: 'portico_xds_rejected_streams_total', labels: {}, value: snapshot.rejectedStreams }],
    },
    {
      name: 'portico_xds_denied_streams_total',
      help: 'ADS streams refused for their identity (PERMISSION_DENIED) or a bound (RESOURCE_EXHAUSTED), by reason.',
      type: 'counter',
      samples: Object.entries(snapshot.deniedStreams)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([reason, value]) => ({ name: 'portico_xds_denied_streams_total', labels: { reason }, value })),
    },
    {
      name: 'portico_xds_bytes_pushed_total',
      help: 'Bytes of xDS responses written.',
      type: 'counter',
      samples: [{ name: 'portico_xds_bytes_pushed_total', labels: {}, value: snapshot.bytesPushed }],
    },
    {
      name: latencyName,
      help: 'Time from sending a response to a proxy until it ACKed it.',
      type: 'histogram',
      samples: latencySamples,
    },
  ];
}
