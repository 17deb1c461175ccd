/**
 * One ADS stream (one Envoy connection), state of the world or incremental (delta): what the
 * client subscribed to, what it was sent, what it ACKed or NACKed, and the serving rules that
 * decide what to send next.
 *
 * Serving rules (docs/architecture.md, "ADS server"):
 * - Push order is clusters → endpoints → secrets → listeners → route configurations, and at most
 *   one response per type is outstanding (the next waits for the ACK/NACK of the previous).
 * - Make-before-break: listeners and route configurations are sent only once the clusters they
 *   may use are warm (CDS ACKed and every EDS cluster's ClusterLoadAssignment ACKed after the
 *   cluster was last sent), bounded by `clusterWarmTimeoutMs`. Clusters Envoy refused (a NACK
 *   naming them) are not waited for: they would never be warm. Clusters that a new snapshot no
 *   longer has are kept (on SotW: still included in CDS responses; on delta: not removed) until
 *   the listeners and route configurations of that snapshot are ACKed.
 * - A cluster that is sent (new or changed) is always followed by its ClusterLoadAssignment, even
 *   when the assignment itself did not change: a changed cluster re-warms and waits for it.
 * - Every type the client subscribes to is answered, with an empty response if there is nothing
 *   to send, unless the client announced it has configuration (a reconnect): Envoy otherwise
 *   waits out its initial-fetch timeout (15 s) for a type that has no resources.
 * - A NACK is recorded; the NACKed content is not sent again as is, except when Envoy's reason is
 *   transient (`nack-retry.ts`: a listener's port in use…), which is retried with capped backoff.
 *   What the client holds after a NACK is uncertain (Envoy applies the resources of a response one
 *   by one and stops or skips at the bad one), so every resource the NACKed response carried (and,
 *   for Listener and Cluster on SotW, every one it left out) counts as unknown: the next different
 *   content is sent with all of them, and the client converges whatever it rejected before.
 * - Versions are content hashes, so a restarted control plane recognizes what Envoy already has
 *   (SotW `version_info`, delta `initial_resource_versions`) and sends nothing that is unchanged.
 * - Every change of the stream's status is announced by a proxy event (the Gateway's status is
 *   recomputed on them): an ACK, a NACK, or, when neither says so, a `status` event (`reporting`).
 */
import { sameElements } from '../translate/composite-memo.js';
import {
  CLUSTER,
  CLUSTER_LOAD_ASSIGNMENT,
  LISTENER,
  ROUTE_CONFIGURATION,
  SECRET,
  type ResourceTypeUrl,
} from '../proto/type-urls.js';
import type { ClientInfo, GatewayKey, ProxyEvent, TypeState } from './contract.js';
import type { Logger } from './log.js';
import type { XdsMetrics } from './metrics.js';
import { contentHash, type EncodedResource } from './resources.js';
import { PUSH_ORDER, WILDCARD_TYPES, kindName, resourcesOf, type Snapshot } from './snapshot.js';
import {
  byString,
  type Extra,
  type SharedResponse,
  type Subscription,
  type TypeView,
  type ViewCache,
} from './views.js';
import { GrpcFrame } from './grpc-frame.js';
import { DEFAULT_RETRY_BACKOFF, isTransientRejection, retryDelayMs, type RetryBackoff } from './nack-retry.js';
import { encodeDeltaResponse, nonceField } from './wire.js';
import { refusedClusters } from './cds-rejection.js';

export type Protocol = 'sotw' | 'delta';

/** The parts of `envoy.config.core.v3.Node` the server reads. */
export interface NodeLike {
  id?: string;
  cluster?: string;
  user_agent_name?: string;
  user_agent_version?: string;
  user_agent_build_version?: {
    version?: { major_number?: number; minor_number?: number; patch?: number } | null;
  } | null;
}

interface StatusLike {
  code?: number;
  message?: string;
}

/** A decoded `DiscoveryRequest` (protobufjs keepCase message). */
export interface SotwRequest {
  version_info?: string;
  node?: NodeLike | null;
  resource_names?: readonly string[];
  type_url?: string;
  response_nonce?: string;
  error_detail?: StatusLike | null;
}

/** A decoded `DeltaDiscoveryRequest`. */
export interface DeltaRequest {
  node?: NodeLike | null;
  type_url?: string;
  resource_names_subscribe?: string[];
  resource_names_unsubscribe?: string[];
  initial_resource_versions?: Record<string, string>;
  response_nonce?: string;
  error_detail?: StatusLike | null;
}

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
}

/** Thrown by `handle*` when the stream must be refused (the server turns it into a gRPC status). */
export class StreamRefused extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** gRPC status INVALID_ARGUMENT (kept here so this module does not import grpc-js). */
const INVALID_ARGUMENT = 3;
const GATEWAY_KEY = /^[^/\s]+\/[^/\s]+$/;

/**
 * What a stream holds of a resource: the encoded resource itself (shared, never copied), or only
 * its version when a reconnecting delta client announced what it has.
 */
export type Held = EncodedResource | { readonly version: string };

function isEncoded(held: Held | undefined): held is EncodedResource {
  return held !== undefined && 'sotwEntry' in held;
}

/**
 * What a stream holds of a resource a NACKed response carried: Envoy may or may not have applied
 * it. No content version equals this one, so any content is sent again.
 */
const UNCERTAIN: Held = Object.freeze({ version: '(uncertain after a NACK)' });

interface Pending {
  nonce: string;
  seq: number;
  sentAt: number;
  /** Type content version of the response. */
  version: string;
  /**
   * Resources in the response (SotW: the whole state, a shared view's map that becomes `acked`
   * as is on the ACK; delta: the added/changed ones).
   */
  resources: ReadonlyMap<string, Held>;
  removed: readonly string[];
}

interface Nack {
  version: string;
  message: string;
  at: string;
  /** Envoy's reason may go away by itself (`nack-retry.ts`): the content is sent again. */
  transient?: boolean;
  /** A Cluster response: what Envoy made of the clusters it carried (`cds-rejection.ts`). */
  clusters?: ClusterOutcome;
}

