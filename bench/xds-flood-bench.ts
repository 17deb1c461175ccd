/**
 * xDS flood benchmark: what a client that may open ADS streams can make the server hold, and
 * whether it comes back. N streams (default 200), each on its own connection, each subscribing to
 * M made-up ClusterLoadAssignment names (default 20,000) in one request. Reports the server's RSS
 * before, at its peak during the flood, and after every stream closed (after a GC and a pause),
 * what that memory is made of (memory-probe.ts: V8 heap used and committed, malloc's main arena,
 * other anonymous memory; with `--malloc-info` and gdb, glibc's free chunks and the RSS left after
 * malloc_trim), and how the streams ended (gRPC status codes).
 *
 * Plaintext (default), every stream claims the Gateway `bench/bench` in `node.cluster`, which is
 * then its identity. With `--tls`, the server requires client certificates, as in a cluster: the
 * clients hold the certificates of `--gateways` Gateways of one namespace (`bench/gw-0`, ...; one
 * per Gateway, as Portico issues them) and stream i presents and claims Gateway i mod that number.
 *
 * `--server bare` runs, instead of Portico's ADS server, a bare grpc-js server with the same
 * service path, options and credentials that reads every request as bytes and drops it: the floor,
 * what the same connections and bytes received leave behind in a Node.js gRPC server holding
 * nothing.
 *
 * The server runs in this process; the flooding clients run in a child process (a raw gRPC client
 * over @grpc/proto-loader, not Portico's wire code), so this process's memory is the server's
 * alone. Run with Portico's Node.js flags (restarts itself with them).
 *
 *   node --expose-gc dist/bench/xds-flood-bench.js [--streams 200] [--names 20000] [--no-limits]
 *        [--tls [--gateways 8]] [--server portico|bare] [--malloc-info] [--json]
 *
 * `--no-limits` lifts the bounds (stream-limits.ts) to show what they hold back. `--json` ends
 * the output with one `RESULT {...}` line (xds-flood-ab.ts reads it).
 */
import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { buildResourceSet } from '../src/resources/resource-set.js';
import { translate } from '../src/translate/index.js';
import { AdsServer } from '../src/xds/index.js';
import { ADS_SERVICE } from '../src/xds/ads-service.js';
import type { AdsServerOptions } from '../src/xds/server.js';
import { CLUSTER_LOAD_ASSIGNMENT } from '../src/proto/type-urls.js';
import { issueGatewayCertificate, issueXdsCertificates } from '../src/infra/kubernetes/certs.js';
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
import { describeMallocInfo, describeSample, mallocInfo, sampleMemory, type MemorySample } from './memory-probe.js';

const GATEWAY = 'bench/bench';
const SERVER_NAME = 'portico-xds';

/** What the clients present: the CA and one client bundle per Gateway (TLS only). */
interface ClientTls {
  ca: string;
  bundles: { gateway: string; cert: string; key: string }[];
}

