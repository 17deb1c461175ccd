import { MetricsRegistry } from '../../src/shared/metrics.js';
import { xdsMetricFamilies } from '../../src/debug/xds-metrics.js';
import { XdsMetrics } from '../../src/xds/metrics.js';

describe('MetricsRegistry', () => {
  it('renders counters, gauges and histograms in the Prometheus text format', () => {
    const registry = new MetricsRegistry();
    const pushes = registry.counter('demo_pushes_total', 'Pushes.');
    pushes.inc({ kind: 'clusters' });
    pushes.inc({ kind: 'clusters' }, 2);
    pushes.inc({ kind: 'listeners' });
    registry.gauge('demo_proxies', 'Connected "proxies"\nnow.').set(3);
    const latency = registry.histogram('demo_latency_seconds', 'Latency.', [0.1, 1]);
    latency.observe(0.05);
    latency.observe(0.5);
    latency.observe(5);

    expect(registry.render()).toBe(
      [
        '# HELP demo_pushes_total Pushes.',
        '# TYPE demo_pushes_total counter',
        'demo_pushes_total{kind="clusters"} 3',
        'demo_pushes_total{kind="listeners"} 1',
        '# HELP demo_proxies Connected "proxies"\\nnow.',
        '# TYPE demo_proxies gauge',
        'demo_proxies 3',
        '# HELP demo_latency_seconds Latency.',
        '# TYPE demo_latency_seconds histogram',
        'demo_latency_seconds_bucket{le="0.1"} 1',
        'demo_latency_seconds_bucket{le="1"} 2',
        'demo_latency_seconds_bucket{le="+Inf"} 3',
        'demo_latency_seconds_sum 5.55',
        'demo_latency_seconds_count 3',
        '',
      ].join('\n'),
    );
  });

  it('escapes label values and treats label order as irrelevant', () => {
    const registry = new MetricsRegistry();
    const counter = registry.counter('demo_total', 'Demo.');
    counter.inc({ a: '1', b: 'x"y\\z\n' });
    counter.inc({ b: 'x"y\\z\n', a: '1' });
    expect(registry.render()).toContain('demo_total{a="1",b="x\\"y\\\\z\\n"} 2\n');
  });

  it('appends collectors, skipping a failing one and families already registered', () => {
    const registry = new MetricsRegistry();
    registry.counter('demo_total', 'Demo.').inc();
    registry.addCollector(() => {
      throw new Error('broken source');
    });
    registry.addCollector(() => [
      {
        name: 'demo_total',
        help: 'duplicate',
        type: 'counter',
        samples: [{ name: 'demo_total', labels: {}, value: 9 }],
      },
      { name: 'other', help: 'Other.', type: 'gauge', samples: [{ name: 'other', labels: {}, value: 1 }] },
    ]);
    registry.addCollector(() => '# TYPE external_total counter\nexternal_total 4');
    expect(registry.render()).toBe(
      [
        '# HELP demo_total Demo.',
        '# TYPE demo_total counter',
        'demo_total 1',
        '# HELP other Other.',
        '# TYPE other gauge',
        'other 1',
        '# TYPE external_total counter',
        'external_total 4',
        '',
      ].join('\n'),
    );
  });

  it('refuses invalid and duplicate metric names', () => {
    const registry = new MetricsRegistry();
    registry.counter('ok_total', 'x');
    expect(() => registry.counter('ok_total', 'x')).toThrow(/already registered/);
    expect(() => registry.gauge('bad-name', 'x')).toThrow(/invalid metric name/);
  });
});

describe('xdsMetricFamilies', () => {
  it('turns the ADS server snapshot into Prometheus families', () => {
    const xds = new XdsMetrics();
    xds.recordPush('type.googleapis.com/envoy.config.cluster.v3.Cluster', 2, 100);
    xds.recordAck('type.googleapis.com/envoy.config.cluster.v3.Cluster', 3);
    xds.recordNack('type.googleapis.com/envoy.config.listener.v3.Listener');
    xds.streamOpened('delta');
    const registry = new MetricsRegistry();
    registry.addCollector(() => xdsMetricFamilies(xds.metrics()));
    const text = registry.render();
    expect(text).toContain('portico_xds_pushes_total{kind="clusters"} 1\n');
    expect(text).toContain('portico_xds_acks_total{kind="clusters"} 1\n');
    expect(text).toContain('portico_xds_nacks_total{kind="listeners"} 1\n');
    expect(text).toContain('portico_xds_connected_proxies{protocol="delta"} 1\n');
    expect(text).toContain('portico_xds_push_to_ack_seconds_bucket{le="0.005"} 1\n');
    expect(text).toContain('portico_xds_push_to_ack_seconds_bucket{le="+Inf"} 1\n');
    expect(text).toContain('portico_xds_push_to_ack_seconds_count 1\n');
  });
});
