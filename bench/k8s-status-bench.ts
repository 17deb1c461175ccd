/**
 * Status benchmark (issue 4): N HTTPRoutes applied at once to a real API server, and the time
 * until every route's status and every listener's attachedRoutes are correct, with the number of
 * status writes Portico made and the number of status changes the API server reported.
 *
 * Per run: a fresh namespace with the fixture of test/k8s/scale-fixture.ts (one Gateway with two
 * listeners, a Service with an EndpointSlice), then `portico serve --provider kubernetes
 * --no-provision` as a child process (its own event loop and CPU, as in a cluster), started and
 * settled before the clock starts. Then the N routes go in all at once, either
 *   - `kubectl`: one multi-document YAML through the built kubectl's server-side apply (kubectl
 *     sends the objects one after the other), or
 *   - `parallel`: POSTs from this process, 32 at a time;
 * and the clock stops when a watch (started before the apply, in this process) has seen every
 * route with Portico's Accepted=True and ResolvedRefs=True and the Gateway's listeners with the
 * expected attachedRoutes. Writes come from Portico's `portico_status_writes_total`; status
 * changes from the watch (a MODIFIED event whose status differs, lastTransitionTime aside).
 *
 * By default it starts a private API server (test/k8s/private-cluster.ts: etcd + kube-apiserver
 * from .cache/k8s/bin, `make k8s-up` builds them) and stops it at the end; `--kubeconfig` uses an
 * existing one instead (its kubectl: .cache/k8s/bin/kubectl).
 *
 *   node dist/bench/k8s-status-bench.js [--routes 1000] [--runs 3] [--apply kubectl,parallel] [--kubeconfig PATH]
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Watch } from '@kubernetes/client-node';
import { createKubeApi, FIELD_MANAGER, MERGE_PATCH } from '../src/kube-client/kube-api.js';
import { STATUS_WRITE_CONCURRENCY } from '../src/k8s/status-writer.js';
import { CONTROLLER_NAME, GATEWAY_GROUP } from '../src/resources/types.js';
import type { KubeApi } from '../src/kube-client/kube-api.js';
import { loadKubeConfig } from '../src/kube-client/kube-config.js';
import type { KubeObject } from '../src/resources/types.js';
import { freePort } from '../test/support/envoy-ads.js';
import { PrivateCluster } from '../test/k8s/private-cluster.js';
import { comparableStatus } from '../test/k8s/recorded-portico.js';
import { PORTICO_NODE_FLAGS } from '../src/infra/node-flags.js';
import {
  GATEWAY_NAME,
  gatewayStatusCorrect,
  multiDocumentYaml,
  routeStatusCorrect,
  scaleFixture,
} from '../test/k8s/scale-fixture.js';
import type { ScaleFixture } from '../test/k8s/scale-fixture.js';
import { integerFlag, machineLine, ms, printTable, sleep, summarize } from './bench-util.js';

const GROUP_PATH = '/apis/gateway.networking.k8s.io/v1';
const PARALLEL_CREATES = 32;
const DONE_TIMEOUT_MS = 300_000;
const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ, for /proc/PID/stat

type ApplyMode = 'kubectl' | 'parallel';

interface RunResult {
  mode: ApplyMode;
  /** The same apply into another namespace with no Portico running: the API server's and kubectl's share. */
  applyAloneMs: number;
  /**
   * Then one status PATCH per route of that apply, as many in flight as Portico's writer keeps,
   * with no Portico running: the API server's share of the status writes. Together with
   * `applyAloneMs`, the least any controller could take on this machine in this run.
   */
  patchesAloneMs: number;
  applyMs: number;
  correctMs: number;
  afterApplyMs: number;
  writes: number;
  conflicts: number;
  errors: number;
  statusChanges: number;
  objectsChanged: number;
  unchangedModifications: number;
  porticoCpuMs: number;
}

