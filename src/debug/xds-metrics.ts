/**
 * The ADS server's counters (`XdsMetricsSnapshot`, plain numbers from `src/xds/metrics.ts`) as
 * Prometheus families: pushes, ACKs, NACKs by resource kind, connected proxies, push-to-ACK latency;
 * and per Gateway (label `gateway="<namespace>/<name>"`): connected proxies, pushes, NACKs, the
 * last push's time and snapshot version. Gateway names and snapshot versions (hashes) are all
 * these say of a tenant: no hostname, route, backend or NACK message (README "Observability").
 */
import { kindOfTypeUrl } from '../proto/type-urls.js';
import type { XdsMetricsSnapshot } from '../xds/metrics.js';
import type { ClientInfo } from '../xds/contract.js';
import type { MetricFamily, MetricSample } from '../shared/metrics.js';

/** Per-Gateway families: `clients` are the connected proxies now (`ProxyTracker.clients()`). */
export function gatewayXdsFamilies(
  snapshot: XdsMetricsSnapshot,
  clients: readonly Pick<ClientInfo, 'gateway'>[],
): MetricFamily[] {
  const connected = new Map<string, number>();
  for (const c of clients) connected.set(c.gateway, (connected.get(c.gateway) ?? 0) + 1);
  const gateways = [...new Set([...Object.keys(snapshot.gateways), ...connected.keys()])].sort();
  const family = (
    name: string,
    help: string,
    type: 'counter' | 'gauge',
    value: (gateway: string) => number | undefined,
  ): MetricFamily => ({
    name,
    help,
    type,
    samples: gateways.flatMap((gateway) => {
      const v = value(gateway);
      return v === undefined ? [] : [{ name, labels: { gateway }, value: v }];
    }),
  });
  const pushed = (gateway: string) => snapshot.gateways[gateway];
  return [
    family(
      'portico_xds_gateway_connected_proxies',
      'Proxies connected over ADS, by Gateway.',
      'gauge',
      (g) => connected.get(g) ?? 0,
    ),
    family(
      'portico_xds_gateway_pushes_total',
      'xDS responses sent to proxies, by Gateway.',
      'counter',
      (g) => pushed(g)?.pushes ?? 0,
    ),
    family(
      'portico_xds_gateway_nacks_total',
      'NACKs received from proxies, by Gateway.',
      'counter',
      (g) => pushed(g)?.nacks ?? 0,
    ),
    family(
      'portico_xds_gateway_last_push_timestamp_seconds',
      'When the last xDS response was sent to a proxy of the Gateway (Unix time).',
      'gauge',
      (g) => (pushed(g)?.lastPushAtMs ? pushed(g)!.lastPushAtMs / 1000 : undefined),
    ),
    {
      name: 'portico_xds_gateway_last_push_info',
      help: 'The snapshot version (a hash of its resources) of the last xDS response sent, by Gateway; always 1.',
      type: 'gauge',
      samples: gateways.flatMap((gateway) => {
        const version = pushed(gateway)?.lastPushVersion;
        return version ? [{ name: 'portico_xds_gateway_last_push_info', labels: { gateway, version }, value: 1 }] : [];
      }),
    },
  ];
}

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
