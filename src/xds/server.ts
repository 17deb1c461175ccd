/**
 * The ADS server: envoy.service.discovery.v3.AggregatedDiscoveryService over @grpc/grpc-js,
 * state of the world (`StreamAggregatedResources`) and incremental (`DeltaAggregatedResources`).
 * It binds and serves gRPC (the hand-built service definition, whose responses are frames of
 * cached encodings: `ads-service.ts`), admits each stream (`stream-admission.ts`), serves it
 * (`stream.ts`), and keeps the streams bound to each Gateway (`connected-streams.ts`).
 *
 * `AdsServer` is both ends of the contract with the pipeline: a `SnapshotPublisher` (it owns a
 * `SnapshotCache`) and a `ProxyTracker`.
 */
import * as grpc from '@grpc/grpc-js';
import { Subject, type Observable } from 'rxjs';
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
import { type Logger, quietLogger } from '../shared/logger.js';
import { XdsMetrics } from './metrics.js';
import { SnapshotCache } from './snapshot.js';
import { ViewCache } from './views.js';
import { WriteQueue } from './write-queue.js';
import { type GrpcFrame, sendFramesAsIs } from './grpc-frame.js';
import { adsServiceDefinition, codec } from './ads-service.js';
import { readRequestsWhole } from './request-reader.js';
import { SotwRequestDecoder } from './sotw-request.js';
import type { RetryBackoff } from './nack-retry.js';
import { AdsStream } from './stream.js';
import { ConnectedStreams } from './connected-streams.js';
import { StreamRefused, type DeltaRequest, type SotwRequest } from './stream-requests.js';
import type { Protocol } from './type-stream.js';
import { peerIdentity } from './peer-identity.js';
import { DEFAULT_XDS_LIMITS, NamespaceNames, StreamCounter, type XdsLimits } from './stream-limits.js';
import { DenialLog, StreamAdmission, type AdmissionBounds, type Refusal } from './stream-admission.js';

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
  /** The streams bound to each Gateway. */
  private readonly connected: ConnectedStreams;
  private readonly calls = new Map<AdsStream, DuplexCall>();
  /** Why new streams are refused (undefined: they are served); see `refuseStreams`. */
  private refusing: string | undefined;
  /** A drain of every connection, due shortly (see `drainSoon`). */
  private drainTimer: NodeJS.Timeout | undefined;
  /** The address given to bindAsync, with the bound port: what `drain` names. */
  private boundAddress: string | undefined;
  private readonly unsubscribe: () => void;
  /** Views and SotW bodies shared by all streams; entries die with their snapshot. */
  private readonly views = new ViewCache();
  private readonly writes: WriteQueue;
  private framingWarned = false;
  private readonly requirePeerIdentity: boolean;
  readonly limits: XdsLimits;
  /** The bounds every stream is admitted under (stream-admission.ts). */
  private readonly admissionBounds: AdmissionBounds;
  /** Decodes SotW requests (names lists shared, decoded once admitted); its counters say what it decoded. */
  readonly sotwDecoder: SotwRequestDecoder;
  /** Denials already logged (identity → claimed Gateway, or a bound): each is logged once. */
  private readonly denials: DenialLog;

  constructor(options: AdsServerOptions = {}) {
    this.logger = options.logger ?? quietLogger({ component: 'xds' });
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
    this.admissionBounds = {
      limits: this.limits,
      streams: new StreamCounter(this.limits),
      namespaceNames: new NamespaceNames(this.limits),
    };
    this.denials = new DenialLog(this.logger);
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
    this.connected = new ConnectedStreams(this.cache, this.metrics, this.logger, this.events);
    this.unsubscribe = this.cache.onChange((gateway, snapshot) => this.connected.onSnapshot(gateway, snapshot));
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
    this.logger.info('ADS server listening', { address: `${address}:${port}` });
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
    if (!this.connected.has(gateway)) this.cache.forget(gateway);
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
    return this.connected.clients();
  }

  programmed(gateway: GatewayKey): ProgrammedStatus {
    return this.connected.programmed(gateway);
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
    this.logger.info('xDS streams refused from now on; ending the open ones', { reason });
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
        this.logger.warn('could not close xDS connections', { error: String(err) });
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
      this.logger.warn(
        'this grpc-js copies every xDS response per stream and holds read buffers while a request arrives (its internals differ from the pinned version): fan-out and floods cost more CPU and memory; pin @grpc/grpc-js as package.json does',
      );
    }
    const stream = new AdsStream(
      protocol,
      {
        snapshot: (gateway) => this.cache.get(gateway),
        bind: (s) => this.connected.bind(s),
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
    const admission = new StreamAdmission(this.admissionBounds, protocol, identity);
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      admission.release();
      this.writes.forget(call);
      this.release(stream, protocol);
    };
    const refuse = (refusal: Refusal): void => {
      this.metrics.recordDeniedStream(refusal.reason);
      this.denials.once(refusal.logKey, 'xDS stream refused', {
        reason: refusal.reason,
        peer: safePeer(call),
        error: refusal.details,
      });
      end();
      call.emit('error', { code: refusal.code, details: refusal.details });
    };
    const refused = admission.admitConnection();
    if (refused) {
      refuse(refused);
      return;
    }
    call.on('data', (request: unknown) => {
      if (ended) return;
      const refused = admission.admitRequest(request, stream);
      if (refused) {
        refuse(refused);
        return;
      }
      try {
        if (protocol === 'sotw') stream.handleSotw(request as SotwRequest);
        else stream.handleDelta(request as DeltaRequest);
        const over = admission.admitSubscriptions(stream);
        if (over) refuse(over);
      } catch (err) {
        const refused = err instanceof StreamRefused;
        const code = refused ? err.code : grpc.status.INTERNAL;
        const details = err instanceof Error ? err.message : String(err);
        if (refused) this.metrics.recordRejectedStream();
        this.logger[refused ? 'warn' : 'error'](refused ? 'xDS stream refused' : 'xDS stream failed', {
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

  private release(stream: AdsStream, protocol: Protocol): void {
    stream.close();
    this.calls.delete(stream);
    this.connected.release(stream, protocol);
  }
}

function safePeer(call: DuplexCall): string {
  try {
    return call.getPeer();
  } catch {
    return 'unknown';
  }
}
