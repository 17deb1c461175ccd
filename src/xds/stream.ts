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
 *   cluster was last sent), bounded by `clusterWarmTimeoutMs`. Clusters that a new snapshot no
 *   longer has are kept (on SotW: still included in CDS responses; on delta: not removed) until
 *   the listeners and route configurations of that snapshot are ACKed.
 * - A cluster that is sent (new or changed) is always followed by its ClusterLoadAssignment, even
 *   when the assignment itself did not change: a changed cluster re-warms and waits for it.
 * - A NACKed response is recorded and never sent again: only different content is sent.
 * - Versions are content hashes, so a restarted control plane recognizes what Envoy already has
 *   (SotW `version_info`, delta `initial_resource_versions`) and sends nothing that is unchanged.
 */
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
import { encodeDeltaResponse, encodeSotwResponse } from './wire.js';

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
  resource_names?: string[];
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
  readonly controlPlaneId: string;
  readonly clusterWarmTimeoutMs: number;
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

interface Pending {
  nonce: string;
  seq: number;
  sentAt: number;
  /** Type content version of the response. */
  version: string;
  /** Resources in the response (SotW: the whole state; delta: the added/changed ones). */
  resources: Map<string, string>;
  removed: string[];
}

interface Nack {
  version: string;
  message: string;
  at: string;
}

interface TypeStream {
  readonly typeUrl: ResourceTypeUrl;
  requested: boolean;
  wildcard: boolean;
  names: Set<string>;
  /** What the client has (or was sent last: optimistic), name → version. */
  sent: Map<string, string>;
  /** The bytes of `sent`, where known (not for versions a delta client announced on reconnect). */
  sentResources: Map<string, EncodedResource>;
  /** The client's state as of its last ACK, name → version. */
  acked: Map<string, string>;
  pending?: Pending;
  lastNonce?: string;
  sentVersion?: string;
  ackedVersion?: string;
  /** The last NACK, kept for /debug/clients. */
  lastNack?: Nack;
  /** The last response was NACKed and nothing newer was sent since. */
  rejected?: Nack;
  nacks: number;
  /** SotW: `version_info` of the first request, to recognize what a reconnecting Envoy has. */
  initialVersion?: string;
}

interface Retained {
  cluster?: EncodedResource;
  claName: string;
  cla?: EncodedResource;
}

