/**
 * EndpointSlice propagation (issue 4 target: with 5,000 routes attached, an endpoint change reaches
 * Envoy's config in under 50 ms p99, and costs less than a tenth of a full translation).
 *
 * In one process: the pipeline (fed like the informers feed it: one upsert event per change, objects
 * spread over 64 sources per kind) and
 * the ADS server; a real Envoy connected to it. Each round scales one Service's EndpointSlice by
 * one endpoint and times until Envoy ACKs the EDS update (it ACKs after applying it), then checks
 * Envoy's `membership_total` for that cluster shows the new endpoint.
 *
 *   node --expose-gc dist/bench/endpoint-bench.js [--routes 5000] [--changes 40]
 *     [--quiet-ms 50] [--endpoint-quiet-ms 5]
 *
 * The batching defaults are the Kubernetes provider's: a 50 ms quiet period, and 5 ms for a burst
 * of EndpointSlice changes only.
 */
import { ENVOY_RUNTIME_FLAGS } from '../src/infra/envoy-flags.js';
import { parseArgs } from 'node:util';
import { Subject, filter, firstValueFrom } from 'rxjs';
import { CLUSTER_LOAD_ASSIGNMENT } from '../src/proto/type-urls.js';
import { generateObjects } from './generate.js';
import {
  integerFlag,
  machineLine,
  ms,
  nodeFlagsLine,
  printTable,
  runWithPorticoFlags,
  sleep,
  summarize,
} from './bench-util.js';
import { DEFAULT_ENDPOINT_QUIET_MS, startPipeline } from '../src/pipeline/pipeline.js';
import { DEFAULT_MAX_LATENCY_MS, DEFAULT_QUIET_MS } from '../src/pipeline/batch-with-latency-cap.js';
import { bucketedSource, type ResourceEvent } from '../src/pipeline/resource-store.js';
import { registerPipelineMetrics } from '../src/pipeline/pipeline-metrics.js';
import { MetricsRegistry } from '../src/shared/metrics.js';
import { buildResourceSet } from '../src/resources/resource-set.js';
import type { EndpointSlice } from '../src/resources/types.js';
import { translate } from '../src/translate/index.js';
import { AdsServer } from '../src/xds/index.js';
import { silentLogger } from '../src/shared/logger.js';
import { EnvoyAds, waitFor } from '../test/support/envoy-ads.js';
import { findEnvoy } from '../src/infra/envoy-binary.js';

const { values } = parseArgs({
  options: {
    routes: { type: 'string', default: '5000' },
    changes: { type: 'string', default: '40' },
    'quiet-ms': { type: 'string', default: String(DEFAULT_QUIET_MS) },
    'endpoint-quiet-ms': { type: 'string', default: String(DEFAULT_ENDPOINT_QUIET_MS) },
    delta: { type: 'boolean', default: false },
  },
});
const routes = integerFlag(values.routes, '--routes', 1);
const changes = integerFlag(values.changes, '--changes', 1);
const quietMs = integerFlag(values['quiet-ms'], '--quiet-ms', 0);
const endpointQuietMs = integerFlag(values['endpoint-quiet-ms'], '--endpoint-quiet-ms', 0);
const delta = values.delta === true;

