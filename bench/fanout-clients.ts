/**
 * Child process of the fan-out benchmark: many simulated Envoys, each one gRPC channel with its own
 * TCP connection and one SotW ADS stream, behaving like Envoy: CDS and then EDS for the clusters it
 * received, LDS and then RDS for the route configurations its listeners name, every response ACKed
 * with the subscription restated. Running them here keeps the ADS server's process (whose memory is
 * measured) free of the clients' own memory and CPU.
 *
 * The clients are a second implementation of the protocol, not Portico's wire code. 500 real Envoys
 * would each run on a CPU of their own; here they share one process and the two CPUs with the
 * server, so a client does only the work the protocol needs, and what every client of a Gateway
 * would do alike is done once:
 * - a response is read at its top level only (version, type, nonce; the resources are skipped),
 *   and the resources are decoded once per type and version to find the names they lead to;
 * - a request is written by hand, with the bytes of a subscription's names encoded once per names
 *   list (the clients share the lists).
 * Without this the clients' own protobuf work (about 10 s of CPU per run, mostly encoding 1,000
 * EDS names per request) made the benchmark measure them rather than the server.
 *
 * IPC in:  {type: 'start', port, clients, gateway, connectBatch}, {type: 'stats'}, {type: 'stop'}
 * IPC out: {type: 'ready', ms}, {type: 'stats', rssMiB, cpuMs, responses}, {type: 'error', message}
 */
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { decodeResource } from '../src/proto/codec.js';
import { CLUSTER, CLUSTER_LOAD_ASSIGNMENT, LISTENER, ROUTE_CONFIGURATION } from '../src/proto/type-urls.js';
import { MIB } from './bench-util.js';

export type ParentMessage =
  | { type: 'start'; port: number; clients: number; gateway: string; connectBatch: number }
  | { type: 'stats' }
  | { type: 'stop' };

export type ChildMessage =
  | { type: 'ready'; ms: number }
  | { type: 'stats'; rssMiB: number; cpuMs: number; responses: number }
  | { type: 'error'; message: string };

/** A DiscoveryResponse read at its top level; `bytes` is kept to find the resources if needed. */
interface Response {
  version_info: string;
  type_url: string;
  nonce: string;
  bytes: Buffer;
}

interface Request {
  node?: { id: string; cluster: string };
  type_url: string;
  version_info?: string;
  response_nonce?: string;
  resource_names?: string[];
}

type Stream = grpc.ClientDuplexStream<Request, Response>;

const WIRE_LEN = 2;

/** envoy.service.discovery.v3.DiscoveryResponse: 1 version_info, 2 resources, 4 type_url, 5 nonce. */
function readResponse(bytes: Buffer): Response {
  const r = protobuf.Reader.create(bytes);
  const out: Response = { version_info: '', type_url: '', nonce: '', bytes };
  while (r.pos < r.len) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1) out.version_info = r.string();
    else if (field === 4) out.type_url = r.string();
    else if (field === 5) out.nonce = r.string();
    else r.skipType(tag & 7);
  }
  return out;
}

/** The resources (google.protobuf.Any: 1 type_url, 2 value) of a response. */
function responseResources(bytes: Buffer): { type_url: string; value: Uint8Array }[] {
  const r = protobuf.Reader.create(bytes);
  const out: { type_url: string; value: Uint8Array }[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 !== 2 || (tag & 7) !== WIRE_LEN) {
      r.skipType(tag & 7);
      continue;
    }
    const end = r.uint32() + r.pos;
    const any: { type_url: string; value: Uint8Array } = { type_url: '', value: new Uint8Array() };
    while (r.pos < end) {
      const t = r.uint32();
      if (t >>> 3 === 1) any.type_url = r.string();
      else if (t >>> 3 === 2) any.value = r.bytes();
      else r.skipType(t & 7);
    }
    out.push(any);
  }
  return out;
}

/** The bytes of `resource_names` (field 3) for a names list; the clients share the lists. */
const namesBytes = new WeakMap<readonly string[], Uint8Array<ArrayBufferLike>>();