/**
 * The clusters a rejected Cluster response added or changed: those Envoy refused (they never
 * become warm: nothing waits for them) and those it applied (name → version; waited for as usual).
 */
interface ClusterOutcome {
  refused: ReadonlySet<string>;
  applied: ReadonlyMap<string, string>;
}

/** Transient rejections of a type, retried with backoff until an ACK or a lasting NACK. */
interface Retry {
  /** Consecutive transient NACKs. */
  attempt: number;
  /** Envoy's last message. */
  message: string;
  timer?: NodeJS.Timeout;
  /** The backoff has elapsed: the rejected content may go out again. */
  due: boolean;
}

/** A plan found nothing to send for `view` given the stream's state at these generations. */
interface Idle {
  view: TypeView;
  sentGen: number;
  retainedGen: number;
}

interface TypeStream {
  readonly typeUrl: ResourceTypeUrl;
  requested: boolean;
  sub: Subscription;
  /** SotW: `resource_names` of the last request, which `sub` reflects. */
  requestedNames?: readonly string[];
  /**
   * What the client has (or was sent last: optimistic). SotW: the map of the view last sent,
   * shared with other streams and replaced, never mutated. Delta: the stream's own map, mutated.
   */
  sent: ReadonlyMap<string, Held>;
  /** Bumped on every change of `sent`, so that plans can be memoized. */
  sentGen: number;
  /** The client's state as of its last ACK (same sharing rules as `sent`). */
  acked: ReadonlyMap<string, Held>;
  pending?: Pending;
  lastNonce?: string;
  sentVersion?: string;
  ackedVersion?: string;
  /** The last NACK, kept for /debug/clients. */
  lastNack?: Nack;
  /** The last response was NACKed and nothing newer was sent since. */
  rejected?: Nack;
  retry?: Retry;
  nacks: number;
  /** SotW: `version_info` of the first request, to recognize what a reconnecting Envoy has. */
  initialVersion?: string;
  idle?: Idle;
}

interface Retained {
  cluster?: EncodedResource;
  claName: string;
  cla?: EncodedResource;
}

interface Plan {
  view: TypeView;
  /** Delta: the added or changed resources (SotW sends the whole view). */
  changed: readonly EncodedResource[];
  removed: readonly string[];
  /** Resources of the view the client lacks or has at another version (both protocols). */
  versionChanged: readonly EncodedResource[];
}

type Gate = 'ready' | 'waiting';

export type StreamStatus =
  { state: 'programmed' } | { state: 'pending'; message: string } | { state: 'rejected'; message: string };

export class AdsStream {
  nodeId = '';
  gateway: GatewayKey = '';
  userAgent = '';
  readonly connectedSince = new Date().toISOString();
  private bound = false;
  private closed = false;
  private snapshot: Snapshot | undefined;
  private readonly types = new Map<string, TypeStream>();
  /** Clusters Envoy still has that the current snapshot dropped: kept until routes settle. */
  private readonly retained = new Map<string, Retained>();
  /** Bumped on every change of `retained`; `extras` are derived from it. */
  private retainedGen = 0;
  private extras: { clusters?: Extra; assignments?: Extra } = {};
  /** ClusterLoadAssignments whose cluster was (re)sent and that must follow it (name → seq). */
  private readonly edsDirty = new Map<string, number>();
  /** ClusterLoadAssignments sent after their cluster, waiting for the EDS ACK (name → seq). */
  private readonly edsAwaitAck = new Map<string, number>();
  private seq = 0;
  /** The client announced configuration it already has (a reconnect). */
  private resumed = false;
  private gateWaitSince: number | undefined;
  private gateTimer: NodeJS.Timeout | undefined;
  /** Proxy events emitted so far, and subscription changes: see `reporting`. */
  private emitted = 0;
  private subscriptionGen = 0;

  constructor(
    readonly protocol: Protocol,
    private readonly host: StreamHost,
    private readonly write: (response: GrpcFrame) => void,
  ) {}