type Gate = 'ready' | 'waiting' | 'rejected';

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
  /** ClusterLoadAssignments whose cluster was (re)sent and that must follow it (name → seq). */
  private readonly edsDirty = new Map<string, number>();
  /** ClusterLoadAssignments sent after their cluster, waiting for the EDS ACK (name → seq). */
  private readonly edsAwaitAck = new Map<string, number>();
  private seq = 0;
  /** The client announced configuration it already has (a reconnect). */
  private resumed = false;
  private gateWaitSince: number | undefined;
  private gateTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly protocol: Protocol,
    private readonly host: StreamHost,
    private readonly write: (bytes: Buffer) => void,
  ) {}

  // -------------------------------------------------------------------------------------------
  // Requests

  handleSotw(req: SotwRequest): void {
    if (this.closed) return;
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
    const names = req.resource_names ?? [];
    const first = !ts.requested;
    ts.requested = true;
    if (WILDCARD_TYPES.has(ts.typeUrl)) {
      ts.wildcard = names.length === 0 || names.includes('*');
      ts.names = new Set(names.filter((n) => n !== '*'));
    } else {
      ts.wildcard = false;
      ts.names = new Set(names);
      // SotW carries the whole subscription: forget what the client no longer asks for.
      for (const name of [...ts.sent.keys()]) {
        if (!ts.names.has(name)) {
          ts.sent.delete(name);
          ts.sentResources.delete(name);
          ts.acked.delete(name);
        }
      }
    }
    if (first && nonce === '' && req.version_info) {
      this.resumed = true;
      ts.initialVersion = req.version_info;
      this.recognizeInitialVersion(ts);
    }
    this.pump();
  }

  handleDelta(req: DeltaRequest): void {
    if (this.closed) return;
    this.identify(req.node);
    const ts = this.typeStream(req.type_url ?? '');
    if (!ts) return;
    const nonce = req.response_nonce ?? '';
    if (nonce !== '' && ts.pending?.nonce === nonce) this.acknowledge(ts, req.error_detail);
    const subscribe = req.resource_names_subscribe ?? [];
    const unsubscribe = req.resource_names_unsubscribe ?? [];
    if (!ts.requested) {
      ts.requested = true;
      // Legacy wildcard: the first request of a wildcard type without names.
      ts.wildcard = WILDCARD_TYPES.has(ts.typeUrl) && subscribe.length === 0;
      for (const [name, version] of Object.entries(req.initial_resource_versions ?? {})) {
        ts.sent.set(name, version);
        ts.acked.set(name, version);
        this.resumed = true;
      }
      if (this.snapshot && ts.typeUrl === CLUSTER) this.captureRetention();
    }
    for (const name of subscribe) {
      if (name === '*') ts.wildcard = true;
      else ts.names.add(name);
    }
    for (const name of unsubscribe) {
      if (name === '*') {
        ts.wildcard = false;
        continue;
      }
      ts.names.delete(name);
      if (!ts.wildcard) {
        ts.sent.delete(name);
        ts.sentResources.delete(name);
        ts.acked.delete(name);
      }
    }
    this.pump();
  }

  /** The Gateway's snapshot changed (or became available). */
  onSnapshot(snapshot: Snapshot | undefined): void {
    if (this.closed) return;
    this.snapshot = snapshot;
    this.gateWaitSince = undefined;
    for (const ts of this.types.values()) this.recognizeInitialVersion(ts);
    this.captureRetention();
    this.pump();
  }

  close(): void {
    this.closed = true;
    if (this.gateTimer) clearTimeout(this.gateTimer);
    this.gateTimer = undefined;
  }

  get isBound(): boolean {
    return this.bound;
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
      wildcard: false,
      names: new Set(),
      sent: new Map(),
      sentResources: new Map(),
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
      const nack: Nack = {
        version: pending.version,
        message: error?.message ?? `error code ${error?.code ?? '?'}`,
        at: new Date().toISOString(),
      };
      ts.lastNack = nack;
      ts.rejected = nack;
      ts.nacks++;
      this.host.metrics.recordNack(ts.typeUrl);
      this.host.logger({
        level: 'warn',
        msg: 'configuration rejected by Envoy (NACK); it will not be sent again',
        nodeId: this.nodeId,
        gateway: this.gateway,
        typeUrl: ts.typeUrl,
        version: pending.version,
        error: nack.message,
      });
      this.host.emit({
        kind: 'nack',
        nodeId: this.nodeId,
        gateway: this.gateway,
        typeUrl: ts.typeUrl,
        version: pending.version,
        message: nack.message,
      });
      return;
    }
    if (this.protocol === 'sotw') {
      ts.acked = new Map(pending.resources);
    } else {
      for (const [name, version] of pending.resources) ts.acked.set(name, version);
      for (const name of pending.removed) ts.acked.delete(name);
    }
    ts.ackedVersion = pending.version;
    ts.rejected = undefined;
    if (ts.typeUrl === CLUSTER_LOAD_ASSIGNMENT) {
      // Envoy handles responses in order: this ACK means every earlier EDS response was processed.
      for (const [name, seq] of this.edsAwaitAck) if (seq <= pending.seq) this.edsAwaitAck.delete(name);
    }
    const latencyMs = Math.round((performance.now() - pending.sentAt) * 1000) / 1000;
    this.host.metrics.recordAck(ts.typeUrl, latencyMs);
    this.host.emit({
      kind: 'ack',
      nodeId: this.nodeId,
      gateway: this.gateway,
      typeUrl: ts.typeUrl,
      version: pending.version,
      latencyMs,
    });
  }

  /** SotW reconnect: Envoy already has exactly what we would send. Record it as sent and ACKed. */
  private recognizeInitialVersion(ts: TypeStream): void {
    if (!this.snapshot || ts.initialVersion === undefined || ts.sentVersion !== undefined) return;
    const desired = this.desired(ts);
    if (typeVersion(desired) === ts.initialVersion) {
      const versions = new Map([...desired].map(([name, r]) => [name, r.version] as const));
      ts.sent = versions;
      ts.sentResources = new Map(desired);
      ts.acked = new Map(versions);
      ts.sentVersion = ts.ackedVersion = ts.initialVersion;
    }
    ts.initialVersion = undefined;
  }

  /** Clusters the client has that the snapshot dropped are retained (make-before-break). */
  private captureRetention(): void {
    const cds = this.types.get(CLUSTER);
    if (!cds || !this.snapshot) return;
    const clusters = resourcesOf(this.snapshot, CLUSTER);
    for (const name of [...this.retained.keys()]) if (clusters.has(name)) this.retained.delete(name);
    const eds = this.types.get(CLUSTER_LOAD_ASSIGNMENT);
    for (const name of cds.sent.keys()) {
      if (clusters.has(name) || this.retained.has(name)) continue;
      const cluster = cds.sentResources.get(name);
      // SotW can only keep a cluster by sending it again, which needs its bytes.
      if (this.protocol === 'sotw' && !cluster) continue;
      const claName = cluster?.edsName ?? name;
      const cla = eds?.sentResources.get(claName);
      this.retained.set(name, { ...(cluster ? { cluster } : {}), claName, ...(cla ? { cla } : {}) });
    }
    // Forget endpoint bookkeeping of clusters that are gone.
    const claNames = new Set<string>();
    for (const r of this.desiredAll(CLUSTER).values()) if (r.edsName) claNames.add(r.edsName);
    for (const name of [...this.edsDirty.keys()]) if (!claNames.has(name)) this.edsDirty.delete(name);
    for (const name of [...this.edsAwaitAck.keys()]) if (!claNames.has(name)) this.edsAwaitAck.delete(name);
  }

  // -------------------------------------------------------------------------------------------
  // Deciding what to send

  private pump(): void {
    if (this.closed || !this.bound || !this.snapshot) return;
    if (this.retained.size > 0 && this.routesSettled()) {
      this.debug('routes settled: removing unreferenced clusters', CLUSTER, { clusters: [...this.retained.keys()] });
      this.retained.clear();
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
    if (gate === 'rejected') return false;
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
          this.pump();
        },
        this.host.clusterWarmTimeoutMs - waited + 1,
      );
      this.gateTimer.unref();
    }
    return false;
  }

  private clustersReady(): Gate {
    const cds = this.types.get(CLUSTER);
    // A client that asks for listeners before clusters (proxyless gRPC) follows its own order.
    if (!cds?.requested) return 'ready';
    if (cds.rejected) return 'rejected';
    if (cds.pending) return 'waiting';
    const clusters = this.desired(cds);
    for (const [name, r] of clusters) if (cds.acked.get(name) !== r.version) return 'waiting';
    const eds = this.types.get(CLUSTER_LOAD_ASSIGNMENT);
    const assignments = this.desiredAll(CLUSTER_LOAD_ASSIGNMENT);
    for (const cluster of clusters.values()) {
      if (!cluster.edsName) continue;
      const cla = assignments.get(cluster.edsName);
      if (!cla) continue; // nothing to wait for: Envoy's initial_fetch_timeout applies
      if (!eds?.requested) return 'waiting';
      if (eds.rejected) return 'rejected';
      if (eds.acked.get(cla.name) !== cla.version) return 'waiting';
      if (this.edsDirty.has(cla.name) || this.edsAwaitAck.has(cla.name)) return 'waiting';
    }
    return 'ready';
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
      const desired = this.desired(ts);
      for (const [name, r] of desired) if (ts.acked.get(name) !== r.version) return false;
      if (ts.wildcard) for (const name of ts.acked.keys()) if (!desired.has(name)) return false;
    }
    return true;
  }

  /** Every resource of a type this stream would serve, subscribed or not (plus retained ones). */
  private desiredAll(typeUrl: ResourceTypeUrl): Map<string, EncodedResource> {
    const out = new Map(resourcesOf(this.snapshot, typeUrl));
    for (const [name, kept] of this.retained) {
      if (typeUrl === CLUSTER && kept.cluster && !out.has(name)) out.set(name, kept.cluster);
      if (typeUrl === CLUSTER_LOAD_ASSIGNMENT && kept.cla && !out.has(kept.claName)) out.set(kept.claName, kept.cla);
    }
    return out;
  }

  /** What the client should have for a type: the subscribed part of `desiredAll`, sorted by name. */
  private desired(ts: TypeStream): Map<string, EncodedResource> {
    const all = this.desiredAll(ts.typeUrl);
    const names = [...all.keys()].filter((name) => ts.wildcard || ts.names.has(name)).sort(byString);
    return new Map(names.map((name) => [name, all.get(name) as EncodedResource]));
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

  private plan(ts: TypeStream): { resources: EncodedResource[]; removed: string[]; version: string } | undefined {
    const desired = this.desired(ts);
    const version = typeVersion(desired);
    const forced = (name: string): boolean => ts.typeUrl === CLUSTER_LOAD_ASSIGNMENT && this.edsDirty.has(name);
    const changed = [...desired.values()].filter((r) => ts.sent.get(r.name) !== r.version || forced(r.name));
    let removed: string[] = [];
    // Only wildcard types (CDS, LDS) express removal; Envoy ignores or mishandles removals of
    // RDS/EDS resources, and unsubscribes from them itself when their listener/cluster goes.
    if (ts.wildcard) {
      const keep = this.keep(ts.typeUrl);
      removed = [...ts.sent.keys()].filter((name) => !desired.has(name) && !keep.has(name));
    }
    if (changed.length === 0 && removed.length === 0) return undefined;
    if (this.protocol === 'sotw') return { resources: [...desired.values()], removed: [], version };
    return { resources: changed, removed, version };
  }

  private send(ts: TypeStream, plan: { resources: EncodedResource[]; removed: string[]; version: string }): void {
    const seq = ++this.seq;
    const nonce = String(seq);
    if (ts.typeUrl === CLUSTER) {
      for (const r of plan.resources) {
        if (r.edsName && ts.sent.get(r.name) !== r.version) this.edsDirty.set(r.edsName, seq);
      }
    } else if (ts.typeUrl === CLUSTER_LOAD_ASSIGNMENT) {
      for (const r of plan.resources) {
        if (this.edsDirty.has(r.name)) {
          this.edsDirty.delete(r.name);
          this.edsAwaitAck.set(r.name, seq);
        }
      }
    }
    if (this.protocol === 'sotw') {
      ts.sent = new Map(plan.resources.map((r) => [r.name, r.version] as const));
      ts.sentResources = new Map(plan.resources.map((r) => [r.name, r] as const));
    } else {
      for (const r of plan.resources) {
        ts.sent.set(r.name, r.version);
        ts.sentResources.set(r.name, r);
      }
      for (const name of plan.removed) {
        ts.sent.delete(name);
        ts.sentResources.delete(name);
      }
    }
    ts.pending = {
      nonce,
      seq,
      sentAt: performance.now(),
      version: plan.version,
      resources: new Map(plan.resources.map((r) => [r.name, r.version] as const)),
      removed: plan.removed,
    };
    ts.lastNonce = nonce;
    ts.sentVersion = plan.version;
    ts.rejected = undefined;
    const bytes =
      this.protocol === 'sotw'
        ? encodeSotwResponse({
            versionInfo: plan.version,
            typeUrl: ts.typeUrl,
            nonce,
            entries: plan.resources.map((r) => r.sotwEntry),
            controlPlane: this.host.controlPlaneId,
          })
        : encodeDeltaResponse({
            systemVersionInfo: this.snapshot?.version ?? '',
            typeUrl: ts.typeUrl,
            nonce,
            entries: plan.resources.map((r) => r.deltaEntry),
            removed: plan.removed,
            controlPlane: this.host.controlPlaneId,
          });
    this.host.metrics.recordPush(ts.typeUrl, plan.resources.length, bytes.length);
    this.debug('push', ts.typeUrl, {
      nonce,
      version: plan.version,
      resources: plan.resources.map((r) => r.name),
      removed: plan.removed,
    });
    this.write(bytes);
  }

  // -------------------------------------------------------------------------------------------
  // Reporting

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
        pending: ts.pending !== undefined,
        nacks: ts.nacks,
        subscribed: ts.wildcard ? ['*'] : [...ts.names].sort(byString),
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
      if (ts.rejected) {
        return {
          state: 'rejected',
          message: `${this.nodeId} rejected ${kind} version ${ts.rejected.version}: ${ts.rejected.message}`,
        };
      }
      if (ts.pending) return { state: 'pending', message: `${this.nodeId}: ${kind} not ACKed yet` };
      const desired = this.desired(ts);
      for (const [name, r] of desired) {
        if (ts.acked.get(name) !== r.version)
          return { state: 'pending', message: `${this.nodeId}: ${kind} ${name} not applied yet` };
      }
      if (ts.wildcard) {
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

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Content version of a set of resources: equal sets have equal versions, across restarts too. */
export function typeVersion(resources: ReadonlyMap<string, EncodedResource>): string {
  const parts: string[] = [];
  for (const [name, r] of resources) parts.push(`${name} ${r.version}`);
  return contentHash(...parts);
}
