/**
 * Fan-out benchmark: one Gateway with N routes (bench/generate.ts), served by the ADS server in
 * this process to M simulated Envoys (SotW, one TCP connection each) running in a child process
 * (bench/fanout-clients.ts), so that this process's memory is the server's alone.
 *
 * After every client has ACKed the initial configuration, a few changes are published, alternating
 * between a route moved to another existing backend (routes change) and a route moved to a new
 * Service (clusters, endpoints and routes change). For each, the time from `publish()` to the last
 * ACK that completes the change on every client, taken from the server's own ACK events and
 * confirmed by `programmed()`; plus the server's CPU time for it and its memory.
 *
 *   node --expose-gc dist/bench/fanout-bench.js [--clients 500] [--routes 1000] [--changes 6]
 *
 * The server's memory is measured with the Node.js flags Portico runs with (node-flags.ts): run
 * without them, the benchmark starts itself again with them (`runWithPorticoFlags`).
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { buildResourceSet } from '../src/resources/resource-set.js';
import type { EndpointSlice, HTTPRoute, KubeObject, Service } from '../src/resources/types.js';
import { TranslationCache, translate } from '../src/translate/index.js';
import type { XdsResources } from '../src/translate/xds/types.js';
import type { ProxyEvent } from '../src/xds/contract.js';
import { AdsServer } from '../src/xds/index.js';
import { coalesceProxyEvents } from '../src/pipeline/pipeline.js';
import {
  collectGarbage,
  integerFlag,
  machineLine,
  MIB,
  ms,
  nodeFlagsLine,
  printTable,
  runWithPorticoFlags,
  sleep,
  summarize,
} from './bench-util.js';
import type { ChildMessage, ParentMessage } from './fanout-clients.js';
import { generateObjects } from './generate.js';

const NAMESPACE = 'bench';
const GATEWAY = `${NAMESPACE}/bench`;

type Scenario = 'route moved' | 'new cluster';

interface ChangeResult {
  scenario: Scenario;
  /** Types whose version changed, by short name. */
  types: string[];
  translateMs: number;
  /** The synchronous part of `publish()`: snapshot build, encoding, writes to every stream. */
  publishMs: number;
  /** publish() → the ACK that completed the change on every client. */
  allAckedMs: number;
  /** publish() → each client's completion, median. */
  clientP50Ms: number;
  serverCpuMs: number;
}

interface Memory {
  rssMiB: number;
  heapMiB: number;
}

function memory(): Memory {
  collectGarbage();
  const m = process.memoryUsage();
  return { rssMiB: m.rss / MIB, heapMiB: m.heapUsed / MIB };
}

function shortType(typeUrl: string): string {
  const names: Record<string, string> = {
    Cluster: 'CDS',
    ClusterLoadAssignment: 'EDS',
    Listener: 'LDS',
    RouteConfiguration: 'RDS',
    Secret: 'SDS',
  };
  const last = typeUrl.slice(typeUrl.lastIndexOf('.') + 1);
  return names[last] ?? last;
}