  // -------------------------------------------------------------------------------------------
  // Requests

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
      if (ts.pending?.nonce === nonce) this.acknowledge(ts, req.error_detail);
    }
    const first = !ts.requested;
    ts.requested = true;
    // Every SotW request restates the whole subscription; it rarely changes, and checking that
    // it did not is a set lookup per name, with no sorting, hashing or copying.
    this.resubscribeSotw(ts, req.resource_names ?? [], first);
    if (first && nonce === '' && req.version_info) {
      this.resumed = true;
      ts.initialVersion = req.version_info;
      this.recognizeInitialVersion(ts);
    }
    this.pump();
  }

  private resubscribeSotw(ts: TypeStream, names: readonly string[], first: boolean): void {
    // The same shared list as last time (sotw-request.ts): the same subscription.
    if (!first && names === ts.requestedNames) return;
    ts.requestedNames = names;
    const wildcardType = WILDCARD_TYPES.has(ts.typeUrl);
    const wildcard = wildcardType && (names.length === 0 || names.includes('*'));
    const explicit = wildcardType ? names.filter((n) => n !== '*') : names;
    if (!first && sameSubscription(ts.sub, wildcard, explicit)) return;
    ts.sub = this.host.views.subscription(wildcard, explicit);
    this.subscriptionGen++;
    if (wildcardType) return;
    // SotW carries the whole subscription: forget what the client no longer asks for.
    const sent = this.host.views.subscribedPart(ts.sent, ts.sub);
    if (sent !== ts.sent) {
      ts.sent = sent;
      ts.sentGen++;
    }
    ts.acked = this.host.views.subscribedPart(ts.acked, ts.sub);
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
    if (nonce !== '' && ts.pending?.nonce === nonce) this.acknowledge(ts, req.error_detail);
    const subscribe = req.resource_names_subscribe ?? [];
    const unsubscribe = req.resource_names_unsubscribe ?? [];
    let wildcard = ts.sub.wildcard;
    if (!ts.requested) {
      ts.requested = true;
      // Legacy wildcard: the first request of a wildcard type without names.
      wildcard = WILDCARD_TYPES.has(ts.typeUrl) && subscribe.length === 0;
      for (const [name, version] of Object.entries(req.initial_resource_versions ?? {})) {
        owned(ts.sent).set(name, { version });
        owned(ts.acked).set(name, { version });
        ts.sentGen++;
        this.resumed = true;
      }
      if (this.snapshot && ts.typeUrl === CLUSTER) this.captureRetention();
    } else if (subscribe.length === 0 && unsubscribe.length === 0) {
      // An ACK: the subscription is unchanged.
      this.pump();
      return;
    }
    const names = new Set(ts.sub.names);
    for (const name of subscribe) {
      if (name === '*') wildcard = true;
      else names.add(name);
    }
    for (const name of unsubscribe) {
      if (name === '*') {
        wildcard = false;
        continue;
      }
      names.delete(name);
      if (!wildcard) {
        owned(ts.sent).delete(name);
        owned(ts.acked).delete(name);
        ts.sentGen++;
      }
    }
    ts.sub = this.host.views.subscription(wildcard, names);
    this.subscriptionGen++;
    this.pump();
  }

  /** The Gateway's snapshot changed (or became available). */
  onSnapshot(snapshot: Snapshot | undefined): void {
    if (this.closed) return;
    this.reporting(() => {
      this.snapshot = snapshot;
      this.gateWaitSince = undefined;
      for (const ts of this.types.values()) this.recognizeInitialVersion(ts);
      this.captureRetention();
      this.pump();
    });
  }

  close(): void {
    this.closed = true;
    if (this.gateTimer) clearTimeout(this.gateTimer);
    this.gateTimer = undefined;
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
    let largest = 0;
    let total = 0;
    for (const ts of this.types.values()) {
      largest = Math.max(largest, ts.sub.names.size);
      total += ts.sub.names.size;
    }
    return { largest, total };
  }

  private identify(node: NodeLike | null | undefined): void {
    if (this.bound) return;
    const id = node?.id ?? '';
    const cluster = node?.cluster ?? '';
    if (id === '' || cluster === '') {
      throw new StreamRefused(
        INVALID_ARGUMENT,
        'xDS stream refused: the first request must identify the Envoy with node.id (unique per Envoy) and ' +
          'node.cluster (the Gateway it serves, as <namespace>/<gateway-name>); set both under `node:` in the Envoy bootstrap' +
          ` (got id=${JSON.stringify(id)}, cluster=${JSON.stringify(cluster)})`,
      );
    }
    if (!GATEWAY_KEY.test(cluster)) {
      throw new StreamRefused(
        INVALID_ARGUMENT,
        `xDS stream refused: node.cluster must name the Gateway as <namespace>/<gateway-name>, got ${JSON.stringify(cluster)}`,
      );
    }
    this.nodeId = id;
    this.gateway = cluster;
    const build = node?.user_agent_build_version?.version;
    const version =
      node?.user_agent_version ||
      (build ? `${build.major_number ?? 0}.${build.minor_number ?? 0}.${build.patch ?? 0}` : '');
    this.userAgent = [node?.user_agent_name, version].filter((s) => s).join('/');
    this.bound = true;
    this.snapshot = this.host.snapshot(cluster);
    this.host.bind(this);
  }

  private typeStream(typeUrl: string): TypeStream | undefined {
    let ts = this.types.get(typeUrl);
    if (ts) return ts;
    if (!PUSH_ORDER.includes(typeUrl as ResourceTypeUrl)) {
      this.host.logger({
        level: 'warn',
        msg: 'request for a resource type Portico does not serve: ignored',
        nodeId: this.nodeId,
        gateway: this.gateway,
        typeUrl,
      });
      return undefined;
    }
    ts = {
      typeUrl: typeUrl as ResourceTypeUrl,
      requested: false,
      sub: this.host.views.subscription(false, []),
      // Delta streams mutate these two maps; SotW streams replace them with shared ones.
      sent: new Map(),
      sentGen: 0,
      acked: new Map(),
      nacks: 0,
    };
    this.types.set(typeUrl, ts);
    return ts;
  }

  private acknowledge(ts: TypeStream, error: StatusLike | null | undefined): void {
    const pending = ts.pending;
    if (!pending) return;
    ts.pending = undefined;
    const isNack = !!error && ((error.code ?? 0) !== 0 || (error.message ?? '') !== '');
    if (isNack) {
      this.reject(ts, pending, error);
      return;
    }
    if (this.protocol === 'sotw') {
      // The response carried the whole state: it becomes the acknowledged state as is (O(1)).
      ts.acked = pending.resources;
    } else {
      const acked = owned(ts.acked);
      for (const [name, held] of pending.resources) acked.set(name, held);
      for (const name of pending.removed) acked.delete(name);
    }
    ts.ackedVersion = pending.version;
    ts.rejected = undefined;
    endRetry(ts);
    if (ts.typeUrl === CLUSTER_LOAD_ASSIGNMENT) {
      // Envoy handles responses in order: this ACK means every earlier EDS response was processed.
      for (const [name, seq] of this.edsAwaitAck) if (seq <= pending.seq) this.edsAwaitAck.delete(name);
    }
    const latencyMs = Math.round((performance.now() - pending.sentAt) * 1000) / 1000;
    this.host.metrics.recordAck(ts.typeUrl, latencyMs);
    this.emit({
      kind: 'ack',
      nodeId: this.nodeId,
      gateway: this.gateway,
      typeUrl: ts.typeUrl,
      version: pending.version,
      latencyMs,
    });
  }

  private reject(ts: TypeStream, pending: Pending, error: StatusLike | null | undefined): void {
    const message = error?.message || `error code ${error?.code ?? '?'}`;
    const transient = isTransientRejection(message);
    const nack: Nack = { version: pending.version, message, at: new Date().toISOString(), transient };
    if (ts.typeUrl === CLUSTER) nack.clusters = clusterOutcome(ts.acked, pending.resources, message);
    ts.lastNack = nack;
    ts.rejected = nack;
    ts.nacks++;
    this.forgetRejected(ts, pending);
    const retryInMs = transient ? this.scheduleRetry(ts, message) : undefined;
    if (!transient) endRetry(ts);
    this.host.metrics.recordNack(ts.typeUrl);
    this.host.logger({
      level: 'warn',
      msg:
        retryInMs === undefined
          ? 'configuration rejected by Envoy (NACK); it is sent again only once it changes'
          : 'configuration rejected by Envoy (NACK) for a transient reason; retrying with backoff',
      nodeId: this.nodeId,
      gateway: this.gateway,
      typeUrl: ts.typeUrl,
      version: pending.version,
      error: nack.message,
      ...(retryInMs === undefined ? {} : { retryInMs, attempt: ts.retry?.attempt }),
    });
    this.emit({
      kind: 'nack',
      nodeId: this.nodeId,
      gateway: this.gateway,
      typeUrl: ts.typeUrl,
      version: pending.version,
      message: nack.message,
    });
  }

  /**
   * After a NACK, what the client holds is uncertain: Envoy applies the resources of a response
   * one by one (listeners and clusters: all it can, then reports the failures; the others: until
   * the first failure), and a SotW Listener or Cluster response also removes what it leaves out.
   * So every resource the response carried at a version the client had not ACKed, and on SotW for
   * Listener and Cluster every resource it left out, becomes `UNCERTAIN`: the client is taken to
   * have what it ACKed before, minus those. Then no resource the NACKed response carried is ever
   * taken as delivered, and the next different content reaches the client whole.
   */
  private forgetRejected(ts: TypeStream, pending: Pending): void {
    const held = new Map(ts.acked);
    for (const [name, r] of pending.resources) if (held.get(name)?.version !== r.version) held.set(name, UNCERTAIN);
    for (const name of pending.removed) held.set(name, UNCERTAIN);
    if (this.protocol === 'sotw' && WILDCARD_TYPES.has(ts.typeUrl)) {
      for (const name of ts.acked.keys()) if (!pending.resources.has(name)) held.set(name, UNCERTAIN);
    }
    ts.acked = held;
    // SotW maps are never mutated, so `sent` may be the same map; a delta stream mutates both.
    ts.sent = this.protocol === 'sotw' ? held : new Map(held);
    ts.sentGen++;
    ts.idle = undefined;
  }

  /** Arms the retry of a transiently rejected type; returns the delay. */
  private scheduleRetry(ts: TypeStream, message: string): number {
    const attempt = (ts.retry?.attempt ?? 0) + 1;
    endRetry(ts);
    const delay = retryDelayMs(attempt, this.host.retryBackoff ?? DEFAULT_RETRY_BACKOFF);
    const retry: Retry = { attempt, message, due: false };
    retry.timer = setTimeout(() => {
      retry.timer = undefined;
      retry.due = true;
      this.reporting(() => this.pump());
    }, delay);
    retry.timer.unref();
    ts.retry = retry;
    return delay;
  }

  /** SotW reconnect: Envoy already has exactly what we would send. Record it as sent and ACKed. */
  private recognizeInitialVersion(ts: TypeStream): void {
    if (!this.snapshot || ts.initialVersion === undefined || ts.sentVersion !== undefined) return;
    const view = this.view(ts);
    if (view.version === ts.initialVersion) {
      ts.sent = ts.acked = view.resources;
      ts.sentGen++;
      ts.sentVersion = ts.ackedVersion = ts.initialVersion;
    }
    ts.initialVersion = undefined;
  }

  /** Clusters the client has that the snapshot dropped are retained (make-before-break). */
  /** What `captureRetention` last looked at. */
  private retentionInputs: { clusters: object; sent: object } | undefined;

  private captureRetention(): void {
    const cds = this.types.get(CLUSTER);
    if (!cds || !this.snapshot) return;
    const clusters = resourcesOf(this.snapshot, CLUSTER);
    let changed = false;
    // The common case on SotW (whose `sent` maps are never mutated): the same clusters served and
    // sent as at the last call, which retained nothing, and nothing retained since. The two loops
    // below would then find nothing again.
    const unchanged =
      this.protocol === 'sotw' &&
      this.retained.size === 0 &&
      this.retentionInputs?.clusters === clusters &&
      this.retentionInputs.sent === cds.sent;
    if (!unchanged) {
      for (const name of [...this.retained.keys()]) {
        if (clusters.has(name)) changed = this.retained.delete(name) || changed;
      }
      const eds = this.types.get(CLUSTER_LOAD_ASSIGNMENT);
      for (const [name, held] of cds.sent) {
        if (clusters.has(name) || this.retained.has(name)) continue;
        const cluster = isEncoded(held) ? held : undefined;
        // SotW can only keep a cluster by sending it again, which needs its bytes.
        if (this.protocol === 'sotw' && !cluster) continue;
        const claName = cluster?.edsName ?? name;
        const cla = eds?.sent.get(claName);
        this.retained.set(name, { ...(cluster ? { cluster } : {}), claName, ...(isEncoded(cla) ? { cla } : {}) });
        changed = true;
      }
    }
    this.retentionInputs = this.retained.size === 0 ? { clusters, sent: cds.sent } : undefined;
    if (changed) this.retainedChanged();
    // Forget endpoint bookkeeping of clusters that are gone.
    const claNames = this.host.views.claNames(this.snapshot);
    const used = (name: string): boolean => claNames.has(name) || this.retainedCla(name);
    for (const name of [...this.edsDirty.keys()]) if (!used(name)) this.edsDirty.delete(name);
    for (const name of [...this.edsAwaitAck.keys()]) if (!used(name)) this.edsAwaitAck.delete(name);
  }

  /** Whether a retained cluster (with bytes, so that it is still served) uses assignment `name`. */
  private retainedCla(name: string): boolean {
    for (const kept of this.retained.values()) if (kept.cluster?.edsName === name) return true;
    return false;
  }

  /** Recomputes the extras that retained clusters add to the views of CDS and EDS. */
  private retainedChanged(): void {
    this.retainedGen++;
    const clusters = new Map<string, EncodedResource>();
    const assignments = new Map<string, EncodedResource>();
    for (const [name, kept] of this.retained) {
      if (kept.cluster && !clusters.has(name)) clusters.set(name, kept.cluster);
      if (kept.cla && !assignments.has(kept.claName)) assignments.set(kept.claName, kept.cla);
    }
    this.extras = { clusters: extraOf(clusters), assignments: extraOf(assignments) };
  }

  // -------------------------------------------------------------------------------------------
  // Deciding what to send

  private pump(): void {
    if (this.closed || !this.bound || !this.snapshot) return;
    if (this.retained.size > 0 && this.routesSettled()) {
      this.debug('routes settled: removing unreferenced clusters', CLUSTER, { clusters: [...this.retained.keys()] });
      this.retained.clear();
      this.retainedChanged();
    }
    for (const typeUrl of PUSH_ORDER) {
      const ts = this.types.get(typeUrl);
      if (!ts?.requested || ts.pending) continue;
      const plan = this.plan(ts);
      if (!plan) continue;
      if (typeUrl === LISTENER || typeUrl === ROUTE_CONFIGURATION) {
        if (!this.gateOpen()) continue;
      }
      this.send(ts, plan);
    }
  }

  /** Whether listeners and routes may go out: clusters warm, or waited long enough. */
  private gateOpen(): boolean {
    const gate = this.clustersReady();
    if (gate === 'ready') {
      this.gateWaitSince = undefined;
      return true;
    }
    const now = Date.now();
    this.gateWaitSince ??= now;
    const waited = now - this.gateWaitSince;
    if (waited >= this.host.clusterWarmTimeoutMs) {
      this.host.logger({
        level: 'warn',
        msg: 'clusters not confirmed warm in time: sending listeners and routes anyway',
        nodeId: this.nodeId,
        gateway: this.gateway,
        waitedMs: waited,
      });
      return true;
    }
    if (!this.gateTimer) {
      this.gateTimer = setTimeout(
        () => {
          this.gateTimer = undefined;
          this.reporting(() => this.pump());
        },
        this.host.clusterWarmTimeoutMs - waited + 1,
      );
      this.gateTimer.unref();
    }
    return false;
  }

  /**
   * Whether the clusters listeners and routes may use are warm. After a rejected Cluster
   * response, the clusters Envoy refused are not waited for: they do not become warm until the
   * input changes, and holding every listener and route back until then kept unrelated changes
   * from Envoy indefinitely. A route to a refused cluster then gets what Envoy does with a route to
   * a cluster it lacks (503, `NC`), or the cluster's previous version where Envoy had one, as a
   * route to an unresolved backend gets an error response; the Gateway is Programmed=False with
   * Envoy's message meanwhile. The clusters Envoy applied are waited for as usual.
   */
  private clustersReady(): Gate {
    const cds = this.types.get(CLUSTER);
    // A client that asks for listeners before clusters (proxyless gRPC) follows its own order.
    if (!cds?.requested) return 'ready';
    if (cds.pending) return 'waiting';
    const view = this.view(cds);
    const clusters = view.resources;
    let outcome: ClusterOutcome | undefined;
    if (cds.rejected) {
      // Content other than the rejected one goes out with the next pump: wait for its answer.
      if (cds.rejected.version !== view.version) return 'waiting';
      outcome = cds.rejected.clusters;
    }
    const eds = this.types.get(CLUSTER_LOAD_ASSIGNMENT);
    // Asked on every pump of every stream: a SotW stream (whose maps are replaced, never mutated)
    // that was ready with the same inputs and has no assignment in flight is ready still.
    const inputs = [
      cds.acked,
      cds.rejected,
      clusters,
      eds?.acked,
      eds?.requested,
      eds?.rejected,
      resourcesOf(this.snapshot, CLUSTER_LOAD_ASSIGNMENT),
      this.extras.assignments,
    ];
    const settled = this.protocol === 'sotw' && this.edsDirty.size === 0 && this.edsAwaitAck.size === 0;
    if (settled && this.readyInputs && sameElements(this.readyInputs, inputs)) return 'ready';
    this.readyInputs = undefined;
    if (outcome) {
      for (const [name, r] of clusters) {
        if (outcome.refused.has(name)) continue;
        if (cds.acked.get(name)?.version !== r.version && outcome.applied.get(name) !== r.version) return 'waiting';
      }
    } else if (cds.acked !== clusters && !hasAll(cds.acked, clusters)) return 'waiting';
    const refusedEds = outcome ? edsNamesOf(clusters, outcome.refused) : undefined;
    // An assignment of one of these clusters still to send or to be ACKed means waiting: found
    // from the (few) names in flight instead of by walking every cluster, which each stream does
    // on every pump while an endpoint update is out.
    if (eds?.requested && !eds.rejected && (this.edsDirty.size > 0 || this.edsAwaitAck.size > 0)) {
      const names = this.host.views.edsNamesOf(clusters);
      for (const inFlight of [this.edsDirty, this.edsAwaitAck]) {
        for (const name of inFlight.keys()) {
          if (names.has(name) && !refusedEds?.has(name) && this.assignment(name)) return 'waiting';
        }
      }
    }
    for (const cluster of clusters.values()) {
      if (!cluster.edsName || refusedEds?.has(cluster.edsName)) continue;
      const cla = this.assignment(cluster.edsName);
      if (!cla) continue; // nothing to wait for: Envoy's initial_fetch_timeout applies
      // A rejected assignment is waited for up to the warm timeout, as Envoy waits for it up to
      // its initial-fetch timeout before the cluster is warm (empty).
      if (!eds?.requested || eds.rejected) return 'waiting';
      if (eds.acked.get(cla.name)?.version !== cla.version) return 'waiting';
    }
    if (settled) this.readyInputs = inputs;
    return 'ready';
  }

  /** What `clustersReady` last found ready (see there). */
  private readyInputs: unknown[] | undefined;

  /** The ClusterLoadAssignment this stream serves under `name`, subscribed or not. */
  private assignment(name: string): EncodedResource | undefined {
    return (
      resourcesOf(this.snapshot, CLUSTER_LOAD_ASSIGNMENT).get(name) ?? this.extras.assignments?.resources.get(name)
    );
  }

  /** Listeners and route configurations of the current snapshot are ACKed. */
  private routesSettled(): boolean {
    if (this.resumed) {
      // A reconnecting Envoy has listeners and routes we have not heard about yet: wait for their
      // subscriptions before deciding that nothing uses a cluster any more.
      if (!this.types.get(LISTENER)?.requested) return false;
      if (resourcesOf(this.snapshot, ROUTE_CONFIGURATION).size > 0 && !this.types.get(ROUTE_CONFIGURATION)?.requested) {
        return false;
      }
    }
    for (const typeUrl of [LISTENER, ROUTE_CONFIGURATION]) {
      const ts = this.types.get(typeUrl);
      if (!ts?.requested) continue;
      if (ts.pending) return false;
      const desired = this.view(ts).resources;
      if (!hasAll(ts.acked, desired)) return false;
      if (ts.sub.wildcard && ts.acked !== desired) {
        for (const name of ts.acked.keys()) if (!desired.has(name)) return false;
      }
    }
    return true;
  }

  /** What the client should have of a type: shared by every stream that asks the same. */
  private view(ts: TypeStream): TypeView {
    if (!this.snapshot) throw new Error('no snapshot to serve');
    const extra =
      ts.typeUrl === CLUSTER
        ? this.extras.clusters
        : ts.typeUrl === CLUSTER_LOAD_ASSIGNMENT
          ? this.extras.assignments
          : undefined;
    return this.host.views.view(this.snapshot, ts.typeUrl, ts.sub, extra);
  }

  /** Names a delta stream must not remove: retained clusters and their assignments. */
  private keep(typeUrl: ResourceTypeUrl): Set<string> {
    const out = new Set<string>();
    for (const [name, kept] of this.retained) {
      if (typeUrl === CLUSTER) out.add(name);
      if (typeUrl === CLUSTER_LOAD_ASSIGNMENT) out.add(kept.claName);
    }
    return out;
  }

  /**
   * What to send for a type, if anything. O(1) when the stream already has the view (the common
   * case on an ACK) or when the same view was already found to need nothing; the per-name
   * comparison runs only after a change of snapshot, subscription or sent state.
   */
  private plan(ts: TypeStream): Plan | undefined {
    const view = this.view(ts);
    const forced = ts.typeUrl === CLUSTER_LOAD_ASSIGNMENT && this.anyDirty(view);
    // The content Envoy rejected goes out again only when a transient rejection's backoff is over.
    if (!forced && ts.rejected?.version === view.version && !ts.retry?.due) return undefined;
    // A first request is answered even when there is nothing to send (see `unanswered`).
    const answer = this.unanswered(ts);
    if (!forced && !answer) {
      if (ts.sent === view.resources) return undefined;
      const idle = ts.idle;
      if (idle?.view === view && idle.sentGen === ts.sentGen && idle.retainedGen === this.retainedGen) return undefined;
    }
    const diff = this.host.views.diff(ts.sent, view, this.protocol === 'sotw');
    let changed = diff.changed;
    if (forced) {
      // Assignments that must follow their (re)sent cluster go too, whatever the client has.
      const resends = this.forcedResends(view, (r) => ts.sent.get(r.name)?.version === r.version);
      if (resends.length > 0) changed = [...changed, ...resends];
    }
    let removed: readonly string[] = [];
    // Only wildcard types (CDS, LDS) express removal; Envoy ignores or mishandles removals of
    // RDS/EDS resources, and unsubscribes from them itself when their listener/cluster goes.
    if (ts.sub.wildcard && diff.removed.length > 0) {
      const keep = this.keep(ts.typeUrl);
      removed = diff.removed.filter((name) => !keep.has(name));
    }
    if (changed.length === 0 && removed.length === 0 && !answer) {
      if (ts.rejected) {
        // After a NACK, content the client already has all of: nothing to send, nothing rejected.
        ts.rejected = undefined;
        endRetry(ts);
      }
      ts.idle = { view, sentGen: ts.sentGen, retainedGen: this.retainedGen };
      return undefined;
    }
    const versionChanged = diff.changed;
    return this.protocol === 'sotw'
      ? { view, changed: [], removed: [], versionChanged }
      : { view, changed, removed, versionChanged };
  }

  /**
   * Whether the client's first request of a type is still unanswered. Envoy waits for an answer
   * to every type it subscribes to before it finishes initializing (for up to its initial-fetch
   * timeout, 15 s), so a Gateway without clusters still gets an (empty) Cluster response, and
   * subscribed names the snapshot lacks get a response without them. A reconnecting client
   * (it announced configuration it has) is past initializing: it is sent only what it lacks.
   */
  private unanswered(ts: TypeStream): boolean {
    return ts.sentVersion === undefined && !this.resumed;
  }

  /**
   * Assignments of `view` that must follow their (re)sent cluster and that `unchanged` says the
   * client already has (those it lacks are in the view's diff already). Walks the few dirty names,
   * not the view.
   */
  private forcedResends(view: TypeView, unchanged: (r: EncodedResource) => boolean): EncodedResource[] {
    const out: EncodedResource[] = [];
    for (const name of this.edsDirty.keys()) {
      const r = view.resources.get(name);
      if (r && unchanged(r)) out.push(r);
    }
    return out;
  }

  /** Some assignment in `view` must follow its (re)sent cluster. */
  private anyDirty(view: TypeView): boolean {
    for (const name of this.edsDirty.keys()) if (view.resources.has(name)) return true;
    return false;
  }

  private send(ts: TypeStream, plan: Plan): void {
    const seq = ++this.seq;
    const sotw = this.protocol === 'sotw';
    const update = sotw && ts.typeUrl === CLUSTER_LOAD_ASSIGNMENT ? this.sotwUpdate(ts, plan.view) : undefined;
    const shared =
      update?.response ?? (sotw ? this.host.views.sotwResponse(plan.view, this.host.controlPlaneId) : undefined);
    // SotW: the shared response's nonce, unless this stream was just sent that very response
    // (an EDS resend forced by a cluster change) and needs a nonce of its own to tell them apart.
    let nonce = String(seq);
    if (shared) nonce = shared.nonce !== ts.lastNonce ? shared.nonce : `${shared.nonce}.${seq}`;
    if (ts.typeUrl === CLUSTER) {
      for (const r of plan.versionChanged) if (r.edsName) this.edsDirty.set(r.edsName, seq);
    } else if (ts.typeUrl === CLUSTER_LOAD_ASSIGNMENT) {
      // Every dirty assignment of the view is in this response (forced, or the whole view).
      for (const name of [...this.edsDirty.keys()]) {
        if (!plan.view.resources.has(name)) continue;
        this.edsDirty.delete(name);
        this.edsAwaitAck.set(name, seq);
      }
    }
    let pendingResources: ReadonlyMap<string, Held>;
    if (sotw) {
      ts.sent = pendingResources = plan.view.resources;
    } else {
      const sent = owned(ts.sent);
      for (const r of plan.changed) sent.set(r.name, r);
      for (const name of plan.removed) sent.delete(name);
      pendingResources = new Map(plan.changed.map((r) => [r.name, r] as const));
    }
    ts.sentGen++;
    ts.idle = undefined;
    ts.pending = {
      nonce,
      seq,
      sentAt: performance.now(),
      version: plan.view.version,
      resources: pendingResources,
      removed: plan.removed,
    };
    ts.lastNonce = nonce;
    ts.sentVersion = plan.view.version;
    ts.rejected = undefined;
    // A retry is under way: the status keeps saying so until the ACK (or a lasting NACK).
    if (ts.retry) ts.retry.due = false;
    const response = shared ? sotwFrame(shared, nonce) : this.deltaResponse(ts, plan, nonce);
    this.host.metrics.recordPush(ts.typeUrl, update?.changed.length ?? pendingResources.size, response.message.length);
    this.debug('push', ts.typeUrl, {
      nonce,
      version: plan.view.version,
      resources: update
        ? update.changed.map((r) => r.name)
        : sotw
          ? this.host.views.namesOf(plan.view)
          : plan.changed.map((r) => r.name),
      removed: plan.removed,
    });
    this.write(response);
  }

  /**
   * SotW EDS: a response with only the assignments the client has not ACKed at their version,
   * plus those that must follow their (re)sent cluster; `undefined` when that would be all of the
   * view (or none of it): the shared, complete response then. Compared with what the client
   * ACKed, not with what it was sent: after a NACK, the rest of the view goes out again, as a
   * complete response would send it.
   */
  private sotwUpdate(
    ts: TypeStream,
    view: TypeView,
  ): { response: SharedResponse; changed: readonly EncodedResource[] } | undefined {
    if (ts.acked.size === 0) return undefined;
    // What the client lacks (computed once for the streams that ACKed the same map)...
    let changed = this.host.views.diff(ts.acked, view, true).changed;
    // ...and what must follow its (re)sent cluster although the client has it. That depends on
    // this stream's clusters, so such a response is not shared with the streams sharing `acked`.
    const forced = this.forcedResends(view, (r) => ts.acked.get(r.name)?.version === r.version);
    const share = forced.length === 0;
    if (!share) changed = [...changed, ...forced];
    if (changed.length === 0 || changed.length === view.resources.size) return undefined;
    return {
      response: this.host.views.sotwUpdate(view, ts.acked, changed, this.host.controlPlaneId, share),
      changed,
    };
  }

  private deltaResponse(ts: TypeStream, plan: Plan, nonce: string): GrpcFrame {
    return encodeDeltaResponse({
      systemVersionInfo: this.snapshot?.version ?? '',
      typeUrl: ts.typeUrl,
      nonce,
      entries: plan.changed.map((r) => r.deltaEntry),
      removed: plan.removed,
      controlPlane: this.host.controlPlaneId,
    });
  }

  // -------------------------------------------------------------------------------------------
  // Reporting

  private emit(event: ProxyEvent): void {
    this.emitted++;
    this.host.emit(event);
  }

  /**
   * Runs `action` (a request, a new snapshot, a timer) and emits a `status` event if the stream's
   * status may have changed with no ACK or NACK to say so. The Gateway's status is recomputed on
   * proxy events; without this it kept a NACK that had cleared (the Envoy unsubscribed from the
   * rejected names, or the content went back to what it holds) until some unrelated event, and a
   * reconnecting Envoy found up to date stayed "pending" until the next change.
   *
   * Cheap on every request: the rejection state is a few flags per type, and `status()` (which
   * walks views) is computed only when an event is emitted.
   */
  private reporting(action: () => void): void {
    const emitted = this.emitted;
    const seq = this.seq;
    const subscriptions = this.subscriptionGen;
    const before = this.condition();
    try {
      action();
    } finally {
      if (!this.closed && this.bound && this.emitted === emitted) {
        // A response sent is answered by an ACK or NACK, which reports; a changed subscription
        // that sent nothing changed what the Envoy should have, and nothing else will say so.
        const resubscribed = this.subscriptionGen !== subscriptions && this.seq === seq;
        if (resubscribed || this.condition() !== before) {
          this.emit({ kind: 'status', nodeId: this.nodeId, gateway: this.gateway, state: this.status().state });
        }
      }
    }
  }

  /** Which types are rejected (for a lasting reason) or retried: what `rejection()` and `status()` report first. */
  private condition(): string {
    let out = '';
    for (const ts of this.types.values()) {
      if (ts.retry) out += `${ts.typeUrl} retrying\n`;
      else if (ts.rejected) out += `${ts.typeUrl} rejected\n`;
    }
    return out;
  }

  info(): ClientInfo {
    const types: TypeState[] = [];
    for (const typeUrl of PUSH_ORDER) {
      const ts = this.types.get(typeUrl);
      if (!ts?.requested) continue;
      types.push({
        typeUrl,
        ...(ts.sentVersion !== undefined ? { sentVersion: ts.sentVersion } : {}),
        ...(ts.ackedVersion !== undefined ? { ackedVersion: ts.ackedVersion } : {}),
        ...(ts.lastNack ? { lastNack: { ...ts.lastNack } } : {}),
        ...(ts.retry ? { retrying: { attempt: ts.retry.attempt, message: ts.retry.message } } : {}),
        pending: ts.pending !== undefined,
        nacks: ts.nacks,
        subscribed: ts.sub.wildcard ? ['*'] : [...ts.sub.names].sort(byString),
      });
    }
    return {
      nodeId: this.nodeId,
      gateway: this.gateway,
      protocol: this.protocol,
      connectedSince: this.connectedSince,
      types,
      ...(this.userAgent ? { userAgent: this.userAgent } : {}),
      ...(this.snapshot ? { snapshotVersion: this.snapshot.version } : {}),
    };
  }

  /**
   * The stream's `rejected` status if some type's last response was NACKed for a lasting reason
   * (cheap: no views). A transient rejection is retried: `status()` reports it as pending.
   */
  rejection(): StreamStatus | undefined {
    for (const typeUrl of PUSH_ORDER) {
      const ts = this.types.get(typeUrl);
      if (ts?.rejected && !ts.retry) return this.rejected(ts, ts.rejected);
    }
    return undefined;
  }

  private rejected(ts: TypeStream, nack: Nack): StreamStatus {
    return {
      state: 'rejected',
      message: `${this.nodeId} rejected ${kindName(ts.typeUrl)} version ${nack.version}: ${nack.message}`,
    };
  }

  /** Whether this Envoy runs the current snapshot. */
  status(): StreamStatus {
    if (!this.snapshot) return { state: 'pending', message: `${this.nodeId}: no configuration published yet` };
    for (const typeUrl of PUSH_ORDER) {
      const ts = this.types.get(typeUrl);
      const kind = kindName(typeUrl);
      if (!ts?.requested) {
        // Envoy subscribes to secrets per listener as needed; the rest it always asks for.
        if (resourcesOf(this.snapshot, typeUrl).size > 0 && typeUrl !== SECRET) {
          return { state: 'pending', message: `${this.nodeId}: has not requested ${kind} yet` };
        }
        continue;
      }
      if (ts.retry) {
        // Stable while the cause lasts (no attempt count or delay): it is a status condition.
        return {
          state: 'pending',
          message: `${this.nodeId} could not apply ${kind} (${ts.retry.message}); retrying with backoff`,
        };
      }
      if (ts.rejected) return this.rejected(ts, ts.rejected);
      if (ts.pending) return { state: 'pending', message: `${this.nodeId}: ${kind} not ACKed yet` };
      const desired = this.view(ts).resources;
      // The usual case: the client ACKed exactly the view it should have.
      if (ts.acked === desired) continue;
      for (const [name, r] of desired) {
        if (ts.acked.get(name)?.version !== r.version)
          return { state: 'pending', message: `${this.nodeId}: ${kind} ${name} not applied yet` };
      }
      if (ts.sub.wildcard) {
        for (const name of ts.acked.keys()) {
          if (!desired.has(name) && !(typeUrl === CLUSTER && this.retained.has(name))) {
            return { state: 'pending', message: `${this.nodeId}: ${kind} ${name} not removed yet` };
          }
        }
      }
    }
    if (this.retained.size > 0) {
      return { state: 'pending', message: `${this.nodeId}: unreferenced clusters are removed once routes are ACKed` };
    }
    return { state: 'programmed' };
  }

  private debug(msg: string, typeUrl: string, fields: Record<string, unknown>): void {
    this.host.logger({ level: 'debug', msg, nodeId: this.nodeId, gateway: this.gateway, typeUrl, ...fields });
  }
}

