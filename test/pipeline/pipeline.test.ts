import { Subject, VirtualTimeScheduler } from 'rxjs';
import { MetricsRegistry } from '../../src/shared/metrics.js';
import { Pipeline, PROXY_STATUS_INTERVAL_MS } from '../../src/pipeline/pipeline.js';
import type { PipelineOutput } from '../../src/pipeline/pipeline.js';
import type { Logger } from '../../src/shared/logger.js';
import { registerPipelineMetrics } from '../../src/pipeline/pipeline-metrics.js';
import type { ResourceEvent } from '../../src/pipeline/resource-store.js';
import type { Condition, EndpointSlice, KubeObject } from '../../src/resources/types.js';
import { translate } from '../../src/translate/index.js';
import { FakeXds } from '../support/fake-xds.js';
import { gateway, gatewayClass, httpRoute, service } from '../support/quickstart-objects.js';

interface Harness {
  scheduler: VirtualTimeScheduler;
  events: Subject<ResourceEvent>;
  xds: FakeXds;
  pipeline: Pipeline;
  outputs: PipelineOutput[];
  /** Runs the batching timers. */
  flush(): void;
  translations: () => number;
}

function harness(translator = translate): Harness {
  const events = new Subject<ResourceEvent>();
  const xds = new FakeXds();
  const scheduler = new VirtualTimeScheduler();
  let translations = 0;
  const pipeline = new Pipeline(
    events,
    {
      publisher: xds,
      tracker: xds,
      scheduler,
      now: () => new Date('2024-05-01T12:00:00Z'),
      translator: (resources, options) => {
        translations += 1;
        return translator(resources, options);
      },
    },
    { quietMs: 50, maxLatencyMs: 200, listenerAddress: '127.0.0.1' },
  );
  const outputs: PipelineOutput[] = [];
  pipeline.output$.subscribe((o) => outputs.push(o));
  return {
    scheduler,
    events,
    xds,
    pipeline,
    outputs,
    flush: () => scheduler.flush(),
    translations: () => translations,
  };
}

function gatewayCondition(h: Harness, name: string, type: string): Condition | undefined {
  const gw = h.pipeline.latestStatus().resources.find((r) => r.kind === 'Gateway' && r.metadata.name === name);
  return (gw?.status as { conditions?: Condition[] } | undefined)?.conditions?.find((c) => c.type === type);
}

const base: KubeObject[] = [gatewayClass, gateway('a', 8080), gateway('b', 8081), service('web'), service('api')];

