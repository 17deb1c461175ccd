/**
 * One ADS stream (one Envoy connection), state of the world or incremental (delta): what the
 * client subscribed to, what it was sent, what it ACKed or NACKed, and the serving rules that
 * decide what to send next. This class holds the stream's state and runs the rules, each kept in
 * its own module (docs/architecture.md, "ADS server"):
 * - Push order is clusters → endpoints → secrets → listeners → route configurations, and at most
 *   one response per type is outstanding (the next waits for the ACK/NACK of the previous): `pump`.
 * - Make-before-break: listeners and route configurations are sent only once the clusters they
 *   may use are warm (`cluster-warmth.ts`), bounded by `clusterWarmTimeoutMs` on the injected
 *   clock (`warm-gate.ts`); clusters a new snapshot dropped are kept until its listeners and
 *   routes are ACKed (`cluster-retention.ts`); a sent cluster is always followed by its
 *   ClusterLoadAssignment (`assignment-follow-up.ts`).
 * - Every type the client subscribes to is answered, with an empty response if need be, unless
 *   the client announced it has configuration (a reconnect): `response-plan.ts`, which decides
 *   what to send; `response-send.ts` sends it.
 * - A NACK is recorded and the NACKed content not sent again as is, except when Envoy's reason is
 *   transient, retried with backoff (`acknowledgement.ts`); what the client holds after a NACK is
 *   uncertain, and the next different content is sent whole (`type-stream.ts`).
 * - Versions are content hashes, so a restarted control plane recognizes what Envoy already has
 *   (SotW `version_info`, delta `initial_resource_versions`) and sends nothing that is unchanged.
 * - Every change of the stream's status is announced by a proxy event: an ACK, a NACK, or, when
 *   neither says so, a `status` event (`stream-status.ts`, which also reports the status).
 * Requests are read by `stream-requests.ts`.
 */
import {
  CLUSTER,
  CLUSTER_LOAD_ASSIGNMENT,
  LISTENER,
  ROUTE_CONFIGURATION,
  type ResourceTypeUrl,
} from '../proto/type-urls.js';
import { AssignmentFollowUp } from './assignment-follow-up.js';
import { systemClock, type StreamClock } from './clock.js';
import { ClusterRetention, routesSettled } from './cluster-retention.js';
import { ClusterWarmth } from './cluster-warmth.js';
import type { ClientInfo, GatewayKey, ProgrammedStatus, ProxyEvent } from './contract.js';
import type { GrpcFrame } from './grpc-frame.js';
import type { Logger } from '../shared/logger.js';
import type { XdsMetrics } from './metrics.js';
import type { RetryBackoff } from './nack-retry.js';
import { handleAnswer, type AnswerContext } from './acknowledgement.js';
import { planResponse, type PlanContext } from './response-plan.js';
import { sendResponse, type SendContext } from './response-send.js';
import { PUSH_ORDER, resourcesOf, type Snapshot } from './snapshot.js';
import {
  identifyNode,
  openDelta,
  resubscribeDelta,
  resubscribeSotw,
  type DeltaRequest,
  type NodeLike,
  subscribedNames,
  type SotwRequest,
} from './stream-requests.js';
import {
  StatusAnnouncer,
  clientInfo,
  rejection,
  streamStatus,
  type AnnouncedStream,
  type StreamReportSource,
} from './stream-status.js';
import { endRetry, newTypeStream, recognizeInitialVersion, type Protocol, type TypeStream } from './type-stream.js';
import type { TypeView, ViewCache } from './views.js';
import { ClusterWarmGate } from './warm-gate.js';