/** envoy.service.discovery.v3.DiscoveryRequest: 1 version_info, 2 node, 3 resource_names, 4 type_url, 5 response_nonce. */
function writeRequest(req: Request): Buffer {
  const w = protobuf.Writer.create();
  if (req.version_info) w.uint32((1 << 3) | WIRE_LEN).string(req.version_info);
  if (req.node) {
    w.uint32((2 << 3) | WIRE_LEN).fork();
    w.uint32((1 << 3) | WIRE_LEN).string(req.node.id);
    w.uint32((2 << 3) | WIRE_LEN).string(req.node.cluster);
    w.ldelim();
  }
  w.uint32((4 << 3) | WIRE_LEN).string(req.type_url);
  if (req.response_nonce) w.uint32((5 << 3) | WIRE_LEN).string(req.response_nonce);
  const head = w.finish();
  const names = req.resource_names ?? [];
  let tail = namesBytes.get(names);
  if (!tail) {
    const nw = protobuf.Writer.create();
    for (const name of names) nw.uint32((3 << 3) | WIRE_LEN).string(name);
    tail = nw.finish();
    namesBytes.set(names, tail);
  }
  return Buffer.concat([head, tail]);
}

function adsClientConstructor(): grpc.ServiceClientConstructor {
  return grpc.makeGenericClientConstructor(
    {
      StreamAggregatedResources: {
        path: '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources',
        requestStream: true,
        responseStream: true,
        requestSerialize: writeRequest,
        requestDeserialize: () => {
          throw new Error('client only');
        },
        responseSerialize: () => {
          throw new Error('client only');
        },
        responseDeserialize: readResponse,
      },
    },
    'AggregatedDiscoveryService',
  );
}

/**
 * Names a response leads to (EDS names from clusters, RDS names from listeners), decoded once per
 * type and version: all the clients of one Gateway receive the same resources.
 */
const followUps = new Map<string, string[]>();

function followUpNames(r: Response): string[] {
  const key = `${r.type_url} ${r.version_info}`;
  let names = followUps.get(key);
  if (names) return names;
  const found = new Set<string>();
  for (const any of responseResources(r.bytes)) {
    const msg = decodeResource(any.type_url, any.value) as Record<string, unknown>;
    if (r.type_url === CLUSTER && msg.type === 'EDS') {
      const eds = msg.eds_cluster_config as { service_name?: string } | undefined;
      found.add(eds?.service_name || String(msg.name));
    } else if (r.type_url === LISTENER) {
      for (const chain of (msg.filter_chains as { filters?: { typed_config?: Record<string, unknown> }[] }[]) ?? []) {
        for (const filter of chain.filters ?? []) {
          const rds = filter.typed_config?.rds as { route_config_name?: string } | undefined;
          if (rds?.route_config_name) found.add(rds.route_config_name);
        }
      }
    }
  }
  names = [...found].sort();
  followUps.set(key, names);
  return names;
}

interface TypeState {
  version: string;
  nonce: string;
  names: string[];
  requested: boolean;
  acked: boolean;
}

let responses = 0;

class SimulatedEnvoy {
  private readonly types = new Map<string, TypeState>();
  private readonly client: grpc.Client;
  private readonly call: Stream;

