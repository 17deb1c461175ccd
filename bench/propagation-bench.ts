/**
 * Propagation benchmark: time from a change written to the watched directory to the first request
 * that a real Envoy routes according to it.
 *
 * Per size (and per batching quiet period): `startServe` in this process (file provider →
 * pipeline → ADS server), a directory with one Gateway, N HTTPRoutes (bench/generate.ts's shape, one
 * file per route), their Services and EndpointSlices (pointing at a few echo backends on 127.0.0.1),
 * and one real Envoy connected over ADS. Then, K times: rewrite one route's file so that its path
 * moves to another (already used) backend, and poll through Envoy every ~1 ms until the reply comes
 * from that backend. Echo backends and the poller run in a worker thread so that the main thread's
 * event loop is Portico's alone.
 *
 * Where the time goes comes from Portico's own debug logs (captured in memory, not printed) and
 * metrics: file read (`read files`), translation (`translated`, with its duration), the first RDS
 * `push`, and the push-to-ACK histogram of `/metrics`.
 *
 *   node --expose-gc dist/bench/propagation-bench.js [--sizes 100,1000,3000] [--iterations 20]
 *     [--quiet-ms 10,50] [--max-latency-ms 200]
 */
import { ENVOY_RUNTIME_FLAGS } from '../src/infra/envoy-flags.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { stringify } from 'yaml';
import { FILE_QUIET_MS } from '../src/serve/file-mode.js';
import { startServe } from '../src/serve/serve.js';
import type { RunningServe } from '../src/serve/serve-config.js';
import { DEFAULT_SETTLE_MS, FileProvider } from '../src/file/file-provider.js';
import { findEnvoy } from '../src/infra/envoy-binary.js';
import { DEFAULT_MAX_LATENCY_MS, DEFAULT_QUIET_MS } from '../src/pipeline/batch-with-latency-cap.js';
import type { LogFields, Logger } from '../src/shared/logger.js';
import { ROUTE_CONFIGURATION } from '../src/proto/type-urls.js';
import { buildResourceSet } from '../src/resources/resource-set.js';
import type { EndpointSlice, Gateway, HTTPRoute, KubeObject, Service } from '../src/resources/types.js';
import { TranslationCache, translate } from '../src/translate/index.js';
import { SnapshotCache } from '../src/xds/index.js';
import { EnvoyAds, freePort, waitFor } from '../test/support/envoy-ads.js';
import { request } from '../test/support/http-client.js';
import {
  integerFlag,
  integerList,
  machineLine,
  ms,
  nodeFlagsLine,
  printTable,
  runWithPorticoFlags,
  sleep,
  summarize,
  wallNow,
} from './bench-util.js';
import type { Summary } from './bench-util.js';
import { generateObjects } from './generate.js';
import type { PollRequest, WorkerMessage } from './propagation-worker.js';

const NAMESPACE = 'bench';
const GATEWAY = `${NAMESPACE}/bench`;
const ECHO_BACKENDS = 4;
const PROBE_BACKEND = 'probe-target';
const PROBE_SERVICE = 'probe';

// ---------------------------------------------------------------------------------------------
// Worker (echo backends + poller)

class BenchWorker {
  private readonly waiters = new Map<number, (m: WorkerMessage) => void>();
  private nextId = 0;
  private constructor(
    private readonly worker: Worker,
    readonly ports: Record<string, number>,
  ) {
    worker.on('message', (m: WorkerMessage) => {
      if (m.type !== 'ready') this.waiters.get(m.id)?.(m);
    });
  }