/** What a stream needs from the server that owns it. */
export interface StreamHost {
  snapshot(gateway: GatewayKey): Snapshot | undefined;
  /** The stream has a node identity: start serving it snapshots of its Gateway. */
  bind(stream: AdsStream): void;
  emit(event: ProxyEvent): void;
  readonly metrics: XdsMetrics;
  readonly logger: Logger;
  /** Per-snapshot views and response bodies shared by the streams. */
  readonly views: ViewCache;
  readonly controlPlaneId: string;
  readonly clusterWarmTimeoutMs: number;
  /** Backoff of the retries of transient rejections (default `DEFAULT_RETRY_BACKOFF`). */
  readonly retryBackoff?: RetryBackoff;
  /** Time for the cluster-warm gate and the retries (default: the system clock). */
  readonly clock?: StreamClock;
}

export class AdsStream {
  nodeId = '';
  gateway: GatewayKey = '';
  userAgent = '';
  readonly connectedSince: string;
  private bound = false;
  private closed = false;
  private snapshot: Snapshot | undefined;
  private readonly types = new Map<string, TypeStream>();
  private readonly clock: StreamClock;
  /** Clusters Envoy still has that the current snapshot dropped: kept until routes settle. */
  private readonly retention: ClusterRetention;
  private readonly followUp = new AssignmentFollowUp();
  private readonly warmth: ClusterWarmth;
  private readonly gate: ClusterWarmGate;
  private seq = 0;
  /** The client announced configuration it already has (a reconnect). */
  private resumed = false;
  /** Subscription changes: see `StatusAnnouncer`. */
  private subscriptionGen = 0;
  private readonly announcer: StatusAnnouncer;
  /** What the pieces read of the stream: planning, sending, ACK/NACK handling, reports. */
  private readonly parts: PlanContext & SendContext & AnswerContext & StreamReportSource;
  private readonly announced: AnnouncedStream;

  constructor(
    readonly protocol: Protocol,
    private readonly host: StreamHost,
    private readonly write: (response: GrpcFrame) => void,
  ) {
    this.clock = host.clock ?? systemClock;
    this.connectedSince = new Date(this.clock.now()).toISOString();
    this.retention = new ClusterRetention(protocol);
    this.warmth = new ClusterWarmth(protocol, host.views);
    this.announcer = new StatusAnnouncer(host.emit, () => ({ nodeId: this.nodeId, gateway: this.gateway }));
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- getters below read the stream's current identity
    const stream = this;
    this.parts = {
      protocol,
      views: host.views,
      followUp: this.followUp,
      retention: this.retention,
      clock: this.clock,
      metrics: host.metrics,
      logger: host.logger,
      controlPlaneId: host.controlPlaneId,
      retryBackoff: host.retryBackoff,
      get nodeId() {
        return stream.nodeId;
      },
      get gateway() {
        return stream.gateway;
      },
      get resumed() {
        return stream.resumed;
      },
      get snapshotVersion() {
        return stream.snapshot?.version ?? '';
      },
      get userAgent() {
        return stream.userAgent;
      },
      get snapshot() {
        return stream.snapshot;
      },
      connectedSince: this.connectedSince,
      types: this.types,
      retainedClusters: this.retention,
      view: (ts) => this.view(ts),
      debug: (msg, typeUrl, fields) => this.debug(msg, typeUrl, fields),
      write,
      emit: (event) => this.emit(event),
      retryDue: () => this.reporting(() => this.pump()),
    };
    this.announced = {
      active: () => !this.closed && this.bound,
      responses: () => this.seq,
      subscriptions: () => this.subscriptionGen,
      types: this.types,
      status: () => this.status().state,
    };
    this.gate = new ClusterWarmGate(
      this.clock,
      host.clusterWarmTimeoutMs,
      () => this.reporting(() => this.pump()),
      (waitedMs) =>
        this.host.logger.warn('clusters not confirmed warm in time: sending listeners and routes anyway', {
          nodeId: this.nodeId,
          gateway: this.gateway,
          waitedMs,
        }),
    );
  }

  handleSotw(req: SotwRequest): void {
    if (this.closed) return;
    this.reporting(() => this.sotwRequest(req));
  }

