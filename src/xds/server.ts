/**
 * The ADS server: envoy.service.discovery.v3.AggregatedDiscoveryService over @grpc/grpc-js,
 * state of the world (`StreamAggregatedResources`) and incremental (`DeltaAggregatedResources`).
 *
 * The service is registered with a hand-built ServiceDefinition: requests are decoded with the
 * shared protobufjs Root, responses are written as gRPC frames built from each resource's cached
 * encoding (see wire.ts and grpc-frame.ts), so protobufjs never re-encodes a resource per stream
 * and a response shared by many streams is not copied per stream.
 *
 * `AdsServer` is both ends of the contract with the pipeline: a `SnapshotPublisher` (it owns a
 * `SnapshotCache`) and a `ProxyTracker`.
 */
import * as grpc from '@grpc/grpc-js';
import { Subject, type Observable } from 'rxjs';
import type protobuf from 'protobufjs';
import { protoRoot } from '../proto/root.js';
import type { XdsKind, XdsResources } from '../translate/xds/types.js';
import type {
  ClientInfo,
  ConfigDump,
  GatewayKey,
  ProgrammedStatus,
  ProxyEvent,
  ProxyTracker,
  SnapshotPublisher,
} from './contract.js';
import { type Logger, quietLogger } from './log.js';
import { XdsMetrics } from './metrics.js';
import { SnapshotCache, type Snapshot } from './snapshot.js';
import { ViewCache } from './views.js';
import { WriteQueue } from './write-queue.js';
import { type GrpcFrame, sendFramesAsIs, serializeFrame } from './grpc-frame.js';
import { readRequestsWhole } from './request-reader.js';
import { NAMES_COUNT, SotwRequestDecoder } from './sotw-request.js';
import type { RetryBackoff } from './nack-retry.js';
import { AdsStream } from './stream.js';
import { StreamRefused, type DeltaRequest, type SotwRequest } from './stream-requests.js';
import type { Protocol } from './type-stream.js';
import { deniedClaim, peerIdentity, type PeerIdentity } from './peer-identity.js';
import {
  DEFAULT_XDS_LIMITS,
  NamespaceNames,
  requestNamesExceeded,
  StreamCounter,
  subscriptionExceeded,
  type XdsLimits,
} from './stream-limits.js';

export const ADS_SERVICE = 'envoy.service.discovery.v3.AggregatedDiscoveryService';
export const DEFAULT_XDS_HOST = '127.0.0.1';
export const DEFAULT_XDS_PORT = 18000;

export interface AdsServerOptions {
  /** Address to bind; default 127.0.0.1. */
  host?: string;
  /** Port to bind; default 18000; 0 picks a free port (`start()` resolves it). */
  port?: number;
  /** Transport security; default plaintext. */
  credentials?: grpc.ServerCredentials;
  /**
   * Serve a stream only the Gateway its verified client certificate names (peer-identity.ts); a
   * stream claiming another Gateway in `node.cluster`, or whose certificate names none, is refused
   * with PERMISSION_DENIED. Set it whenever `credentials` require client certificates.
   */
  requirePeerIdentity?: boolean;
  /** Bounds per identity, subscription, stream and request (stream-limits.ts). */
  limits?: Partial<XdsLimits>;
  /** Snapshot cache to serve; a new one by default. */
  cache?: SnapshotCache;
  logger?: Logger;
  metrics?: XdsMetrics;
  /**
   * How long listeners and routes wait for new or changed clusters to be confirmed warm
   * (CDS and EDS ACKed) before being sent anyway. Default 10 s.
   */
  clusterWarmTimeoutMs?: number;
  /** Backoff of the retries of transient rejections (a listener's port in use). Default 0.5 s doubling to 10 s. */
  retryBackoff?: RetryBackoff;
  /** `control_plane.identifier` in every response. Default `portico`. */
  controlPlaneId?: string;
  /**
   * Response bytes written to all streams at once (more wait until some are flushed), which bounds
   * the memory of a fan-out. Default 32 MiB.
   */
  maxWriteBytes?: number;
  /** Extra grpc-js server options (keepalive defaults are set). */
  grpcOptions?: grpc.ServerOptions;
}