async function main(): Promise<void> {
  const objects = generateObjects(routes);
  const gateway = objects.find((o) => o.kind === 'Gateway')!;
  const gatewayKey = `${gateway.metadata.namespace}/${gateway.metadata.name}`;
  const slices = objects.filter((o): o is EndpointSlice => o.kind === 'EndpointSlice');

  // The cost a change would have without the fast path: one full translation.
  const set = buildResourceSet(objects);
  translate(set, { listenerAddress: '127.0.0.1' });
  const fullRuns: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    translate(set, { listenerAddress: '127.0.0.1' });
    fullRuns.push(performance.now() - t);
  }

  const server = new AdsServer({ port: 0, logger: silentLogger });
  const xdsPort = await server.start();
  const events$ = new Subject<ResourceEvent>();
  const registry = new MetricsRegistry();
  const metrics = registerPipelineMetrics(registry);
  const pipeline = startPipeline(
    events$,
    { publisher: server, tracker: server, metrics },
    { quietMs, endpointQuietMs, maxLatencyMs: DEFAULT_MAX_LATENCY_MS, listenerAddress: '127.0.0.1' },
  );
  for (const object of objects) events$.next({ type: 'upsert', object, source: bucketedSource(object.kind, object) });
  events$.next({ type: 'synced' });
  const envoy = await EnvoyAds.start({
    xdsPort,
    nodeId: `${gatewayKey}/bench`,
    nodeCluster: gatewayKey,
    apiType: delta ? 'DELTA_GRPC' : 'GRPC',
    extraArgs: ENVOY_RUNTIME_FLAGS,
  });
  try {
    await waitFor(async () => server.programmed(gatewayKey).state === 'programmed', {
      timeoutMs: 120_000,
      what: 'Envoy to ACK the initial snapshot',
    });
    const latencies: number[] = [];
    // The part of it from the EDS response written to the stream until its ACK (Envoy's part).
    const pushToAck: number[] = [];
    for (let round = 0; round < changes; round++) {
      const slice = slices[(round * 7919) % slices.length]!;
      const cluster = `${slice.metadata.namespace}/${slice.metadata.labels!['kubernetes.io/service-name']}/80`;
      const stat = `cluster.${cluster}.membership_total`;
      const endpoints = [
        ...(slice.endpoints ?? []),
        { addresses: [`10.250.${round >> 8}.${round & 255}`], conditions: { ready: true } },
      ];
      const changed: EndpointSlice = { ...slice, endpoints };
      slices[(round * 7919) % slices.length] = changed;
      // Envoy ACKs an EDS update once it has applied it: that ACK is "reached Envoy's config".
      // (Polling Envoy's /stats instead would measure the admin API: it filters ~500,000 stats.)
      const acked = firstValueFrom(
        server.events$.pipe(filter((e) => e.kind === 'ack' && e.typeUrl === CLUSTER_LOAD_ASSIGNMENT)),
      );
      const started = performance.now();
      events$.next({ type: 'upsert', object: changed, source: bucketedSource('EndpointSlice', changed) });
      const ack = await Promise.race([
        acked,
        sleep(10_000).then(() => Promise.reject(new Error(`no EDS ACK for ${cluster}`))),
      ]);
      latencies.push(performance.now() - started);
      if (ack.kind === 'ack' && ack.latencyMs !== undefined) pushToAck.push(ack.latencyMs);
      // And the new endpoint is really in Envoy's cluster.
      await waitFor(async () => (await envoy.stats(stat)).get(stat) === endpoints.length, {
        timeoutMs: 10_000,
        what: `${cluster} to have ${endpoints.length} members`,
      });
      // Let Envoy's main thread finish that admin request (it scans every stat) before the next round.
      await sleep(300);
    }
    const refreshes = registry.render().match(/^portico_endpoint_refreshes_total (\d+)/m)?.[1];
    const change = summarize(latencies);
    const full = summarize(fullRuns);
    const envoyPart = summarize(pushToAck);
    console.log(
      `EndpointSlice propagation, ${routes} routes, ${changes} changes, quiet ${quietMs} ms (endpoints only: ${endpointQuietMs} ms), ${delta ? 'delta' : 'SotW'} ADS`,
    );
    console.log(`${machineLine(findEnvoy())}; node flags: ${nodeFlagsLine()}`);
    printTable(
      ['what', 'p50 ms', 'p99 ms', 'max ms'],
      [
        ['endpoint change → Envoy ACK (applied)', ms(change.p50), ms(change.p99), ms(change.max)],
        ['  of which EDS push → ACK', ms(envoyPart.p50), ms(envoyPart.p99), ms(envoyPart.max)],
        ['full translation (for comparison)', ms(full.p50), ms(full.p99), ms(full.max)],
      ],
    );
    console.log(`fast-path refreshes: ${refreshes ?? '?'} of ${changes} changes`);
  } finally {
    await envoy.stop();
    pipeline.stop();
    await server.stop(100);
    server.dispose();
  }
}

runWithPorticoFlags(main);