  private sotwRequest(req: SotwRequest): void {
    this.identify(req.node);
    const ts = this.typeStream(req.type_url ?? '');
    if (!ts) return;
    const nonce = req.response_nonce ?? '';
    if (nonce !== '') {
      if (nonce !== ts.lastNonce) {
        // A request crossed a newer response: the client answers that one next, with its
        // current subscription. Ignoring stale requests is what the protocol asks for.
        this.debug('stale nonce ignored', ts.typeUrl, { nonce });
        return;
      }
      if (ts.pending?.nonce === nonce) handleAnswer(ts, req.error_detail, this.parts);
    }
    const first = !ts.requested;
    ts.requested = true;
    // Every SotW request restates the whole subscription; it rarely changes, and checking that
    // it did not is a set lookup per name, with no sorting, hashing or copying.
    if (resubscribeSotw(ts, req.resource_names ?? [], first, this.host.views)) this.subscriptionGen++;
    if (first && nonce === '' && req.version_info) {
      this.resumed = true;
      ts.initialVersion = req.version_info;
      this.recognizeInitialVersion(ts);
    }
    this.pump();
  }

  handleDelta(req: DeltaRequest): void {
    if (this.closed) return;
    this.reporting(() => this.deltaRequest(req));
  }

  private deltaRequest(req: DeltaRequest): void {
    this.identify(req.node);
    const ts = this.typeStream(req.type_url ?? '');
    if (!ts) return;
    const nonce = req.response_nonce ?? '';
    if (nonce !== '' && ts.pending?.nonce === nonce) handleAnswer(ts, req.error_detail, this.parts);
    let wildcard = ts.sub.wildcard;
    if (!ts.requested) {
      const opened = openDelta(ts, req);
      wildcard = opened.wildcard;
      if (opened.resumed) this.resumed = true;
      if (this.snapshot && ts.typeUrl === CLUSTER) this.captureRetention();
    } else if (
      (req.resource_names_subscribe ?? []).length === 0 &&
      (req.resource_names_unsubscribe ?? []).length === 0
    ) {
      // An ACK: the subscription is unchanged.
      this.pump();
      return;
    }
    resubscribeDelta(ts, req, wildcard, this.host.views);
    this.subscriptionGen++;
    this.pump();
  }

  /** The Gateway's snapshot changed (or became available). */
  onSnapshot(snapshot: Snapshot | undefined): void {
    if (this.closed) return;
    this.reporting(() => {
      this.snapshot = snapshot;
      this.gate.restart();
      for (const ts of this.types.values()) this.recognizeInitialVersion(ts);
      this.captureRetention();
      this.pump();
    });
  }

  close(): void {
    this.closed = true;
    this.gate.close();
    for (const ts of this.types.values()) endRetry(ts);
  }

  get isBound(): boolean {
    return this.bound;
  }

  /** Names explicitly subscribed to `typeUrl` (0 without a subscription). */
  namesOf(typeUrl: string): number {
    return this.types.get(typeUrl)?.sub.names.size ?? 0;
  }

  /** Names explicitly subscribed, per type and in all (the server's bounds, stream-limits.ts). */
  subscribedNames(): { largest: number; total: number } {
    return subscribedNames(this.types.values());
  }

  private identify(node: NodeLike | null | undefined): void {
    if (this.bound) return;
    const identity = identifyNode(node);
    this.nodeId = identity.nodeId;
    this.gateway = identity.gateway;
    this.userAgent = identity.userAgent;
    this.bound = true;
    this.snapshot = this.host.snapshot(identity.gateway);
    this.host.bind(this);
  }

  private typeStream(typeUrl: string): TypeStream | undefined {
    let ts = this.types.get(typeUrl);
    if (ts) return ts;
    if (!PUSH_ORDER.includes(typeUrl as ResourceTypeUrl)) {
      this.host.logger.warn('request for a resource type Portico does not serve: ignored', {
        nodeId: this.nodeId,
        gateway: this.gateway,
        typeUrl,
      });
      return undefined;
    }
    ts = newTypeStream(typeUrl as ResourceTypeUrl, this.host.views);
    this.types.set(typeUrl, ts);
    return ts;
  }