/**
 * A SotW response for one stream: the shared frame as is, or, when the stream needs a nonce of
 * its own, a copy followed by a second `nonce` field (protobuf: the last value of a singular
 * field wins).
 */
function sotwFrame(shared: SharedResponse, nonce: string): GrpcFrame {
  return nonce === shared.nonce ? shared.frame : GrpcFrame.of([shared.frame.message, nonceField(nonce)]);
}

/** Whether `sub` is the subscription a request states (a set lookup per name, nothing built). */
function sameSubscription(sub: Subscription, wildcard: boolean, names: readonly string[]): boolean {
  if (sub.wildcard !== wildcard || names.length !== sub.names.size) return false;
  for (const name of names) if (!sub.names.has(name)) return false;
  return true;
}

/** Whether `held` has every resource of `desired` at its version (O(1) when it is that map). */
function hasAll(held: ReadonlyMap<string, Held>, desired: ReadonlyMap<string, EncodedResource>): boolean {
  if (held === desired) return true;
  for (const [name, r] of desired) if (held.get(name)?.version !== r.version) return false;
  return true;
}

/** Stops retrying a type's transient rejection. */
function endRetry(ts: TypeStream): void {
  if (ts.retry?.timer) clearTimeout(ts.retry.timer);
  ts.retry = undefined;
}