describe('pipeline', () => {
  it('translates nothing before the provider is synced, then publishes every accepted Gateway', () => {
    const h = harness();
    h.events.next({ type: 'replace', source: 'one.yaml', objects: base });
    h.flush();
    expect(h.translations()).toBe(0);
    expect(h.pipeline.synced).toBe(false);

    h.events.next({ type: 'synced' });
    h.flush();
    expect(h.xds.calls).toEqual(['publish default/a', 'publish default/b']);
    expect(h.pipeline.synced).toBe(true);
    expect(h.xds.snapshots.get('default/a')?.resources.listeners[0]).toMatchObject({
      address: { socket_address: { address: '127.0.0.1', port_value: 8080 } },
    });
  });

  it('batches a burst of events into one translation', () => {
    const h = harness();
    h.events.next({ type: 'synced' });
    for (const object of base) h.events.next({ type: 'upsert', object });
    h.flush();
    expect(h.translations()).toBe(1);
    expect(h.outputs).toHaveLength(1);
  });

  it('ends a burst of EndpointSlice changes after 5 ms, any other burst after the quiet period', () => {
    const h = harness();
    const slice = (ip: string): EndpointSlice => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-x1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [ip], conditions: { ready: true } }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
    const outputTimes: number[] = [];
    h.pipeline.output$.subscribe(() => outputTimes.push(h.scheduler.now()));
    h.events.next({ type: 'replace', source: 'base.yaml', objects: [...base, httpRoute('web', 'a', 'web')] });
    h.events.next({ type: 'synced' });
    h.flush();
    const burst = (events: ResourceEvent[]): number => {
      const start = h.scheduler.now();
      for (const event of events) h.events.next(event);
      h.flush();
      return outputTimes.at(-1)! - start;
    };
    expect(burst([{ type: 'upsert', object: slice('10.0.0.1') }])).toBe(5);
    expect(h.xds.snapshots.get('default/a')?.resources.endpoints[0]).toMatchObject({
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.0.0.1' } } } }] }],
    });
    expect(burst([{ type: 'delete', object: slice('10.0.0.1') }])).toBe(5);
    expect(burst([{ type: 'upsert', object: httpRoute('api', 'a', 'api') }])).toBe(50);
    // Mixed: the burst is not only endpoints, so it waits as any other.
    expect(
      burst([
        { type: 'upsert', object: slice('10.0.0.2') },
        { type: 'upsert', object: httpRoute('api2', 'a', 'api') },
      ]),
    ).toBe(50);
    // A file replacement may hold anything: not the EndpointSlice path's 5 ms, but, coming alone
    // 50 ms after the change before, a lone change's 1 ms.
    expect(burst([{ type: 'replace', source: 'slices.yaml', objects: [slice('10.0.0.3')] }])).toBe(1);
  });

  it('translates a lone change after 1 ms; a burst, or a change close behind another, waits the quiet period', () => {
    const h = harness();
    const outputTimes: number[] = [];
    h.pipeline.output$.subscribe(() => outputTimes.push(h.scheduler.now()));
    h.events.next({ type: 'replace', source: 'base.yaml', objects: base });
    h.events.next({ type: 'synced' });
    h.flush();
    const wait = (ms: number): void => {
      h.scheduler.schedule(() => undefined, ms);
      h.flush();
    };
    const burst = (events: ResourceEvent[]): number => {
      const start = h.scheduler.now();
      const before = h.translations();
      for (const event of events) h.events.next(event);
      h.flush();
      expect(h.translations()).toBe(before + 1);
      return outputTimes.at(-1)! - start;
    };
    wait(1000);
    expect(burst([{ type: 'upsert', object: httpRoute('web', 'a', 'web') }])).toBe(1);
    // 20 ms after the last change: lone again.
    wait(20);
    expect(burst([{ type: 'upsert', object: httpRoute('web', 'a', 'api') }])).toBe(1);
    // 5 ms after it (the next object of a `kubectl apply`): the quiet period.
    wait(5);
    expect(burst([{ type: 'upsert', object: httpRoute('api', 'a', 'api') }])).toBe(50);
    wait(1000);
    // Two changes at once: one batch, after the quiet period.
    expect(
      burst([
        { type: 'upsert', object: httpRoute('web2', 'a', 'web') },
        { type: 'upsert', object: httpRoute('api2', 'a', 'api') },
      ]),
    ).toBe(50);
    expect(h.outputs.at(-1)!.resources.filter((r) => r.kind === 'HTTPRoute')).toHaveLength(4);
  });

  it('republishes only the Gateway whose xDS changed', () => {
    const h = harness();
    h.events.next({ type: 'replace', source: 'base.yaml', objects: base });
    h.events.next({ type: 'synced' });
    h.flush();
    h.xds.calls.length = 0;

    // Same content again: nothing is republished.
    h.events.next({ type: 'replace', source: 'base.yaml', objects: structuredClone(base) });
    h.flush();
    expect(h.translations()).toBe(2);
    expect(h.xds.calls).toEqual([]);

    h.events.next({ type: 'upsert', source: 'routes.yaml', object: httpRoute('web', 'a', 'web') });
    h.flush();
    expect(h.xds.calls).toEqual(['publish default/a']);
  });

  it('removes a Gateway that disappeared', () => {
    const h = harness();
    h.events.next({ type: 'replace', source: 'base.yaml', objects: base });
    h.events.next({ type: 'synced' });
    h.flush();
    h.events.next({ type: 'delete', source: 'base.yaml', object: gateway('b', 8081) });
    h.flush();
    expect(h.xds.calls).toEqual(['publish default/a', 'publish default/b', 'remove default/b']);
    expect(h.outputs.at(-1)?.gateways.map((g) => g.name)).toEqual(['default/a']);
  });

  it('keeps the last good output when translation throws, and recovers', () => {
    let fail = false;
    const h = harness((resources, options) => {
      if (fail) throw new Error('boom');
      return translate(resources, options);
    });
    h.events.next({ type: 'replace', source: 'base.yaml', objects: base });
    h.events.next({ type: 'synced' });
    h.flush();

    fail = true;
    h.events.next({ type: 'delete', source: 'base.yaml', object: gateway('a') });
    h.flush();
    expect(h.xds.calls).toEqual(['publish default/a', 'publish default/b']);
    expect(h.outputs.at(-1)?.gateways.map((g) => g.name)).toEqual(['default/a', 'default/b']);
    expect(h.pipeline.latestStatus().errors).toEqual([{ stage: 'translate', message: 'boom' }]);

    fail = false;
    h.events.next({ type: 'upsert', source: 'base.yaml', object: service('other') });
    h.flush();
    expect(h.xds.calls.at(-1)).toBe('remove default/a');
    expect(h.pipeline.latestStatus().errors).toEqual([]);
  });

  it('collects a publisher error and publishes again on the next output', () => {
    const h = harness();
    h.xds.failPublish = new Error('server not ready');
    h.events.next({ type: 'replace', source: 'base.yaml', objects: [gatewayClass, gateway('a')] });
    h.events.next({ type: 'synced' });
    h.flush();
    expect(h.pipeline.latestStatus().errors).toEqual([
      { stage: 'publish', gateway: 'default/a', message: 'server not ready' },
    ]);
    h.xds.failPublish = undefined;
    h.events.next({ type: 'upsert', source: 'base.yaml', object: service('web') });
    h.flush();
    expect(h.xds.calls).toEqual(['publish default/a']);
  });

  it('derives Gateway Programmed from the proxies: Pending, then Programmed on ACK, Invalid on NACK', () => {
    const h = harness();
    h.events.next({ type: 'replace', source: 'base.yaml', objects: [gatewayClass, gateway('a')] });
    h.events.next({ type: 'synced' });
    h.flush();
    expect(gatewayCondition(h, 'a', 'Programmed')).toMatchObject({
      status: 'False',
      reason: 'Pending',
      message: 'no Envoy of this Gateway is connected',
      observedGeneration: 1,
    });
    expect(gatewayCondition(h, 'a', 'Accepted')).toMatchObject({ status: 'True' });

    h.xds.connect('default/a/host-0', 'default/a');
    expect(gatewayCondition(h, 'a', 'Programmed')).toMatchObject({ status: 'False', reason: 'Pending' });
    // Within one status interval of the connect: the report follows at the interval's end.
    h.xds.ack('default/a/host-0');
    h.flush();
    expect(gatewayCondition(h, 'a', 'Programmed')).toMatchObject({ status: 'True', reason: 'Programmed' });

    h.xds.nack('default/a/host-0', 'cluster default/web/80: invalid');
    h.flush();
    expect(gatewayCondition(h, 'a', 'Programmed')).toMatchObject({
      status: 'False',
      reason: 'Invalid',
      message: 'Envoy rejected the configuration: cluster default/web/80: invalid',
    });
  });

  it('follows a burst of proxy events with two status reports, the first at once and the last one', () => {
    const h = harness();
    h.events.next({ type: 'replace', source: 'base.yaml', objects: [gatewayClass, gateway('a')] });
    h.events.next({ type: 'synced' });
    h.flush();
    const reports: string[] = [];
    const start = h.scheduler.now();
    h.pipeline.status$.subscribe(() =>
      reports.push(`${gatewayCondition(h, 'a', 'Programmed')?.reason ?? '-'}@${h.scheduler.now() - start}`),
    );
    reports.length = 0;
    for (let i = 0; i < 200; i++) h.xds.connect(`default/a/envoy-${i}`, 'default/a');
    // The first event is followed at once; nothing else until the interval ends.
    expect(reports).toEqual(['Pending@0']);
    for (let i = 0; i < 200; i++) h.xds.ack(`default/a/envoy-${i}`);
    expect(reports).toEqual(['Pending@0']);
    h.flush();
    expect(reports).toEqual(['Pending@0', `Programmed@${PROXY_STATUS_INTERVAL_MS}`]);
  });

  it('keeps lastTransitionTime of conditions that did not change across translations', () => {
    let now = '2024-05-01T12:00:00Z';
    const events = new Subject<ResourceEvent>();
    const xds = new FakeXds();
    const scheduler = new VirtualTimeScheduler();
    const pipeline = new Pipeline(events, { publisher: xds, tracker: xds, scheduler, now: () => new Date(now) });
    events.next({ type: 'replace', source: 'base.yaml', objects: [gatewayClass, gateway('a')] });
    events.next({ type: 'synced' });
    scheduler.flush();
    now = '2024-05-01T13:00:00Z';
    events.next({ type: 'upsert', source: 'base.yaml', object: service('web') });
    scheduler.flush();
    const gw = pipeline.latestStatus().resources.find((r) => r.kind === 'Gateway');
    const conditions = (gw?.status as { conditions: Condition[] }).conditions;
    expect(conditions.map((c) => [c.type, c.lastTransitionTime])).toEqual([
      ['Accepted', '2024-05-01T12:00:00Z'],
      ['Programmed', '2024-05-01T12:00:00Z'],
    ]);
  });

  it('records translation metrics', () => {
    const events = new Subject<ResourceEvent>();
    const xds = new FakeXds();
    const scheduler = new VirtualTimeScheduler();
    const registry = new MetricsRegistry();
    const metrics = registerPipelineMetrics(registry);
    new Pipeline(events, { publisher: xds, tracker: xds, scheduler, metrics });
    events.next({ type: 'replace', source: 'base.yaml', objects: [gatewayClass, gateway('a')] });
    events.next({ type: 'synced' });
    scheduler.flush();
    events.next({ type: 'upsert', source: 'base.yaml', object: service('web') });
    scheduler.flush();
    expect(metrics.translationDuration.count()).toBe(2);
    expect(metrics.translations.get({ result: 'ok' })).toBe(2);
    expect(metrics.snapshotBuilds.get()).toBe(1);
    expect(metrics.snapshotsUnchanged.get()).toBe(1);
    expect(registry.render()).toContain('portico_snapshot_builds_total 1\n');
  });
});