  /** SotW reconnect: what Envoy has may be exactly what we would send (`type-stream.ts`). */
  private recognizeInitialVersion(ts: TypeStream): void {
    if (this.snapshot) recognizeInitialVersion(ts, () => this.view(ts));
  }

  /** Clusters the client has that the snapshot dropped are retained (make-before-break). */
  private captureRetention(): void {
    const cds = this.types.get(CLUSTER);
    if (!cds || !this.snapshot) return;
    this.retention.capture(
      resourcesOf(this.snapshot, CLUSTER),
      cds.sent,
      this.types.get(CLUSTER_LOAD_ASSIGNMENT)?.sent,
    );
    // Forget endpoint bookkeeping of clusters that are gone.
    const claNames = this.host.views.claNames(this.snapshot);
    this.followUp.prune((name) => claNames.has(name) || this.retention.usesAssignment(name));
  }

  private pump(): void {
    if (this.closed || !this.bound || !this.snapshot) return;
    if (this.retention.size > 0 && this.routesSettled()) {
      this.debug('routes settled: removing unreferenced clusters', CLUSTER, { clusters: this.retention.names() });
      this.retention.release();
    }
    for (const typeUrl of PUSH_ORDER) {
      const ts = this.types.get(typeUrl);
      if (!ts?.requested || ts.pending) continue;
      const plan = planResponse(ts, this.view(ts), this.parts);
      if (!plan) continue;
      if (typeUrl === LISTENER || typeUrl === ROUTE_CONFIGURATION) {
        if (!this.gate.open(this.clustersWarm())) continue;
      }
      sendResponse(ts, plan, ++this.seq, this.parts);
    }
  }

  /** Whether the clusters listeners and routes may use are warm (`cluster-warmth.ts`). */
  private clustersWarm(): boolean {
    return this.warmth.warm({
      cds: this.types.get(CLUSTER),
      eds: this.types.get(CLUSTER_LOAD_ASSIGNMENT),
      clusterView: () => this.view(this.types.get(CLUSTER)!),
      assignments: resourcesOf(this.snapshot, CLUSTER_LOAD_ASSIGNMENT),
      retainedAssignments: this.retention.extra(CLUSTER_LOAD_ASSIGNMENT),
      followUp: this.followUp,
    });
  }

  /** Listeners and route configurations of the current snapshot are ACKed. */
  private routesSettled(): boolean {
    return routesSettled({
      resumed: this.resumed,
      listeners: this.types.get(LISTENER),
      routes: this.types.get(ROUTE_CONFIGURATION),
      snapshotHasRoutes: resourcesOf(this.snapshot, ROUTE_CONFIGURATION).size > 0,
      view: (ts) => this.view(ts),
    });
  }

  /** What the client should have of a type: shared by every stream that asks the same. */
  private view(ts: TypeStream): TypeView {
    if (!this.snapshot) throw new Error('no snapshot to serve');
    return this.host.views.view(this.snapshot, ts.typeUrl, ts.sub, this.retention.extra(ts.typeUrl));
  }

  private emit(event: ProxyEvent): void {
    this.announcer.emit(event);
  }

  /** Runs `action` (a request, a new snapshot, a timer); see `StatusAnnouncer.around`. */
  private reporting(action: () => void): void {
    this.announcer.around(action, this.announced);
  }

  info(): ClientInfo {
    return clientInfo(this.parts);
  }

  /** The stream's `rejected` status if some type's last response was NACKed for a lasting reason. */
  rejection(): ProgrammedStatus | undefined {
    return rejection(this.parts);
  }

  /** Whether this Envoy runs the current snapshot. */
  status(): ProgrammedStatus {
    return streamStatus(this.parts);
  }

  private debug(msg: string, typeUrl: string, fields: Record<string, unknown>): void {
    this.host.logger.debug(msg, { nodeId: this.nodeId, gateway: this.gateway, typeUrl, ...fields });
  }
}