  constructor(
    ctor: grpc.ServiceClientConstructor,
    port: number,
    private readonly node: { id: string; cluster: string },
    private readonly onReady: () => void,
    onError: (err: Error) => void,
  ) {
    for (const typeUrl of [CLUSTER, CLUSTER_LOAD_ASSIGNMENT, LISTENER, ROUTE_CONFIGURATION]) {
      this.types.set(typeUrl, { version: '', nonce: '', names: [], requested: false, acked: false });
    }
    // A channel of its own with its own TCP connection (grpc-js shares subchannels otherwise),
    // as 500 Envoys would have.
    this.client = new ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.max_receive_message_length': 64 * MIB,
    });
    this.call = (this.client as unknown as { StreamAggregatedResources(): Stream }).StreamAggregatedResources();
    this.call.on('data', (r: Response) => this.onResponse(r));
    this.call.on('error', (err: Error) => {
      if (!this.closed) onError(err);
    });
    this.request(CLUSTER, true);
  }

  private closed = false;

  private state(typeUrl: string): TypeState {
    return this.types.get(typeUrl)!;
  }

  /** A request restating the subscription of a type, carrying the last version and nonce (an ACK). */
  private request(typeUrl: string, withNode = false): void {
    const ts = this.state(typeUrl);
    ts.requested = true;
    this.call.write({
      ...(withNode ? { node: this.node } : {}),
      type_url: typeUrl,
      version_info: ts.version,
      response_nonce: ts.nonce,
      resource_names: ts.names,
    });
  }

  private onResponse(r: Response): void {
    responses++;
    const ts = this.state(r.type_url);
    ts.version = r.version_info;
    ts.nonce = r.nonce;
    const wasReady = this.ready();
    ts.acked = true;
    this.request(r.type_url);
    if (r.type_url === CLUSTER) {
      this.follow(CLUSTER_LOAD_ASSIGNMENT, followUpNames(r));
    } else if (r.type_url === CLUSTER_LOAD_ASSIGNMENT) {
      // Envoy asks for listeners once its clusters are warm.
      if (!this.state(LISTENER).requested) this.request(LISTENER);
    } else if (r.type_url === LISTENER) {
      this.follow(ROUTE_CONFIGURATION, followUpNames(r));
    }
    if (!wasReady && this.ready()) this.onReady();
  }

  private follow(typeUrl: string, names: string[]): void {
    const ts = this.state(typeUrl);
    const same = names === ts.names || (names.length === ts.names.length && names.every((n, i) => n === ts.names[i]));
    if (ts.requested && same) return;
    ts.names = names;
    this.request(typeUrl);
  }

  private ready(): boolean {
    for (const ts of this.types.values()) if (!ts.acked) return false;
    return true;
  }

  close(): void {
    this.closed = true;
    this.call.cancel();
    this.client.close();
  }
}

const send = (m: ChildMessage): void => void process.send?.(m);
const envoys: SimulatedEnvoy[] = [];

async function start(m: Extract<ParentMessage, { type: 'start' }>): Promise<void> {
  const ctor = adsClientConstructor();
  const startedAt = performance.now();
  let ready = 0;
  let failed = false;
  const onError = (err: Error): void => {
    if (failed) return;
    failed = true;
    send({ type: 'error', message: `a simulated Envoy's stream failed: ${err.message}` });
  };
  const allReady = new Promise<void>((resolve) => {
    const onReady = (): void => {
      if (++ready === m.clients) resolve();
    };
    // Connect in batches, as a fleet rolling out would, rather than 500 handshakes in one tick.
    const connect = (from: number): void => {
      for (let i = from; i < Math.min(from + m.connectBatch, m.clients); i++) {
        const node = { id: `${m.gateway}/envoy-${i}`, cluster: m.gateway };
        envoys.push(new SimulatedEnvoy(ctor, m.port, node, onReady, onError));
      }
      if (from + m.connectBatch < m.clients) setTimeout(() => connect(from + m.connectBatch), 10);
    };
    connect(0);
  });
  await allReady;
  send({ type: 'ready', ms: performance.now() - startedAt });
}

process.on('message', (m: ParentMessage) => {
  if (m.type === 'start') {
    start(m).catch((err: unknown) => send({ type: 'error', message: String(err) }));
  } else if (m.type === 'stats') {
    const cpu = process.cpuUsage();
    send({ type: 'stats', rssMiB: process.memoryUsage().rss / MIB, cpuMs: (cpu.user + cpu.system) / 1000, responses });
  } else {
    for (const envoy of envoys) envoy.close();
    process.disconnect?.();
    setTimeout(() => process.exit(0), 200).unref();
  }
});
// The parent went away without saying stop: do not linger.
process.on('disconnect', () => process.exit(0));
