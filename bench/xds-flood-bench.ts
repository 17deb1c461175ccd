/**
 * xDS flood benchmark: what a client that may open ADS streams can make the server hold. N streams
 * (default 200), all claiming one real Gateway, each subscribe to M made-up ClusterLoadAssignment
 * names (default 20,000). Reports the server's RSS before, at its peak during the flood, and after
 * every stream closed (after a GC and a pause), plus how the streams ended (gRPC status codes).
 *
 * The ADS server runs in this process, with a translated Gateway published; the flooding clients
 * run in a child process (a raw gRPC client over @grpc/proto-loader, not Portico's wire code), so
 * this process's memory is the server's alone. Run with Portico's Node.js flags (restarts itself
 * with them).
 *
 *   node --expose-gc dist/bench/xds-flood-bench.js [--streams 200] [--names 20000] [--no-limits]
 *
 * `--no-limits` lifts the bounds (stream-limits.ts) to show what they hold back.
 */
import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { buildResourceSet } from '../src/resources/resource-set.js';
import { translate } from '../src/translate/index.js';
import { AdsServer } from '../src/xds/index.js';
import type { AdsServerOptions } from '../src/xds/server.js';
import { CLUSTER_LOAD_ASSIGNMENT } from '../src/proto/type-urls.js';
import { adsClientConstructor } from '../test/support/ads-client.js';
import {
  collectGarbage,
  integerFlag,
  machineLine,
  MIB,
  nodeFlagsLine,
  runWithPorticoFlags,
  sleep,
} from './bench-util.js';
import { generateObjects } from './generate.js';

const GATEWAY = 'bench/bench';

type ToChild = { type: 'flood'; port: number; streams: number; names: number } | { type: 'close' };
type ToParent =
  { type: 'sent'; ms: number } | { type: 'ended'; codes: Record<string, number>; open: number } | { type: 'closed' };

// ---------------------------------------------------------------------------------------------
// Child: the flooding clients.