type ToChild =
  { type: 'flood'; port: number; streams: number; names: number; tls: ClientTls | undefined } | { type: 'close' };
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
      const credentials = (m.tls?.bundles ?? []).map((b) =>
        grpc.credentials.createSsl(Buffer.from(m.tls!.ca), Buffer.from(b.key), Buffer.from(b.cert)),
      );
      for (let i = 0; i < m.streams; i++) {
        const bundle = m.tls?.bundles[i % m.tls.bundles.length];
        // One connection per stream, as many Envoys (or one client pretending) would open.
        const client = new Ctor(
          `127.0.0.1:${m.port}`,
          bundle ? credentials[i % credentials.length]! : grpc.credentials.createInsecure(),
          {
            'grpc.use_local_subchannel_pool': 1,
            ...(bundle ? { 'grpc.ssl_target_name_override': SERVER_NAME, 'grpc.default_authority': SERVER_NAME } : {}),
          },
        );
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
          node: { id: `flood-${i}`, cluster: bundle?.gateway ?? GATEWAY },
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

/** The server under test, as the measuring loop sees it. */
interface ServerUnderTest {
  port: number;
  /** Streams the server has dealt with (served, refused or ended). */
  answered(): number;
  served(): number;
  denied(): Record<string, number>;
  stop(): Promise<void>;
}

async function startPortico(
  options: AdsServerOptions,
  gateways: string[],
  streamsEnded: () => number,
): Promise<ServerUnderTest> {
  const server = new AdsServer(options);
  const port = await server.start();
  const result = translate(buildResourceSet(generateObjects(100)));
  const gateway = result.gateways.find((g) => g.name === GATEWAY);
  if (!gateway) throw new Error(`no Gateway ${GATEWAY} in the generated input`);
  for (const name of gateways) server.publish(name, gateway.xds);
  const denied = (): Record<string, number> =>
    (server.metrics.metrics() as { deniedStreams?: Record<string, number> }).deniedStreams ?? {};
  return {
    port,
    answered: () => {
      const m = server.metrics.metrics();
      const denials = Object.values(denied()).reduce((a, b) => a + b, 0);
      return m.connectedProxies.sotw + denials + m.rejectedStreams + streamsEnded();
    },
    served: () => server.metrics.metrics().connectedProxies.sotw,
    denied,
    stop: async () => {
      await server.stop(1000);
      server.dispose();
    },
  };
}

/** A grpc-js server on the ADS path that reads every request as bytes and drops it. */
async function startBare(credentials: grpc.ServerCredentials, maxRequestBytes: number): Promise<ServerUnderTest> {
  const server = new grpc.Server({
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 5_000,
    'grpc.max_receive_message_length': maxRequestBytes,
  });
  const bytes = (b: Buffer): Buffer => b;
  const definition = {
    StreamAggregatedResources: {
      path: `/${ADS_SERVICE}/StreamAggregatedResources`,
      requestStream: true,
      responseStream: true,
      requestDeserialize: bytes,
      responseSerialize: bytes,
      requestSerialize: bytes,
      responseDeserialize: bytes,
    },
  } as unknown as grpc.ServiceDefinition;
  let read = 0;
  server.addService(definition, {
    StreamAggregatedResources: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      let counted = false;
      call.on('data', () => {
        if (!counted) read++;
        counted = true;
      });
      call.on('error', () => {});
      call.on('end', () => call.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    port,
    answered: () => read,
    served: () => read,
    denied: () => ({}),
    stop: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000).unref();
      }),
  };
}