interface Codec {
  sotwRequest: protobuf.Type;
  sotwResponse: protobuf.Type;
  deltaRequest: protobuf.Type;
  deltaResponse: protobuf.Type;
}

function codec(): Codec {
  const root = protoRoot();
  return {
    sotwRequest: root.lookupType('envoy.service.discovery.v3.DiscoveryRequest'),
    sotwResponse: root.lookupType('envoy.service.discovery.v3.DiscoveryResponse'),
    deltaRequest: root.lookupType('envoy.service.discovery.v3.DeltaDiscoveryRequest'),
    deltaResponse: root.lookupType('envoy.service.discovery.v3.DeltaDiscoveryResponse'),
  };
}

function method(
  name: string,
  request: protobuf.Type,
  response: protobuf.Type,
  decode: (bytes: Buffer) => unknown = (bytes) => request.decode(bytes),
): grpc.MethodDefinition<unknown, GrpcFrame> {
  const definition = {
    path: `/${ADS_SERVICE}/${name}`,
    requestStream: true,
    responseStream: true,
    // Server side: requests are decoded once into protobufjs messages (read field by field, no
    // toObject); responses are already framed (grpc-frame.ts), this is only the fallback.
    requestDeserialize: decode,
    responseSerialize: serializeFrame,
    // Client side (a definition can also make a client): plain protobufjs.
    requestSerialize: (value: object) => Buffer.from(request.encode(request.fromObject(value)).finish()),
    responseDeserialize: (bytes: Buffer) => response.decode(bytes),
    originalName: name,
  };
  return definition as unknown as grpc.MethodDefinition<unknown, GrpcFrame>;
}

/**
 * The ADS service definition with the custom (de)serializers. A SotW request naming more than
 * `maxNamesPerRequest` resources is not decoded (the stream is then refused).
 */
export function adsServiceDefinition(
  maxNamesPerRequest = Infinity,
  // SotW requests restate their subscription: equal names lists are decoded once and shared.
  sotw = new SotwRequestDecoder(codec().sotwRequest, undefined, maxNamesPerRequest),
): grpc.ServiceDefinition {
  const c = codec();
  return {
    StreamAggregatedResources: method('StreamAggregatedResources', c.sotwRequest, c.sotwResponse, (bytes) =>
      sotw.decode(bytes),
    ),
    DeltaAggregatedResources: method('DeltaAggregatedResources', c.deltaRequest, c.deltaResponse),
  };
}

type DuplexCall = grpc.ServerDuplexStream<unknown, GrpcFrame>;

export class AdsServer implements SnapshotPublisher, ProxyTracker {
  readonly cache: SnapshotCache;
  readonly metrics: XdsMetrics;
  readonly logger: Logger;
  readonly controlPlaneId: string;
  readonly clusterWarmTimeoutMs: number;
  private readonly retryBackoff: RetryBackoff | undefined;
  private readonly events = new Subject<ProxyEvent>();
  readonly events$: Observable<ProxyEvent> = this.events.asObservable();
  private readonly host: string;
  private readonly port: number;
  private readonly credentials: grpc.ServerCredentials;
  private readonly grpcOptions: grpc.ServerOptions;
  private server: grpc.Server | undefined;
  private boundPort: number | undefined;
  private readonly streams = new Map<GatewayKey, Set<AdsStream>>();
  private readonly calls = new Map<AdsStream, DuplexCall>();
  /** Why new streams are refused (undefined: they are served); see `refuseStreams`. */
  private refusing: string | undefined;
  /** A drain of every connection, due shortly (see `drainSoon`). */
  private drainTimer: NodeJS.Timeout | undefined;
  /** The address given to bindAsync, with the bound port: what `drain` names. */
  private boundAddress: string | undefined;
  /** Per Gateway, the stream `programmed()` last found out of sync (asked first next time). */
  private readonly notInSync = new Map<GatewayKey, AdsStream>();
  private readonly unsubscribe: () => void;
  /** Views and SotW bodies shared by all streams; entries die with their snapshot. */
  private readonly views = new ViewCache();
  private readonly writes: WriteQueue;
  private framingWarned = false;
  private readonly requirePeerIdentity: boolean;
  readonly limits: XdsLimits;
  private readonly streamCounter: StreamCounter;
  private readonly namespaceNames: NamespaceNames;
  /** Decodes SotW requests (names lists shared, decoded once admitted); its counters say what it decoded. */
  readonly sotwDecoder: SotwRequestDecoder;
  /** Denials already logged (identity → claimed Gateway, or a bound): each is logged once. */
  private readonly deniedLogged = new Set<string>();