  static async start(backends: string[]): Promise<BenchWorker> {
    const worker = new Worker(new URL('./propagation-worker.js', import.meta.url), { workerData: { backends } });
    const ports = await new Promise<Record<string, number>>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (m: WorkerMessage) => {
        if (m.type === 'ready') resolve(m.ports);
      });
    });
    return new BenchWorker(worker, ports);
  }

  /**
   * Starts polling; `started` resolves with the first reply's backend (the old one), `done` with
   * the time the expected backend first answered (NaN on timeout).
   */
  poll(options: Omit<PollRequest, 'type' | 'id'>): { started: Promise<string>; done: Promise<number> } {
    const id = ++this.nextId;
    let onStarted: (first: string) => void = () => undefined;
    let onDone: (at: number) => void = () => undefined;
    const started = new Promise<string>((resolve) => (onStarted = resolve));
    const done = new Promise<number>((resolve) => (onDone = resolve));
    this.waiters.set(id, (m) => {
      if (m.type === 'started') onStarted(m.first);
      else if (m.type === 'seen') {
        onStarted(PROBE_BACKEND); // already visible: reported as a bad start by the caller
        onDone(m.at);
        this.waiters.delete(id);
      } else if (m.type === 'timeout') {
        onStarted(m.last);
        onDone(NaN);
        this.waiters.delete(id);
      }
    });
    this.worker.postMessage({ type: 'poll', id, ...options } satisfies PollRequest);
    return { started, done };
  }

  async stop(): Promise<void> {
    this.worker.postMessage({ type: 'stop' });
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    const timer = setTimeout(() => void this.worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// What Portico logs, as timestamps

interface Marks {
  /** The file provider read changed files. */
  read: number[];
  /** The pipeline translated and published; `ms` is the translation's own duration. */
  translated: { at: number; ms: number }[];
  /** RDS responses written to Envoy. */
  rdsPush: number[];
}

class CapturingLogger implements Logger {
  constructor(
    private readonly capture: { recording: boolean; marks: Marks },
    private readonly bound: LogFields = {},
  ) {}

  debug(msg: string, fields?: LogFields): void {
    if (!this.capture.recording) return;
    const at = wallNow();
    const marks = this.capture.marks;
    if (msg === 'read files') marks.read.push(at);
    else if (msg === 'translated') marks.translated.push({ at, ms: Number(fields?.ms) });
    else if (msg === 'push' && fields?.typeUrl === ROUTE_CONFIGURATION) marks.rdsPush.push(at);
  }
  info(): void {}
  warn(msg: string, fields?: LogFields): void {
    console.error(JSON.stringify({ level: 'warn', msg, ...this.bound, ...fields }));
  }
  error(msg: string, fields?: LogFields): void {
    console.error(JSON.stringify({ level: 'error', msg, ...this.bound, ...fields }));
  }
  child(fields: LogFields): Logger {
    return new CapturingLogger(this.capture, { ...this.bound, ...fields });
  }
}

// ---------------------------------------------------------------------------------------------
// Input

interface Setup {
  dir: string;
  listenerPort: number;
  /** The routes as last written, by index. */
  routes: Map<number, HTTPRoute>;
  routesPerFile: number;
}

const hostOf = (route: HTTPRoute): string => route.spec?.hostnames?.[0] ?? '';
const routeFile = (setup: Setup, i: number): string =>
  join(setup.dir, 'routes', `routes-${Math.floor(i / setup.routesPerFile)}.yaml`);

/** Writes the file that holds route i (and the other routes of that file, unchanged). */
function writeRouteFile(setup: Setup, i: number): void {
  const first = i - (i % setup.routesPerFile);
  const routes: HTTPRoute[] = [];
  for (let r = first; r < first + setup.routesPerFile && setup.routes.has(r); r++) routes.push(setup.routes.get(r)!);
  writeFileSync(routeFile(setup, i), yamlOf(routes));
}
const yamlOf = (objects: unknown[]): string => objects.map((o) => stringify(o)).join('---\n');

function serviceAndSlice(name: string, backendPort: number): [Service, EndpointSlice] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: NAMESPACE },
      spec: { type: 'ClusterIP', ports: [{ name: 'http', port: 80, targetPort: backendPort, protocol: 'TCP' }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-x1`, namespace: NAMESPACE, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
      ports: [{ name: 'http', port: backendPort, protocol: 'TCP' }],
    },
  ];
}

/**
 * bench/generate.ts's objects with the Gateway on a free loopback port and Service i's endpoint at
 * echo backend i mod 4; plus a `probe` Service (its own backend) that an anchor route uses from the
 * start, so that moving a route to it changes routes only (no new cluster).
 */
function writeInput(
  size: number,
  routesPerFile: number,
  listenerPort: number,
  echoPorts: number[],
  probePort: number,
): Setup {
  const dir = mkdtempSync(join(tmpdir(), 'portico-propagation-'));
  mkdirSync(join(dir, 'routes'));
  const infra: KubeObject[] = [];
  const backends: KubeObject[] = [];
  const routes = new Map<number, HTTPRoute>();
  for (const object of generateObjects(size, { namespace: NAMESPACE })) {
    if (object.kind === 'Gateway') {
      const gateway = structuredClone(object) as Gateway;
      gateway.spec = { ...gateway.spec!, listeners: [{ name: 'http', port: listenerPort, protocol: 'HTTP' }] };
      infra.push(gateway);
    } else if (object.kind === 'HTTPRoute') {
      const route = object as HTTPRoute;
      routes.set(Number(route.metadata.name.slice('route-'.length)), route);
    } else if (object.kind === 'Service') {
      const i = Number(object.metadata.name.slice('backend-'.length));
      backends.push(...serviceAndSlice(object.metadata.name, echoPorts[i % echoPorts.length]!));
    } else if (object.kind !== 'EndpointSlice') {
      infra.push(object);
    }
  }
  infra.push(...serviceAndSlice(PROBE_SERVICE, probePort), {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'probe-anchor', namespace: NAMESPACE, generation: 1 },
    spec: {
      parentRefs: [{ name: 'bench' }],
      hostnames: ['probe.example.com'],
      rules: [{ backendRefs: [{ name: PROBE_SERVICE, port: 80 }] }],
    },
  } satisfies HTTPRoute);
  writeFileSync(join(dir, 'gateway.yaml'), yamlOf(infra));
  writeFileSync(join(dir, 'services.yaml'), yamlOf(backends));
  const setup: Setup = { dir, listenerPort, routes, routesPerFile };
  for (let i = 0; i < size; i += routesPerFile) writeRouteFile(setup, i);
  return setup;
}

/** Route i with every match sent to the probe Service (one backend, so the reply is deterministic). */
function movedRoute(route: HTTPRoute): HTTPRoute {
  const moved = structuredClone(route);
  for (const rule of moved.spec?.rules ?? []) rule.backendRefs = [{ name: PROBE_SERVICE, port: 80 }];
  moved.metadata.generation = (moved.metadata.generation ?? 1) + 1;
  return moved;
}

/**
 * Odd route indices spread over the whole set (iterations <= size / 2): a moved route's neighbours,
 * which share its Services, never move, so no cluster is ever dropped.
 */
function routeToMove(iteration: number, iterations: number, size: number): number {
  return 2 * Math.floor((iteration * Math.floor(size / 2)) / iterations) + 1;
}

/** One full rescan of an unchanged directory: what every change notification costs before parsing. */
async function rescanMs(dir: string): Promise<number> {
  const provider = new FileProvider(dir, { watch: false, rescanMs: 0 });
  await provider.scan(() => undefined);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    await provider.scan(() => undefined);
    times.push(performance.now() - start);
  }
  return summarize(times).p50;
}

/**
 * What the pipeline computes for one route change, measured alone (median of 5 changes after one
 * warm-up): translation with the pipeline's translation cache (only the changed route is translated
 * again), the same translation without a cache (everything again), and the snapshot build
 * (encoding what changed).
 */
function coreCosts(size: number): { translate: number; full: number; publish: number } {
  const objects = generateObjects(size, { namespace: NAMESPACE });
  const cache = new SnapshotCache();
  const translationCache = new TranslationCache();
  const times = { translate: [] as number[], full: [] as number[], publish: [] as number[] };
  let current = objects;
  for (let it = 0; it < 6; it++) {
    current = current.map((o) =>
      o.kind === 'HTTPRoute' && o.metadata.name === `route-${2 * it + 1}` ? movedRoute(o as HTTPRoute) : o,
    );
    const input = buildResourceSet(current);
    const start = performance.now();
    const gateway = translate(input, { cache: translationCache }).gateways[0]!;
    const translated = performance.now();
    cache.publish(gateway.name, gateway.xds);
    const published = performance.now();
    translate(input);
    const full = performance.now();
    if (it === 0) continue;
    times.translate.push(translated - start);
    times.publish.push(published - translated);
    times.full.push(full - published);
  }
  return {
    translate: summarize(times.translate).p50,
    full: summarize(times.full).p50,
    publish: summarize(times.publish).p50,
  };
}

// ---------------------------------------------------------------------------------------------
// Metrics

async function scrape(debugPort: number): Promise<{ ackSum: number; ackCount: number }> {
  const text = (await request(debugPort, '/metrics')).body;
  const value = (name: string): number => Number(new RegExp(`^${name}(?:\\{\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    ackSum: value('portico_xds_push_to_ack_seconds_sum') * 1000,
    ackCount: value('portico_xds_push_to_ack_seconds_count'),
  };
}

// ---------------------------------------------------------------------------------------------
// One run

interface Sample {
  total: number;
  /** Write → the file provider read the file (fs.watch notification + settle + rescan). */
  watch: number;
  /** File read → first RDS push, less the translation: batching quiet period, snapshot build. */
  batch: number;
  translate: number;
  /** First RDS push → first reply through Envoy from the new backend. */
  pushToSeen: number;
  /** Average push→ACK of the ACKs received during this iteration (from /metrics). */
  pushToAck: number;
}

interface RunOptions {
  size: number;
  routesPerFile: number;
  quietMs: number;
  maxLatencyMs: number;
  iterations: number;
  pollIntervalMs: number;
}

interface RunResult extends RunOptions {
  rescanMs: number;
  syncMs: number;
  samples: Sample[];
  failures: string[];
}

async function run(options: RunOptions, worker: BenchWorker): Promise<RunResult> {
  const { size, quietMs, maxLatencyMs, iterations, pollIntervalMs } = options;
  const echoPorts = Array.from({ length: ECHO_BACKENDS }, (_, i) => worker.ports[`echo-${i}`]!);
  const setup = writeInput(size, options.routesPerFile, await freePort(), echoPorts, worker.ports[PROBE_BACKEND]!);
  const failures: string[] = [];
  const samples: Sample[] = [];
  const capture = { recording: false, marks: { read: [], translated: [], rdsPush: [] } as Marks };
  let serve: RunningServe | undefined;
  let envoy: EnvoyAds | undefined;
  try {
    const rescan = await rescanMs(setup.dir);
    const startedAt = wallNow();
    serve = await startServe(
      {
        watchDir: setup.dir,
        xds: { host: '127.0.0.1', port: 0 },
        debug: { host: '127.0.0.1', port: 0 },
        listenerAddress: '127.0.0.1',
        adminPortBase: 0,
        launchEnvoy: false,
        logLevel: 'debug',
        quietMs,
        maxLatencyMs,
      },
      new CapturingLogger(capture),
    );
    const xdsPort = serve.xdsAddress()?.port;
    if (!xdsPort) throw new Error('xDS server has no address');
    envoy = await EnvoyAds.start({
      xdsPort,
      nodeId: `${GATEWAY}/bench`,
      nodeCluster: GATEWAY,
      apiType: 'GRPC',
      // As Portico runs Envoy (the launcher and provisioned Deployments).
      extraArgs: ENVOY_RUNTIME_FLAGS,
    });
    const debugPort = serve.debugAddress().port;

    // Every route is served once the last one and the anchor answer (one RouteConfiguration, one EDS
    // response: they arrive together); a sample of the others is checked too.
    const through = (route: HTTPRoute, path: string) => request(setup.listenerPort, path, { host: hostOf(route) });
    const last = setup.routes.get(size - 1)!;
    await waitFor(async () => (await through(last, `/app-${size - 1}`)).status === 200, {
      timeoutMs: 180_000,
      intervalMs: 100,
      what: `route ${size - 1} through Envoy`,
    });
    const syncMs = wallNow() - startedAt;
    for (let s = 0; s < 20; s++) {
      const i = Math.floor((s * size) / 20);
      const reply = await through(setup.routes.get(i)!, `/app-${i}/x`);
      if (reply.status !== 200) throw new Error(`route ${i} answers ${reply.status} after the initial sync`);
    }
    const anchor = await request(setup.listenerPort, '/', { host: 'probe.example.com' });
    if (!anchor.body.includes(PROBE_BACKEND)) throw new Error(`probe anchor answers ${anchor.status}`);
    await sleep(500);

    for (let it = 0; it < iterations; it++) {
      const k = routeToMove(it, iterations, size);
      const route = setup.routes.get(k)!;
      const before = await scrape(debugPort);
      capture.marks = { read: [], translated: [], rdsPush: [] };
      capture.recording = true;
      const poll = worker.poll({
        port: setup.listenerPort,
        host: hostOf(route),
        path: `/app-${k}`,
        expect: PROBE_BACKEND,
        timeoutMs: 10_000,
        intervalMs: pollIntervalMs,
      });
      const first = await poll.started;
      if (!first.startsWith('echo-')) {
        failures.push(`route ${k}: answered "${first}" before the change`);
        await poll.done;
        continue;
      }
      setup.routes.set(k, movedRoute(route));
      writeRouteFile(setup, k);
      const written = wallNow();
      const seen = await poll.done;
      // Until the next change starts from idle: past the batching cap (this change's ACK is in) and
      // past a rescan that a late second fs.watch notification of the write may have started. The
      // jitter keeps iterations from locking onto the file provider's periodic rescan.
      await sleep(Math.max(maxLatencyMs + 150, 1.5 * rescan) + Math.random() * 100);
      capture.recording = false;
      const after = await scrape(debugPort);
      if (!Number.isFinite(seen)) {
        failures.push(`route ${k}: the new backend did not answer within 10 s`);
        continue;
      }
      const { read, translated, rdsPush } = capture.marks;
      const firstAfter = (times: number[]): number => times.find((t) => t >= written) ?? NaN;
      const readAt = firstAfter(read);
      const pushAt = firstAfter(rdsPush);
      const translation = translated.find((t) => t.at >= written);
      if (translated.length !== 1 || rdsPush.length !== 1) {
        failures.push(`route ${k}: ${translated.length} translations and ${rdsPush.length} RDS pushes (expected 1)`);
      }
      samples.push({
        total: seen - written,
        watch: readAt - written,
        batch: pushAt - readAt - (translation?.ms ?? NaN),
        translate: translation?.ms ?? NaN,
        pushToSeen: seen - pushAt,
        pushToAck:
          after.ackCount > before.ackCount ? (after.ackSum - before.ackSum) / (after.ackCount - before.ackCount) : NaN,
      });
    }
    return { ...options, rescanMs: rescan, syncMs, samples, failures };
  } finally {
    capture.recording = false;
    await envoy?.stop();
    await serve?.stop();
    rmSync(setup.dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Report

type Core = ReturnType<typeof coreCosts>;

function report(results: RunResult[], core: Map<number, Core>): void {
  const label = (r: RunResult): string[] => [String(r.size), String(r.routesPerFile), `${r.quietMs}/${r.maxLatencyMs}`];
  const stat = (s: Summary): string[] => [ms(s.min), ms(s.p50), ms(s.p90), ms(s.p99), ms(s.max)];
  console.log('\nWrite → first reply from the new backend through Envoy (ms):\n');
  printTable(
    ['routes', 'routes/file', 'quiet/cap ms', 'n', 'min', 'p50', 'p90', 'p99', 'max'],
    results.map((r) => [...label(r), String(r.samples.length), ...stat(summarize(r.samples.map((s) => s.total)))]),
  );
  console.log('\nWhere the time goes, median (p99) ms per change:\n');
  const cell = (values: number[]): string => {
    const s = summarize(values.filter(Number.isFinite));
    return `${ms(s.p50)} (${ms(s.p99)})`;
  };
  printTable(
    [
      'routes',
      'routes/file',
      'quiet/cap ms',
      'watch+settle+scan',
      'batch+encode',
      'translate',
      'push→seen',
      'push→ACK',
    ],
    results.map((r) => [
      ...label(r),
      cell(r.samples.map((s) => s.watch)),
      cell(r.samples.map((s) => s.batch)),
      cell(r.samples.map((s) => s.translate)),
      cell(r.samples.map((s) => s.pushToSeen)),
      cell(r.samples.map((s) => s.pushToAck)),
    ]),
  );
  console.log('\nThe same steps measured alone, median ms (rescan: unchanged directory; the rest: one route moved):\n');
  printTable(
    ['routes', 'routes/file', 'rescan', 'translate (cached)', 'translate (all)', 'snapshot build', 'initial sync'],
    results
      .filter((r, i) => results.findIndex((o) => o.size === r.size && o.routesPerFile === r.routesPerFile) === i)
      .map((r) => {
        const c = core.get(r.size);
        return [
          String(r.size),
          String(r.routesPerFile),
          ms(r.rescanMs),
          ms(c?.translate ?? NaN),
          ms(c?.full ?? NaN),
          ms(c?.publish ?? NaN),
          r.syncMs.toFixed(0),
        ];
      }),
  );
  console.log(
    `\nwatch+settle+scan: write → the file provider read the changed file (fs.watch, ${DEFAULT_SETTLE_MS} ms settle,` +
      ' full rescan); batch+encode: file read → first RDS push, less the translation (batching quiet' +
      ' period, snapshot build); push→ACK: average of the ACKs of that change (/metrics);' +
      ' initial sync: Portico start → every route served through Envoy.',
  );
  for (const r of results) {
    for (const f of r.failures) console.log(`! ${r.size} routes, ${r.routesPerFile}/file, quiet ${r.quietMs}: ${f}`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '100,1000,3000' },
      iterations: { type: 'string', default: '20' },
      'quiet-ms': { type: 'string', default: `${FILE_QUIET_MS},${DEFAULT_QUIET_MS}` },
      'max-latency-ms': { type: 'string', default: String(DEFAULT_MAX_LATENCY_MS) },
      'routes-per-file': { type: 'string', default: '1' },
      'poll-interval-ms': { type: 'string', default: '1' },
    },
  });
  const sizes = integerList(values.sizes, '--sizes', 2);
  const iterations = integerFlag(values.iterations, '--iterations', 1);
  const quiets = integerList(values['quiet-ms'], '--quiet-ms', 0);
  const maxLatencyMs = integerFlag(values['max-latency-ms'], '--max-latency-ms', Math.max(...quiets));
  const layouts = integerList(values['routes-per-file'], '--routes-per-file', 1);
  const pollIntervalMs = integerFlag(values['poll-interval-ms'], '--poll-interval-ms', 0);

  console.log(`propagation benchmark: ${machineLine(findEnvoy())}; node flags: ${nodeFlagsLine()}`);
  console.log(`up to ${iterations} changes per run, each rewriting one route file; polling every ${pollIntervalMs} ms`);
  const loadBefore = loadavg();
  const worker = await BenchWorker.start([
    ...Array.from({ length: ECHO_BACKENDS }, (_, i) => `echo-${i}`),
    PROBE_BACKEND,
  ]);
  const results: RunResult[] = [];
  const core = new Map<number, Core>();
  try {
    for (const size of sizes) {
      core.set(size, coreCosts(size));
      for (const routesPerFile of layouts) {
        for (const quietMs of quiets) {
          // Each change moves a different route (moving one twice would change nothing).
          const options = {
            size,
            routesPerFile,
            quietMs,
            maxLatencyMs,
            iterations: Math.min(iterations, Math.floor(size / 2)),
            pollIntervalMs,
          };
          const result = await run(options, worker);
          const s = summarize(result.samples.map((x) => x.total));
          console.log(
            `  ${size} routes, ${routesPerFile}/file, quiet ${quietMs} ms: p50 ${ms(s.p50)} ms, p99 ${ms(s.p99)} ms`,
          );
          results.push(result);
        }
      }
    }
  } finally {
    await worker.stop();
  }
  report(results, core);
  const f = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
  console.log(`\nload average (1/5/15 min) before: ${f(loadBefore)}, after: ${f(loadavg())}`);
}

runWithPorticoFlags(main);