/**
 * A delta stream's own `sent`/`acked` map, to update in place. Delta streams never adopt shared
 * view maps (only SotW responses carry a whole view), so this is the map `typeStream` created.
 */
function owned(map: ReadonlyMap<string, Held>): Map<string, Held> {
  return map as Map<string, Held>;
}

/**
 * What Envoy made of a rejected Cluster response (`cds-rejection.ts`): the clusters it carried at
 * a version the client had not ACKed are refused if Envoy's message names them, applied if not;
 * if the message names none, the whole response was refused.
 */
function clusterOutcome(
  acked: ReadonlyMap<string, Held>,
  carried: ReadonlyMap<string, Held>,
  message: string,
): ClusterOutcome {
  const changed: string[] = [];
  for (const [name, r] of carried) if (acked.get(name)?.version !== r.version) changed.push(name);
  const refused = refusedClusters(message, changed) ?? new Set(changed);
  const applied = new Map<string, string>();
  for (const name of changed) if (!refused.has(name)) applied.set(name, carried.get(name)!.version);
  return { refused, applied };
}

/** The ClusterLoadAssignment names of `names` among `clusters`. */
function edsNamesOf(clusters: ReadonlyMap<string, EncodedResource>, names: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const name of names) {
    const eds = clusters.get(name)?.edsName;
    if (eds) out.add(eds);
  }
  return out;
}

function extraOf(resources: Map<string, EncodedResource>): Extra | undefined {
  if (resources.size === 0) return undefined;
  const key = [...resources].map(([name, r]) => `${name} ${r.version}`).join(',');
  return { key: contentHash(key), resources };
}