interface Target {
  api: KubeApi;
  kubeconfig: string;
  kubectl: (args: string[], input: string) => Promise<string>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      routes: { type: 'string', default: '1000' },
      runs: { type: 'string', default: '3' },
      apply: { type: 'string', default: 'kubectl,parallel' },
      kubeconfig: { type: 'string' },
    },
  });
  const routes = integerFlag(values.routes, '--routes', 1);
  const runs = integerFlag(values.runs, '--runs', 1);
  const modes = values.apply.split(',').map((m) => m.trim());
  for (const mode of modes) {
    if (mode !== 'kubectl' && mode !== 'parallel') throw new Error(`--apply: kubectl or parallel, not "${mode}"`);
  }

  let cluster: PrivateCluster | undefined;
  let target: Target;
  if (values.kubeconfig) {
    const kubeconfig = resolve(values.kubeconfig);
    const kubectlBin = resolve('.cache/k8s/bin/kubectl');
    target = {
      api: createKubeApi(loadKubeConfig({ path: kubeconfig })),
      kubeconfig,
      kubectl: (args, input) => runKubectl(kubectlBin, ['--kubeconfig', kubeconfig, ...args], input),
    };
  } else {
    console.log('starting a private API server (etcd + kube-apiserver + CRDs)…');
    cluster = await PrivateCluster.start('bench');
    const c = cluster;
    target = { api: c.api, kubeconfig: c.kubeconfig, kubectl: (args, input) => c.kubectl(args, input) };
  }

  const stamp = Date.now().toString(36);
  const className = `portico-bench-${stamp}`;
  const results: RunResult[] = [];
  try {
    let first = true;
    for (const mode of modes as ApplyMode[]) {
      for (let run = 1; run <= runs; run += 1) {
        const fixture = scaleFixture(`bench-${stamp}-${mode}-${run}`, className, routes);
        const result = await measure(target, fixture, mode, first);
        first = false;
        results.push(result);
        console.log(
          `${mode} run ${run}: apply ${ms(result.applyMs)} ms, all correct ${ms(result.correctMs)} ms ` +
            `(${ms(result.afterApplyMs)} ms after the apply returned), ${result.writes} writes, ` +
            `${result.statusChanges} status changes on ${result.objectsChanged} objects, load ${loadavg()[0]!.toFixed(1)}`,
        );
      }
    }
  } finally {
    await cluster?.stop();
  }

  console.log(
    `\nMachine: ${machineLine()}; load average at the end ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(`${routes} HTTPRoutes applied at once; times in ms from the start of the apply\n`);
  printTable(
    [
      'apply',
      'apply alone ms',
      'patches alone ms',
      'apply ms',
      'all correct ms',
      'after apply ms',
      'status writes',
      'status changes',
      'objects changed',
      'no-change updates',
      'conflicts',
      'errors',
      'Portico CPU ms',
    ],
    results.map((r) => [
      r.mode,
      ms(r.applyAloneMs),
      ms(r.patchesAloneMs),
      ms(r.applyMs),
      ms(r.correctMs),
      ms(r.afterApplyMs),
      String(r.writes),
      String(r.statusChanges),
      String(r.objectsChanged),
      String(r.unchangedModifications),
      String(r.conflicts),
      String(r.errors),
      ms(r.porticoCpuMs),
    ]),
  );
  console.log('');
  for (const mode of modes) {
    const of = results.filter((r) => r.mode === mode);
    const correct = summarize(of.map((r) => r.correctMs));
    const ratios = of.map((r) => (r.correctMs / (r.applyAloneMs + r.patchesAloneMs)).toFixed(2));
    console.log(
      `${mode}: all correct min ${ms(correct.min)} / median ${ms(correct.p50)} / max ${ms(correct.max)} ms; ` +
        `writes ${of.map((r) => r.writes).join(', ')} (status changes ${of.map((r) => r.statusChanges).join(', ')}); ` +
        `all correct / (apply alone + patches alone): ${ratios.join(', ')}`,
    );
  }
}

async function measure(target: Target, fixture: ScaleFixture, mode: ApplyMode, withClass: boolean): Promise<RunResult> {
  const { api } = target;
  const ns = fixture.namespace;
  await api.request({
    method: 'POST',
    path: '/api/v1/namespaces',
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
  });
  for (const object of fixture.base) {
    if (object.kind === 'GatewayClass' && !withClass) continue;
    await api.request({ method: 'POST', path: collectionPath(object), body: object });
  }

  const { applyAloneMs, patchesAloneMs } = await applyAlone(target, fixture, mode);
  const portico = await startPortico(target.kubeconfig, ns);
  const watch = new StatusWatch(fixture);
  try {
    // Settled: the Gateway is Accepted with no routes and Portico has stopped writing.
    await until('the Gateway Accepted with no routes', 60_000, async () =>
      gatewayStatusCorrect(await getObject(api, `${GROUP_PATH}/namespaces/${ns}/gateways/${GATEWAY_NAME}`), {
        http: 0,
        admin: 0,
      }),
    );
    const before = await portico.settledWrites();
    await watch.start(target);

    const cpuBefore = portico.cpuMs();
    const t0 = performance.now();
    await apply(target, fixture.routes, mode);
    const tApplied = performance.now();
    const tCorrect = await watch.done;
    const cpuAfter = portico.cpuMs();
    const after = await portico.settledWrites();
    await sleep(500); // the watch's last events
    return {
      mode,
      applyAloneMs,
      patchesAloneMs,
      applyMs: tApplied - t0,
      correctMs: tCorrect - t0,
      afterApplyMs: tCorrect - tApplied,
      writes: after.written - before.written,
      conflicts: after.conflict - before.conflict,
      errors: after.error - before.error,
      statusChanges: watch.statusChanges,
      objectsChanged: watch.changedObjects.size,
      unchangedModifications: watch.unchangedModifications,
      porticoCpuMs: cpuAfter - cpuBefore,
    };
  } finally {
    watch.stop();
    await portico.stop();
    // The next run's Portico must not see this run's objects (a namespace stays Terminating: no controller-manager).
    await api.request({ method: 'DELETE', path: `${GROUP_PATH}/namespaces/${ns}/httproutes` }).catch(() => undefined);
    await api.request({ method: 'DELETE', path: `${GROUP_PATH}/namespaces/${ns}/gateways` }).catch(() => undefined);
    await api.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
  }
}

async function apply(target: Target, routes: readonly KubeObject[], mode: ApplyMode): Promise<void> {
  if (mode === 'kubectl') {
    await target.kubectl(
      ['apply', '--server-side', '--field-manager', 'portico-bench', '-o', 'name', '-f', '-'],
      multiDocumentYaml(routes),
    );
  } else {
    await createAll(target.api, routes);
  }
}

/**
 * The apply with no Portico running (into a namespace of its own, deleted again), then one status
 * PATCH per route like Portico's (merge patch of our parent entry), in ms.
 */
async function applyAlone(
  target: Target,
  fixture: ScaleFixture,
  mode: ApplyMode,
): Promise<{ applyAloneMs: number; patchesAloneMs: number }> {
  const ns = `${fixture.namespace}-alone`;
  await target.api.request({
    method: 'POST',
    path: '/api/v1/namespaces',
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
  });
  const routes = fixture.routes.map((r) => ({ ...r, metadata: { ...r.metadata, namespace: ns } }));
  await sleep(1_000);
  const t0 = performance.now();
  await apply(target, routes, mode);
  const applyAloneMs = performance.now() - t0;
  await sleep(1_000);
  const t1 = performance.now();
  await inParallel(routes, STATUS_WRITE_CONCURRENCY, (route) =>
    target.api.request({
      method: 'PATCH',
      path: `${GROUP_PATH}/namespaces/${ns}/httproutes/${route.metadata.name}/status`,
      query: { fieldManager: FIELD_MANAGER },
      contentType: MERGE_PATCH,
      body: { status: aloneRouteStatus(ns, route.metadata.generation ?? 1) },
    }),
  );
  const patchesAloneMs = performance.now() - t1;
  await target.api.request({ method: 'DELETE', path: `${GROUP_PATH}/namespaces/${ns}/httproutes` });
  await target.api.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
  await sleep(1_000);
  return { applyAloneMs, patchesAloneMs };
}

/** A route status of the shape Portico writes: one parent entry, Accepted and ResolvedRefs. */
function aloneRouteStatus(namespace: string, generation: number): unknown {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const condition = (type: string): Record<string, unknown> => ({
    type,
    status: 'True',
    reason: type,
    message: '',
    observedGeneration: generation,
    lastTransitionTime: now,
  });
  return {
    parents: [
      {
        parentRef: { group: GATEWAY_GROUP, kind: 'Gateway', namespace, name: GATEWAY_NAME },
        controllerName: CONTROLLER_NAME,
        conditions: [condition('Accepted'), condition('ResolvedRefs')],
      },
    ],
  };
}

async function inParallel<T>(items: readonly T[], limit: number, run: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await run(items[next++]!);
    }),
  );
}

/** Watches the namespace's routes and Gateway; `done` resolves with the time every status is correct. */
class StatusWatch {
  readonly changedObjects = new Set<string>();
  statusChanges = 0;
  unchangedModifications = 0;
  readonly done: Promise<number>;
  private resolveDone!: (t: number) => void;
  private rejectDone!: (err: Error) => void;
  private readonly correct = new Set<string>();
  private readonly lastStatus = new Map<string, string>();
  private gatewayOk = false;
  private finished = false;
  private readonly aborts: AbortController[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly fixture: ScaleFixture) {
    this.done = new Promise<number>((resolvePromise, reject) => {
      this.resolveDone = resolvePromise;
      this.rejectDone = reject;
    });
  }

  async start(target: Target): Promise<void> {
    const watch = new Watch(loadKubeConfig({ path: target.kubeconfig }));
    for (const plural of ['httproutes', 'gateways']) {
      const path = `${GROUP_PATH}/namespaces/${this.fixture.namespace}/${plural}`;
      const list = await target.api.request<{ metadata: { resourceVersion: string }; items: KubeObject[] }>({ path });
      for (const item of list.items) this.observe(plural, 'ADDED', item);
      this.aborts.push(
        await watch.watch(
          path,
          { resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: true },
          (phase, object: KubeObject) => this.observe(plural, phase, object),
          (err: unknown) => {
            if (!this.finished) this.rejectDone(new Error(`the ${plural} watch ended: ${String(err)}`));
          },
        ),
      );
    }
    this.timer = setTimeout(
      () => this.rejectDone(new Error(`not all statuses correct after ${DONE_TIMEOUT_MS} ms: ${this.progress()}`)),
      DONE_TIMEOUT_MS,
    );
  }

  stop(): void {
    this.finished = true;
    clearTimeout(this.timer);
    for (const abort of this.aborts) abort.abort();
  }

  private observe(plural: string, phase: string, object: KubeObject): void {
    if (phase !== 'ADDED' && phase !== 'MODIFIED') return;
    const key = `${plural}/${object.metadata.name}`;
    const status = comparableStatus(object.status ?? {});
    const previous = this.lastStatus.get(key);
    if (phase === 'MODIFIED' && previous !== undefined) {
      if (previous !== status) {
        this.statusChanges += 1;
        this.changedObjects.add(key);
      } else {
        this.unchangedModifications += 1;
      }
    }
    this.lastStatus.set(key, status);
    if (plural === 'gateways') {
      if (object.metadata.name === GATEWAY_NAME) this.gatewayOk = gatewayStatusCorrect(object, this.fixture.attached);
    } else if (routeStatusCorrect(object)) {
      this.correct.add(object.metadata.name);
    } else {
      this.correct.delete(object.metadata.name);
    }
    if (!this.finished && this.gatewayOk && this.correct.size === this.fixture.routes.length) {
      this.finished = true;
      clearTimeout(this.timer);
      this.resolveDone(performance.now());
    }
  }

  private progress(): string {
    return `${this.correct.size}/${this.fixture.routes.length} routes correct, Gateway ${this.gatewayOk ? 'correct' : 'not correct'}`;
  }
}

interface WriteCounts {
  written: number;
  conflict: number;
  error: number;
}

interface PorticoProcess {
  /** `portico_status_writes_total` by result, once it has not moved for a second. */
  settledWrites(): Promise<WriteCounts>;
  cpuMs(): number;
  stop(): Promise<void>;
}

async function startPortico(kubeconfig: string, namespace: string): Promise<PorticoProcess> {
  const debugPort = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...PORTICO_NODE_FLAGS,
      resolve('bin/portico.js'),
      'serve',
      '--provider',
      'kubernetes',
      '--kubeconfig',
      kubeconfig,
      '--no-provision',
      '--leader-election-namespace',
      namespace,
      '--lease-name',
      'portico-bench',
      '--xds-address',
      '127.0.0.1:0',
      '--debug-address',
      `127.0.0.1:${debugPort}`,
      '--log-level',
      'error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolvePromise) => child.once('exit', () => resolvePromise()));
  const base = `http://127.0.0.1:${debugPort}`;
  await until('Portico /readyz', 60_000, async () => {
    if (child.exitCode !== null) throw new Error(`portico serve exited ${child.exitCode}: ${stderr}`);
    return (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200;
  });
  const writes = async (): Promise<WriteCounts> => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const counts: WriteCounts = { written: 0, conflict: 0, error: 0 };
    for (const match of text.matchAll(/^portico_status_writes_total\{[^}]*result="(\w+)"[^}]*\} (\d+)/gm)) {
      const result = match[1] as keyof WriteCounts;
      if (result in counts) counts[result] += Number(match[2]);
    }
    return counts;
  };
  return {
    settledWrites: async () => {
      let last = JSON.stringify(await writes());
      for (;;) {
        await sleep(1_000);
        const now = JSON.stringify(await writes());
        if (now === last) return JSON.parse(now) as WriteCounts;
        last = now;
      }
    },
    cpuMs: () => {
      // utime and stime: fields 14 and 15 of /proc/PID/stat (after the parenthesized command name).
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
    },
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function createAll(api: KubeApi, objects: readonly KubeObject[]): Promise<void> {
  await inParallel(objects, PARALLEL_CREATES, (object) =>
    api.request({ method: 'POST', path: collectionPath(object), body: object }),
  );
}

function collectionPath(object: KubeObject): string {
  const ns = object.metadata.namespace;
  switch (object.kind) {
    case 'GatewayClass':
      return `${GROUP_PATH}/gatewayclasses`;
    case 'Gateway':
      return `${GROUP_PATH}/namespaces/${ns}/gateways`;
    case 'HTTPRoute':
      return `${GROUP_PATH}/namespaces/${ns}/httproutes`;
    case 'Service':
      return `/api/v1/namespaces/${ns}/services`;
    case 'EndpointSlice':
      return `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`;
    default:
      throw new Error(`no path for ${object.kind}`);
  }
}

async function getObject(api: KubeApi, path: string): Promise<KubeObject | undefined> {
  return api.request<KubeObject>({ path }).catch(() => undefined);
}

async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

function runKubectl(bin: string, args: string[], input: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolvePromise(stdout) : reject(new Error(`kubectl exited ${code}: ${stderr.trim()}`)),
    );
    child.stdin.end(input);
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