describe('pipeline warnings', () => {
  it('logs each warning once while it lasts, and again when it comes back', () => {
    const warned: string[] = [];
    const logger: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (msg) => void warned.push(msg),
      error: () => undefined,
      child: () => logger,
    };
    const events = new Subject<ResourceEvent>();
    const xds = new FakeXds();
    const scheduler = new VirtualTimeScheduler();
    const pipeline = new Pipeline(
      events,
      { publisher: xds, tracker: xds, scheduler, logger, now: () => new Date('2024-05-01T12:00:00Z') },
      { quietMs: 50, maxLatencyMs: 200 },
    );
    const tlsRoute: KubeObject = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'BackendLBPolicy',
      metadata: { name: 'rpc', namespace: 'default' },
      spec: {},
    };
    try {
      events.next({ type: 'replace', source: 'base.yaml', objects: base });
      events.next({ type: 'replace', source: 'rpc.yaml', objects: [tlsRoute] });
      events.next({ type: 'synced' });
      scheduler.flush();
      expect(warned).toEqual(['ignoring BackendLBPolicy rpc: kind not supported']);
      // Another change, the warning still true: not logged again.
      events.next({ type: 'replace', source: 'routes.yaml', objects: [httpRoute('r', 'a', 'web')] });
      scheduler.flush();
      expect(warned).toHaveLength(1);
      // Gone, then back: logged again.
      events.next({ type: 'replace', source: 'rpc.yaml', objects: [] });
      scheduler.flush();
      events.next({ type: 'replace', source: 'rpc.yaml', objects: [tlsRoute] });
      scheduler.flush();
      expect(warned).toEqual([
        'ignoring BackendLBPolicy rpc: kind not supported',
        'ignoring BackendLBPolicy rpc: kind not supported',
      ]);
    } finally {
      pipeline.stop();
    }
  });
});