  constructor(options: AdsServerOptions = {}) {
    this.logger = options.logger ?? quietLogger;
    this.cache = options.cache ?? new SnapshotCache({ logger: this.logger });
    this.metrics = options.metrics ?? new XdsMetrics();
    this.controlPlaneId = options.controlPlaneId ?? 'portico';
    this.clusterWarmTimeoutMs = options.clusterWarmTimeoutMs ?? 10_000;
    this.retryBackoff = options.retryBackoff;
    this.host = options.host ?? DEFAULT_XDS_HOST;
    this.port = options.port ?? DEFAULT_XDS_PORT;
    this.credentials = options.credentials ?? grpc.ServerCredentials.createInsecure();
    this.requirePeerIdentity = options.requirePeerIdentity ?? false;
    this.limits = { ...DEFAULT_XDS_LIMITS, ...options.limits };
    this.streamCounter = new StreamCounter(this.limits);
    this.namespaceNames = new NamespaceNames(this.limits);
    this.sotwDecoder = new SotwRequestDecoder(codec().sotwRequest, undefined, this.limits.maxNamesPerSubscription);
    this.grpcOptions = {
      // Notice dead Envoys (and keep NATs open) without waiting for TCP timeouts.
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.http2.min_ping_interval_without_data_ms': 5_000,
      'grpc.max_receive_message_length': this.limits.maxRequestBytes,
      ...options.grpcOptions,
    };
    this.writes = new WriteQueue(options.maxWriteBytes ?? 32 * 1024 * 1024);
    this.unsubscribe = this.cache.onChange((gateway, snapshot) => this.onSnapshot(gateway, snapshot));
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle

  /** Binds and starts serving; resolves the bound port. */
  async start(): Promise<number> {
    if (this.server) throw new Error('AdsServer already started');
    const server = new grpc.Server(this.grpcOptions);
    server.addService(adsServiceDefinition(this.limits.maxNamesPerSubscription, this.sotwDecoder), {
      StreamAggregatedResources: (call: DuplexCall) => this.serve(call, 'sotw'),
      DeltaAggregatedResources: (call: DuplexCall) => this.serve(call, 'delta'),
    });
    const address = this.host.includes(':') && !this.host.startsWith('[') ? `[${this.host}]` : this.host;
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${address}:${this.port}`, this.credentials, (err, bound) =>
        err ? reject(err) : resolve(bound),
      );
    });
    this.server = server;
    this.boundPort = port;
    this.boundAddress = `${address}:${port}`;
    this.logger({ level: 'info', msg: 'ADS server listening', address: `${address}:${port}` });
    return port;
  }

  /** The address Envoy should connect to (after `start()`). */
  address(): { host: string; port: number } | undefined {
    return this.boundPort === undefined ? undefined : { host: this.host, port: this.boundPort };
  }

  /**
   * Ends every stream (Envoy keeps its configuration and reconnects), then shuts down, forcing
   * it after `graceMs`.
   */
  async stop(graceMs = 5_000): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const [stream, call] of this.calls) {
      stream.close();
      try {
        call.end();
      } catch {
        // already gone
      }
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, graceMs);
      timer.unref();
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.boundPort = undefined;
  }

  /** Stops listening to the cache and completes `events$` (after `stop()`). */
  dispose(): void {
    this.unsubscribe();
    this.events.complete();
  }

  // -------------------------------------------------------------------------------------------
  // SnapshotPublisher (delegated to the cache)

  publish(gateway: GatewayKey, resources: XdsResources): boolean {
    return this.cache.publish(gateway, resources);
  }

  remove(gateway: GatewayKey): void {
    this.cache.remove(gateway);
    if (!this.streams.get(gateway)?.size) this.cache.forget(gateway);
  }

  gateways(): GatewayKey[] {
    return this.cache.gateways();
  }

  dump(gateway: GatewayKey, kind?: XdsKind): ConfigDump | undefined {
    return this.cache.dump(gateway, kind);
  }

  // -------------------------------------------------------------------------------------------
  // ProxyTracker

  clients(): ClientInfo[] {
    const out: ClientInfo[] = [];
    for (const set of this.streams.values()) for (const stream of set) out.push(stream.info());
    return out.sort((a, b) => (a.gateway === b.gateway ? cmp(a.nodeId, b.nodeId) : cmp(a.gateway, b.gateway)));
  }

  programmed(gateway: GatewayKey): ProgrammedStatus {
    const set = this.streams.get(gateway);
    if (!set || set.size === 0) return { state: 'pending', message: 'no Envoy is connected for this Gateway' };
    // A NACK anywhere wins; then any Envoy not in sync. This is asked on proxy events (coalesced
    // by the pipeline) while hundreds of Envoys ACK a change, roughly in the order they connected.
    // So the search starts at the Envoy found out of sync last time and goes on from there: most
    // calls stop after a stream or two, and only the last one asks every stream.
    for (const stream of set) {
      const rejected = stream.rejection();
      if (rejected) return rejected;
    }
    for (const stream of startingAt(set, this.notInSync.get(gateway))) {
      const status = stream.status();
      if (status.state === 'programmed') continue;
      this.notInSync.set(gateway, stream);
      return status;
    }
    this.notInSync.delete(gateway);
    return { state: 'programmed' };
  }

  // -------------------------------------------------------------------------------------------
  // Streams

  /**
   * Refuses new streams with UNAVAILABLE and `reason`, and ends the open ones (their Envoys keep
   * their configuration and reconnect, through the xDS Service, to a replica that serves);
   * `undefined` serves again. In a cluster only the Lease holder serves xDS: it is also the one
   * that writes status, and a Gateway's Programmed can only count the Envoys connected to it.
   */
  refuseStreams(reason: string | undefined): void {
    const was = this.refusing;
    this.refusing = reason;
    if (reason === undefined || was !== undefined) return;
    this.logger({ level: 'info', msg: 'xDS streams refused from now on; ending the open ones', reason });
    for (const [stream, call] of this.calls) {
      stream.close();
      call.emit('error', { code: grpc.status.UNAVAILABLE, details: reason });
    }
    this.drainSoon();
  }

  /**
   * Closes every connection (GOAWAY) shortly after a refusal has been written. A refused Envoy
   * would otherwise retry its stream on the same connection, to the same replica, for ever; a new
   * connection goes through the xDS Service again and can reach the replica that serves.
   */
  private drainSoon(): void {
    if (this.drainTimer) return;
    this.drainTimer = setTimeout(() => {
      this.drainTimer = undefined;
      if (!this.server || !this.boundAddress || this.refusing === undefined) return;
      try {
        this.server.drain(this.boundAddress, 1_000);
      } catch (err) {
        this.logger({ level: 'warn', msg: 'could not close xDS connections', error: String(err) });
      }
    }, 250);
    this.drainTimer.unref();
  }

  private serve(call: DuplexCall, protocol: Protocol): void {
    if (this.refusing !== undefined) {
      call.emit('error', { code: grpc.status.UNAVAILABLE, details: this.refusing });
      this.drainSoon();
      return;
    }
    // Before anything is read: a request being received holds its own buffer, not read buffers.
    const gathered = readRequestsWhole(call);
    if ((!sendFramesAsIs(call) || !gathered) && !this.framingWarned) {
      this.framingWarned = true;
      this.logger({
        level: 'warn',
        msg: 'this grpc-js copies every xDS response per stream and holds read buffers while a request arrives (its internals differ from the pinned version): fan-out and floods cost more CPU and memory; pin @grpc/grpc-js as package.json does',
      });
    }
    const stream = new AdsStream(
      protocol,
      {
        snapshot: (gateway) => this.cache.get(gateway),
        bind: (s) => this.bind(s),
        emit: (event) => this.events.next(event),
        metrics: this.metrics,
        logger: this.logger,
        views: this.views,
        controlPlaneId: this.controlPlaneId,
        clusterWarmTimeoutMs: this.clusterWarmTimeoutMs,
        ...(this.retryBackoff ? { retryBackoff: this.retryBackoff } : {}),
      },
      (response) => this.writes.write(call, response),
    );
    this.calls.set(stream, call);
    // Read before the first request: the certificate is the stream's for its whole life.
    const identity = this.requirePeerIdentity ? peerIdentity(call.getAuthContext()?.sslPeerCertificate) : undefined;
    /** The identity the stream is counted under once admitted. */
    let counted: string | undefined;
    /** Names this stream's subscriptions hold, as counted for its namespace. */
    let namesHeld = 0;
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      if (counted !== undefined) {
        this.streamCounter.release(counted);
        this.namespaceNames.update(counted, namesHeld, 0);
      }
      this.writes.forget(call);
      this.release(stream, protocol);
    };
    const refuse = (code: grpc.status, reason: string, details: string, logKey: string): void => {
      this.metrics.recordDeniedStream(reason);
      this.logDenialOnce(logKey, { msg: 'xDS stream refused', reason, peer: safePeer(call), error: details });
      end();
      call.emit('error', { code, details });
    };
    if (identity) {
      // With TLS the client is known before it says anything: refuse what cannot be served now,
      // before reading a request.
      if (identity.kind === 'none') {
        refuse(
          grpc.status.PERMISSION_DENIED,
          identity.reason,
          `xDS stream refused: ${identity.detail}`,
          identity.reason,
        );
        return;
      }
      const over = this.streamCounter.admit(identity.gateway);
      if (over) {
        refuse(grpc.status.RESOURCE_EXHAUSTED, over.reason, over.message, `${over.reason} ${identity.gateway}`);
        return;
      }
      counted = identity.gateway;
    }
    let claimChecked = false;
    call.on('data', (request: unknown) => {
      if (ended) return;
      const names = requestedNames(request, protocol);
      if (!claimChecked) {
        // The first request: what the client claims to serve.
        const claimed = (request as { node?: { cluster?: string } | null }).node?.cluster ?? '';
        if (claimed !== '') {
          claimChecked = true;
          const denied = identity ? deniedClaim(identity, claimed) : undefined;
          if (denied) {
            // Per identity, not per claim: a client varying its claim must not write a line per stream.
            const key = `${denied.reason} ${identityLabel(identity)}`;
            refuse(grpc.status.PERMISSION_DENIED, denied.reason, denied.message, key);
            return;
          }
          if (counted === undefined) {
            // Without TLS, the only identity there is is the claim.
            const over = this.streamCounter.admit(claimed);
            if (over) {
              refuse(grpc.status.RESOURCE_EXHAUSTED, over.reason, over.message, `${over.reason} ${claimed}`);
              return;
            }
            counted = claimed;
          }
        }
      }
      const tooMany = requestNamesExceeded(this.limits, names);
      if (tooMany) {
        refuse(grpc.status.RESOURCE_EXHAUSTED, tooMany.reason, tooMany.message, `${tooMany.reason} ${counted ?? ''}`);
        return;
      }
      if (protocol === 'sotw' && counted !== undefined) {
        // What the subscription will hold is known from the names count: a request past the
        // stream's or the namespace's bound is refused before its names are decoded.
        const typeUrl = (request as SotwRequest).type_url ?? '';
        const after = stream.subscribedNames().total - stream.namesOf(typeUrl) + names;
        const over =
          subscriptionExceeded(this.limits, { largest: names, total: after }) ??
          this.namespaceNames.update(counted, namesHeld, after);
        if (over) {
          refuse(grpc.status.RESOURCE_EXHAUSTED, over.reason, over.message, `${over.reason} ${counted}`);
          return;
        }
        namesHeld = after;
      }
      try {
        if (protocol === 'sotw') stream.handleSotw(request as SotwRequest);
        else stream.handleDelta(request as DeltaRequest);
        const subscribed = stream.subscribedNames();
        const over =
          subscriptionExceeded(this.limits, subscribed) ??
          (counted !== undefined ? this.namespaceNames.update(counted, namesHeld, subscribed.total) : undefined);
        if (over) refuse(grpc.status.RESOURCE_EXHAUSTED, over.reason, over.message, `${over.reason} ${counted ?? ''}`);
        else namesHeld = subscribed.total;
      } catch (err) {
        const refused = err instanceof StreamRefused;
        const code = refused ? err.code : grpc.status.INTERNAL;
        const details = err instanceof Error ? err.message : String(err);
        if (refused) this.metrics.recordRejectedStream();
        this.logger({
          level: refused ? 'warn' : 'error',
          msg: refused ? 'xDS stream refused' : 'xDS stream failed',
          peer: safePeer(call),
          error: details,
          ...(refused ? {} : { stack: err instanceof Error ? err.stack : undefined }),
        });
        end();
        call.emit('error', { code, details });
      }
    });
    call.on('end', () => {
      end();
      if (call.writable) call.end();
    });
    call.on('cancelled', end);
    call.on('close', end);
    call.on('error', end);
  }

  /** Logs a denial the first time it is seen; a reconnect storm is counted, not logged again. */
  private logDenialOnce(key: string, entry: { msg: string; [field: string]: unknown }): void {
    if (this.deniedLogged.has(key)) return;
    // Bounded: past 1,024 distinct denials, old ones may be logged again.
    if (this.deniedLogged.size >= 1024) this.deniedLogged.delete(this.deniedLogged.values().next().value!);
    this.deniedLogged.add(key);
    this.logger({ level: 'warn', ...entry });
  }

  private bind(stream: AdsStream): void {
    let set = this.streams.get(stream.gateway);
    if (!set) {
      set = new Set();
      this.streams.set(stream.gateway, set);
    }
    set.add(stream);
    this.metrics.streamOpened(stream.protocol);
    this.events.next({ kind: 'connected', nodeId: stream.nodeId, gateway: stream.gateway });
    if (!this.cache.get(stream.gateway)) {
      this.logger({
        level: 'info',
        msg: 'Envoy connected for a Gateway without configuration: waiting for it',
        nodeId: stream.nodeId,
        gateway: stream.gateway,
      });
    }
  }

  private release(stream: AdsStream, protocol: Protocol): void {
    stream.close();
    this.calls.delete(stream);
    if (!stream.isBound) return;
    const set = this.streams.get(stream.gateway);
    if (!set?.delete(stream)) return;
    if (this.notInSync.get(stream.gateway) === stream) this.notInSync.delete(stream.gateway);
    this.metrics.streamClosed(protocol);
    if (set.size === 0) {
      this.streams.delete(stream.gateway);
      this.cache.forget(stream.gateway);
    }
    this.events.next({ kind: 'disconnected', nodeId: stream.nodeId, gateway: stream.gateway });
  }

  private onSnapshot(gateway: GatewayKey, snapshot: Snapshot | undefined): void {
    const set = this.streams.get(gateway);
    if (!set) return;
    for (const stream of set) {
      try {
        stream.onSnapshot(snapshot);
      } catch (err) {
        this.logger({ level: 'error', msg: 'push failed', gateway, nodeId: stream.nodeId, error: String(err) });
      }
    }
  }
}

/** The items of `items` from `first` on, then those before it (all of them when `first` is absent). */
function* startingAt<T>(items: Iterable<T>, first: T | undefined): Generator<T> {
  const before: T[] = [];
  let reached = false;
  for (const item of items) {
    if (!reached && item !== first) before.push(item);
    else {
      reached = true;
      yield item;
    }
  }
  yield* before;
}

/** Names a request adds to its subscription (SotW: all of it; delta: those it subscribes). */
function requestedNames(request: unknown, protocol: Protocol): number {
  if (protocol === 'sotw') {
    // Counted by the decoder, so that reading the count does not decode the names.
    const sotw = request as SotwRequest & { [NAMES_COUNT]?: number };
    return sotw[NAMES_COUNT] ?? sotw.resource_names?.length ?? 0;
  }
  return (request as DeltaRequest).resource_names_subscribe?.length ?? 0;
}

function identityLabel(identity: PeerIdentity | undefined): string {
  if (!identity) return '(no TLS)';
  return identity.kind === 'gateway' ? identity.gateway : `(${identity.reason})`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function safePeer(call: DuplexCall): string {
  try {
    return call.getPeer();
  } catch {
    return 'unknown';
  }
}