interface Result {
  before: MemorySample;
  peak: MemorySample;
  afterGc: MemorySample;
  after: MemorySample;
  served: number;
  codes: Record<string, number>;
  denied: Record<string, number>;
  malloc?: Awaited<ReturnType<typeof mallocInfo>>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      streams: { type: 'string', default: '200' },
      names: { type: 'string', default: '20000' },
      'no-limits': { type: 'boolean', default: false },
      tls: { type: 'boolean', default: false },
      gateways: { type: 'string', default: '8' },
      server: { type: 'string', default: 'portico' },
      'malloc-info': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      rounds: { type: 'string', default: '1' },
      child: { type: 'boolean', default: false },
    },
  });
  const streams = integerFlag(values.streams, '--streams', 1);
  const names = integerFlag(values.names, '--names', 1);
  const rounds = integerFlag(values.rounds, '--rounds', 1);
  if (values.server !== 'portico' && values.server !== 'bare') throw new Error('--server is portico or bare');
  const huge = Number.MAX_SAFE_INTEGER;
  const maxRequestBytes = values['no-limits'] ? 64 * MIB : 4 * MIB;

  let credentials = grpc.ServerCredentials.createInsecure();
  let clientTls: ClientTls | undefined;
  let gateways = [GATEWAY];
  if (values.tls) {
    const count = integerFlag(values.gateways, '--gateways', 1);
    gateways = Array.from({ length: count }, (_, i) => `bench/gw-${i}`);
    const issued = await issueXdsCertificates({ dnsNames: [SERVER_NAME] });
    const ca = { cert: issued.ca['tls.crt'], key: issued.ca['tls.key'] };
    const bundles = [];
    for (const gateway of gateways) {
      const b = await issueGatewayCertificate(ca, gateway);
      bundles.push({ gateway, cert: b['tls.crt'], key: b['tls.key'] });
    }
    clientTls = { ca: ca.cert, bundles };
    credentials = grpc.ServerCredentials.createSsl(
      Buffer.from(ca.cert),
      [{ cert_chain: Buffer.from(issued.server['tls.crt']), private_key: Buffer.from(issued.server['tls.key']) }],
      true,
    );
  }

  let last: { codes: Record<string, number>; open: number } = { codes: {}, open: streams };
  // Typed loosely: the same file runs against older servers (A/B).
  const options = {
    host: '127.0.0.1',
    port: 0,
    credentials,
    requirePeerIdentity: values.tls,
    ...(values['no-limits']
      ? {
          limits: {
            maxStreamsPerIdentity: huge,
            maxNamesPerSubscription: huge,
            maxNamesPerStream: huge,
            maxRequestBytes,
            maxStreamsPerNamespace: huge,
            maxNamesPerNamespace: huge,
          },
        }
      : {}),
  } as AdsServerOptions;
  const server =
    values.server === 'bare'
      ? await startBare(credentials, maxRequestBytes)
      : await startPortico(options, gateways, () => streams - last.open);

  collectGarbage();
  await sleep(500);
  const before = sampleMemory();

  // One flood, measured; `--rounds N` repeats it against the same server: RSS after each round
  // shows whether what a flood leaves is reused by the next one (a plateau) or grows.
  const flood = async () => {
    last = { codes: {}, open: streams };
    const clients = fork(process.argv[1]!, ['--child'], { stdio: 'inherit' });
    clients.on('message', (m: ToParent) => {
      if (m.type === 'ended') last = m;
    });
    clients.send({ type: 'flood', port: server.port, streams, names, tls: clientTls } satisfies ToChild);

    // Peak: sampled until the server has answered every stream (serving it, or refusing it) and
    // its RSS has not grown for 3 s. The composition is the one of the sample with the highest RSS.
    let peak = sampleMemory();
    let grewAt = performance.now();
    const start = performance.now();
    const answeredBefore = server.answered();
    while (
      (server.answered() - answeredBefore < streams || performance.now() - grewAt < 3000) &&
      performance.now() - start < 180_000
    ) {
      await sleep(50);
      const rss = process.memoryUsage().rss / MIB;
      if (rss > peak.rss + 1) {
        grewAt = performance.now();
        peak = sampleMemory();
      }
    }
    const served = server.served();

    clients.send({ type: 'close' } satisfies ToChild);
    await new Promise<void>((resolve) => clients.once('exit', () => resolve()));
    await sleep(1000);
    collectGarbage();
    await sleep(2000);
    collectGarbage();
    const afterGc = sampleMemory();
    await sleep(5000);
    collectGarbage();
    const after = sampleMemory();
    return { peak, served, afterGc, after };
  };
  const { peak, served, afterGc, after } = await flood();
  const laterRounds: { peak: MemorySample; after: MemorySample }[] = [];
  for (let round = 2; round <= rounds; round++) {
    const more = await flood();
    laterRounds.push({ peak: more.peak, after: more.after });
  }
  const denied = server.denied();
  const malloc = values['malloc-info'] ? await mallocInfo(true) : undefined;
  const result: Result = { before, peak, afterGc, after, served, codes: last.codes, denied, malloc };

  const what = values.server === 'bare' ? 'bare grpc-js server (reads and drops)' : 'Portico ADS server';
  const transport = values.tls
    ? `TLS, client certificates of ${gateways.length} Gateways of one namespace`
    : 'plaintext';
  console.log(`# xDS flood: ${streams} streams × ${names} made-up EDS names; ${what}; ${transport}`);
  console.log(`# ${machineLine()}`);
  console.log(`# node flags: ${nodeFlagsLine()}${values['no-limits'] ? '; bounds lifted (--no-limits)' : ''}`);
  console.log(`before:              ${describeSample(before)}`);
  console.log(`peak:                ${describeSample(peak)}`);
  console.log(`after close (3 s):   ${describeSample(afterGc)}`);
  console.log(`after close (8 s):   ${describeSample(after)}`);
  if (values['malloc-info']) console.log(`after close (8 s):   ${describeMallocInfo(malloc)}`);
  laterRounds.forEach((r, i) => {
    console.log(`round ${i + 2} peak:        ${describeSample(r.peak)}`);
    console.log(`round ${i + 2} after close: ${describeSample(r.after)}`);
  });
  console.log(`streams served at the peak: ${served}; still open when closed: ${last.open}`);
  console.log(`stream ends seen by the clients: ${JSON.stringify(last.codes)}`);
  console.log(`denials counted by the server: ${JSON.stringify(denied)}`);
  if (values.json) console.log(`RESULT ${JSON.stringify(result)}`);
  await server.stop();
}

if (process.argv.includes('--child')) child();
else runWithPorticoFlags(main);