function child(): void {
  const calls: grpc.ClientDuplexStream<unknown, unknown>[] = [];
  const clients: grpc.Client[] = [];
  const codes: Record<string, number> = {};
  let ended = 0;
  process.on('message', (m: ToChild) => {
    if (m.type === 'flood') {
      const start = performance.now();
      const Ctor = adsClientConstructor();
      for (let i = 0; i < m.streams; i++) {
        // One connection per stream, as many Envoys (or one client pretending) would open.
        const client = new Ctor(`127.0.0.1:${m.port}`, grpc.credentials.createInsecure(), {
          'grpc.use_local_subchannel_pool': 1,
        });
        clients.push(client);
        const call = (
          client as unknown as { StreamAggregatedResources(): grpc.ClientDuplexStream<unknown, unknown> }
        ).StreamAggregatedResources();
        call.on('data', () => {});
        call.on('error', () => {});
        call.on('status', (s: grpc.StatusObject) => {
          const name = grpc.status[s.code] ?? String(s.code);
          codes[name] = (codes[name] ?? 0) + 1;
          ended++;
        });
        const names: string[] = [];
        for (let j = 0; j < m.names; j++) names.push(`made-up/${i}/cluster-${j}/80`);
        call.write({
          node: { id: `flood-${i}`, cluster: GATEWAY },
          type_url: CLUSTER_LOAD_ASSIGNMENT,
          resource_names: names,
        });
        calls.push(call);
      }
      process.send!({ type: 'sent', ms: performance.now() - start } satisfies ToParent);
      const report = setInterval(() => {
        process.send!({ type: 'ended', codes, open: m.streams - ended } satisfies ToParent);
      }, 500);
      report.unref();
    } else {
      for (const call of calls) call.cancel();
      for (const client of clients) client.close();
      setTimeout(() => {
        process.send!({ type: 'closed' } satisfies ToParent);
        process.exit(0);
      }, 500);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Parent: the server, measured.

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      streams: { type: 'string', default: '200' },
      names: { type: 'string', default: '20000' },
      'no-limits': { type: 'boolean', default: false },
    },
  });
  const streams = integerFlag(values.streams, '--streams', 1);
  const names = integerFlag(values.names, '--names', 1);
  const huge = Number.MAX_SAFE_INTEGER;
  // Typed loosely: the same file runs against a server without `limits` (the "before" figures).
  const options = {
    host: '127.0.0.1',
    port: 0,
    ...(values['no-limits']
      ? {
          limits: {
            maxStreamsPerIdentity: huge,
            maxNamesPerSubscription: huge,
            maxNamesPerStream: huge,
            maxRequestBytes: 64 * MIB,
          },
        }
      : {}),
  } as AdsServerOptions;
  const server = new AdsServer(options);
  const port = await server.start();
  const result = translate(buildResourceSet(generateObjects(100)));
  const gateway = result.gateways.find((g) => g.name === GATEWAY);
  if (!gateway) throw new Error(`no Gateway ${GATEWAY} in the generated input`);
  server.publish(GATEWAY, gateway.xds);

  const rss = (): number => process.memoryUsage().rss / MIB;
  const heap = (): string => {
    const m = process.memoryUsage();
    return `heap used ${(m.heapUsed / MIB).toFixed(0)} MiB of ${(m.heapTotal / MIB).toFixed(0)}, external ${(m.external / MIB).toFixed(0)}, array buffers ${(m.arrayBuffers / MIB).toFixed(0)}`;
  };
  collectGarbage();
  await sleep(500);
  const before = rss();

  const clients = fork(process.argv[1]!, ['--child'], { stdio: 'inherit' });
  let last: { codes: Record<string, number>; open: number } = { codes: {}, open: streams };
  const messages: ToParent[] = [];
  clients.on('message', (m: ToParent) => {
    if (m.type === 'ended') last = m;
    messages.push(m);
  });
  clients.send({ type: 'flood', port, streams, names } satisfies ToChild);

  // Peak: sampled until the server has answered every stream (serving it, or refusing it) and
  // its RSS has not grown for 3 s.
  const answered = (): number => {
    const m = server.metrics.metrics();
    const denials = Object.values((m as { deniedStreams?: Record<string, number> }).deniedStreams ?? {}).reduce(
      (a, b) => a + b,
      0,
    );
    return m.connectedProxies.sotw + denials + m.rejectedStreams + streams - last.open;
  };
  let peak = rss();
  let grewAt = performance.now();
  const start = performance.now();
  while ((answered() < streams || performance.now() - grewAt < 3000) && performance.now() - start < 180_000) {
    await sleep(50);
    const now = rss();
    if (now > peak + 1) grewAt = performance.now();
    peak = Math.max(peak, now);
  }
  const connected = server.metrics.metrics().connectedProxies.sotw;
  collectGarbage();
  const peakHeap = heap();
  const denied = (server.metrics.metrics() as { deniedStreams?: Record<string, number> }).deniedStreams ?? {};

  clients.send({ type: 'close' } satisfies ToChild);
  await new Promise<void>((resolve) => clients.once('exit', () => resolve()));
  await sleep(1000);
  collectGarbage();
  await sleep(2000);
  collectGarbage();
  const after = rss();
  await sleep(5000);
  collectGarbage();
  const afterLater = rss();
  const afterHeap = heap();

  console.log(`# xDS flood: ${streams} streams × ${names} made-up EDS names, one Gateway`);
  console.log(`# ${machineLine()}`);
  console.log(`# node flags: ${nodeFlagsLine()}${values['no-limits'] ? '; bounds lifted (--no-limits)' : ''}`);
  console.log(`RSS before:        ${before.toFixed(0)} MiB`);
  console.log(`RSS peak:          ${peak.toFixed(0)} MiB`);
  console.log(`RSS after close:   ${after.toFixed(0)} MiB (1 s + GC), ${afterLater.toFixed(0)} MiB (8 s + GC)`);
  console.log(`at the peak (after a GC): ${peakHeap}; after close: ${afterHeap}`);
  console.log(`streams served at the peak: ${connected}; still open when closed: ${last.open}`);
  console.log(`stream ends seen by the clients: ${JSON.stringify(last.codes)}`);
  console.log(`denials counted by the server: ${JSON.stringify(denied)}`);
  if (process.env.FLOOD_SMAPS) {
    const { readFileSync } = await import('node:fs');
    const maps = readFileSync('/proc/self/smaps', 'utf8').split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/);
    const top = maps
      .map((m) => ({ head: m.split('\n')[0], rss: Number(/\nRss:\s+(\d+)/.exec(m)?.[1] ?? 0) }))
      .sort((a, b) => b.rss - a.rss)
      .slice(0, 8);
    for (const t of top) console.log(`${(t.rss / 1024).toFixed(0)} MiB ${t.head}`);
  }
  await server.stop(1000);
  server.dispose();
}

if (process.argv.includes('--child')) child();
else runWithPorticoFlags(main);
