/** Per-Gateway xDS figures: connected proxies now, pushes and NACKs, the last push's time and version. */
import { gatewayXdsFamilies } from '../../src/debug/xds-metrics.js';
import { formatFamily } from '../../src/shared/metrics.js';
import { XdsMetrics } from '../../src/xds/metrics.js';

test('each Gateway its own series; a Gateway with proxies but no push yet shows zeros', () => {
  const metrics = new XdsMetrics();
  metrics.recordPush('type.googleapis.com/envoy.config.listener.v3.Listener', 2, 100, {
    gateway: 'apps/web',
    version: 'v1',
    atMs: 1_700_000_000_000,
  });
  metrics.recordPush('type.googleapis.com/envoy.config.cluster.v3.Cluster', 1, 50, {
    gateway: 'apps/web',
    version: 'v2',
    atMs: 1_700_000_001_500,
  });
  metrics.recordNack('type.googleapis.com/envoy.config.cluster.v3.Cluster', 'apps/web');
  const text = gatewayXdsFamilies(metrics.metrics(), [
    { gateway: 'apps/web' },
    { gateway: 'apps/web' },
    { gateway: 'ops/edge' },
  ])
    .map(formatFamily)
    .join('');
  const samples = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  expect(samples).toEqual([
    'portico_xds_gateway_connected_proxies{gateway="apps/web"} 2',
    'portico_xds_gateway_connected_proxies{gateway="ops/edge"} 1',
    'portico_xds_gateway_pushes_total{gateway="apps/web"} 2',
    'portico_xds_gateway_pushes_total{gateway="ops/edge"} 0',
    'portico_xds_gateway_nacks_total{gateway="apps/web"} 1',
    'portico_xds_gateway_nacks_total{gateway="ops/edge"} 0',
    'portico_xds_gateway_last_push_timestamp_seconds{gateway="apps/web"} 1700000001.5',
    'portico_xds_gateway_last_push_info{gateway="apps/web",version="v2"} 1',
  ]);
});