/** The generated objects with route `index` moved: to an existing backend, or to a new Service. */
function changedObjects(objects: KubeObject[], index: number, scenario: Scenario, routes: number): KubeObject[] {
  const service =
    scenario === 'route moved' ? `backend-${(index + Math.floor(routes / 2)) % routes}` : `extra-${index}`;
  const out = objects.map((o) => {
    if (o.kind !== 'HTTPRoute' || o.metadata.name !== `route-${index}`) return o;
    const moved = structuredClone(o) as HTTPRoute;
    for (const rule of moved.spec?.rules ?? []) rule.backendRefs = [{ name: service, port: 80 }];
    return moved;
  });
  if (scenario === 'new cluster') {
    const svc: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: service, namespace: NAMESPACE },
      spec: { type: 'ClusterIP', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
    };
    const slice: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${service}-x1`, namespace: NAMESPACE, labels: { 'kubernetes.io/service-name': service } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [`10.255.${index & 255}.1`], conditions: { ready: true } }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    };
    out.push(svc, slice);
  }
  return out;
}

/** Kept across changes, as the pipeline keeps it: unchanged routes are neither translated nor encoded again. */
const translationCache = new TranslationCache();

function gatewayXds(objects: KubeObject[]): { xds: XdsResources; ms: number } {
  const start = performance.now();
  const result = translate(buildResourceSet(objects), { cache: translationCache });
  const gateway = result.gateways.find((g) => g.name === GATEWAY);
  if (!gateway) throw new Error(`translation has no Gateway ${GATEWAY}`);
  return { xds: gateway.xds, ms: performance.now() - start };
}

class Clients {
  private readonly waiters: ((m: ChildMessage) => void)[] = [];
  private failure: string | undefined;

  constructor(private readonly child: ChildProcess) {
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'error') this.failure ??= m.message;
      for (const w of this.waiters.splice(0)) w(m);
    });
  }

  send(m: ParentMessage): void {
    this.child.send(m);
  }

  next<T extends ChildMessage['type']>(type: T, timeoutMs: number): Promise<Extract<ChildMessage, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`clients: no "${type}" within ${timeoutMs} ms`)), timeoutMs);
      const wait = (m: ChildMessage): void => {
        if (m.type === 'error') {
          clearTimeout(timer);
          reject(new Error(m.message));
        } else if (m.type === type) {
          clearTimeout(timer);
          resolve(m as Extract<ChildMessage, { type: T }>);
        } else this.waiters.push(wait);
      };
      if (this.failure) reject(new Error(this.failure));
      else this.waiters.push(wait);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    if (this.child.connected) this.send({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * Publishes `xds` and resolves when every client has ACKed the new version of every type that
 * changed (and the server agrees: `programmed()`).
 */
async function measureChange(
  server: AdsServer,
  clients: number,
  xds: XdsResources,
  scenario: Scenario,
  translateMs: number,
  timeoutMs: number,
): Promise<ChangeResult> {
  const acked = new Map<string, string>(); // typeUrl → version before the change (same on every client)
  for (const client of server.clients()) {
    for (const t of client.types) if (t.ackedVersion !== undefined) acked.set(t.typeUrl, t.ackedVersion);
  }
  /** typeUrl → nodeId → ms after publish of its ACK of a new version */
  const newAcks = new Map<string, Map<string, number>>();
  let start = 0;
  let nack: string | undefined;
  let done: (at: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (done = resolve));
  const complete = (): boolean => {
    if (newAcks.size === 0) return false;
    for (const byNode of newAcks.values()) if (byNode.size < clients) return false;
    return server.programmed(GATEWAY).state === 'programmed';
  };
  const subscription = server.events$.subscribe((e: ProxyEvent) => {
    if (e.kind === 'nack') {
      nack ??= `NACK from ${e.nodeId}: ${e.message}`;
      done(NaN);
      return;
    }
    if (e.kind !== 'ack' || e.version === acked.get(e.typeUrl)) return;
    const at = performance.now() - start;
    let byNode = newAcks.get(e.typeUrl);
    if (!byNode) newAcks.set(e.typeUrl, (byNode = new Map()));
    byNode.set(e.nodeId, at);
    if (complete()) done(at);
  });
  const cpuBefore = process.cpuUsage();
  start = performance.now();
  server.publish(GATEWAY, xds);
  const publishMs = performance.now() - start;
  const timeout = sleep(timeoutMs).then(() => NaN);
  const allAckedMs = await Promise.race([finished, timeout]);
  const cpu = process.cpuUsage(cpuBefore);
  subscription.unsubscribe();
  if (nack) throw new Error(`${scenario}: ${nack}`);
  if (!Number.isFinite(allAckedMs)) throw new Error(`${scenario}: not every client ACKed within ${timeoutMs} ms`);
  // A client is done when it has ACKed every changed type.
  const perClient = new Map<string, number>();
  for (const byNode of newAcks.values()) {
    for (const [node, at] of byNode) perClient.set(node, Math.max(perClient.get(node) ?? 0, at));
  }
  return {
    scenario,
    types: [...newAcks.keys()].map(shortType).sort(),
    translateMs,
    publishMs,
    allAckedMs,
    clientP50Ms: summarize([...perClient.values()]).p50,
    serverCpuMs: (cpu.user + cpu.system) / 1000,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: '500' },
      routes: { type: 'string', default: '1000' },
      changes: { type: 'string', default: '6' },
      'connect-batch': { type: 'string', default: '50' },
    },
  });
  const clientCount = integerFlag(values.clients, '--clients', 1);
  const routes = integerFlag(values.routes, '--routes', 4);
  const changes = integerFlag(values.changes, '--changes', 1);
  const connectBatch = integerFlag(values['connect-batch'], '--connect-batch', 1);

  console.log(`fan-out benchmark: ${machineLine()}; node flags: ${nodeFlagsLine()}`);
  console.log(`${clientCount} simulated Envoys (SotW, child process), ${routes} routes, ${changes} changes`);
  const loadBefore = loadavg();
  const base = memory();

  // Every simulated Envoy claims the one Gateway: the streams bounds (stream-limits.ts) must admit them all.
  const server = new AdsServer({
    port: 0,
    limits: {
      maxStreamsPerIdentity: clientCount,
      maxStreamsPerNamespace: clientCount,
      maxNamesPerNamespace: clientCount * 10_000,
    },
  });
  // What the pipeline's status report asks of the server on proxy events (Programmed of every
  // served Gateway), at the rate the pipeline asks it: it is part of what Portico does per change.
  const statusPolls = server.events$.pipe(coalesceProxyEvents()).subscribe(() => void server.programmed(GATEWAY));
  const port = await server.start();
  const objects = generateObjects(routes, { namespace: NAMESPACE });
  const initial = gatewayXds(objects);
  server.publish(GATEWAY, initial.xds);
  const published = memory();
  const counts = `${initial.xds.clusters.length} clusters, ${initial.xds.endpoints.length} endpoints, ${initial.xds.listeners.length} listener, ${initial.xds.routes.length} route configuration`;

  const child = fork(new URL('./fanout-clients.js', import.meta.url), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const clients = new Clients(child);
  const results: ChangeResult[] = [];
  let connected: Memory | undefined;
  let after: Memory | undefined;
  let syncMs = NaN;
  let childStats: Extract<ChildMessage, { type: 'stats' }> | undefined;
  try {
    clients.send({ type: 'start', port, clients: clientCount, gateway: GATEWAY, connectBatch: connectBatch });
    syncMs = (await clients.next('ready', 180_000)).ms;
    const streams = server.metrics.metrics().connectedProxies.sotw;
    if (streams !== clientCount) throw new Error(`${streams} streams connected, expected ${clientCount}`);
    await sleep(500);
    connected = memory();
    console.log(`  all ${clientCount} clients ACKed the initial configuration (${counts}) in ${syncMs.toFixed(0)} ms`);

    // Changes accumulate: each one moves another route, so that none undoes the one before.
    let current = objects;
    for (let c = 0; c < changes; c++) {
      const scenario: Scenario = c % 2 === 0 ? 'route moved' : 'new cluster';
      current = changedObjects(current, 2 * c + 1, scenario, routes);
      const changed = gatewayXds(current);
      const result = await measureChange(server, clientCount, changed.xds, scenario, changed.ms, 60_000);
      console.log(
        `  change ${c + 1} (${scenario}: ${result.types.join('+')}): all ACKed after ${ms(result.allAckedMs)} ms`,
      );
      results.push(result);
      await sleep(500);
    }
    after = memory();
    clients.send({ type: 'stats' });
    childStats = await clients.next('stats', 10_000);
  } finally {
    await clients.stop();
    statusPolls.unsubscribe();
    await server.stop(1000);
    server.dispose();
  }

  console.log('\nPer change (ms; CPU is this process, the ADS server, from publish to the last ACK):\n');
  printTable(
    ['change', 'types', 'translate', 'publish()', 'client p50', 'all ACKed', 'server CPU'],
    results.map((r) => [
      r.scenario,
      r.types.join('+'),
      ms(r.translateMs),
      ms(r.publishMs),
      ms(r.clientP50Ms),
      ms(r.allAckedMs),
      ms(r.serverCpuMs),
    ]),
  );
  const all = summarize(results.map((r) => r.allAckedMs));
  console.log(`\nall ACKed, over ${results.length} changes: p50 ${ms(all.p50)} ms, max ${ms(all.max)} ms`);
  console.log(`initial sync (first connection → all ${clientCount} clients ACKed everything): ${ms(syncMs)} ms`);
  console.log('\nServer process memory (MiB, after a forced GC):\n');
  const peak = (process.resourceUsage().maxRSS * 1024) / MIB;
  printTable(
    ['when', 'RSS', 'heap used'],
    [
      ['start', base.rssMiB.toFixed(0), base.heapMiB.toFixed(1)],
      ['snapshot published, no client', published.rssMiB.toFixed(0), published.heapMiB.toFixed(1)],
      [`${clientCount} clients in sync`, connected?.rssMiB.toFixed(0) ?? '-', connected?.heapMiB.toFixed(1) ?? '-'],
      ['after the changes', after?.rssMiB.toFixed(0) ?? '-', after?.heapMiB.toFixed(1) ?? '-'],
      ['peak RSS', peak.toFixed(0), ''],
    ],
  );
  if (childStats) {
    console.log(
      `\nclients' process: RSS ${childStats.rssMiB.toFixed(0)} MiB, CPU ${(childStats.cpuMs / 1000).toFixed(1)} s,` +
        ` ${childStats.responses} responses received`,
    );
  }
  const f = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
  console.log(`load average (1/5/15 min) before: ${f(loadBefore)}, after: ${f(loadavg())}`);
}

runWithPorticoFlags(main);
