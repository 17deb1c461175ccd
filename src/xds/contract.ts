/**
 * The seam between the translation pipeline and the ADS server: what the pipeline publishes
 * (one snapshot per Gateway) and what the server reports back (who is connected, what they ACKed
 * or NACKed). The pipeline depends only on this file; `src/xds` implements it.
 */
import type { Observable } from 'rxjs';
import type { XdsKind, XdsResources } from '../translate/xds/types.js';

/** `<namespace>/<gateway>`: Envoy's `node.cluster`. */
export type GatewayKey = string;

export interface SnapshotPublisher {
  /**
   * Publishes a Gateway's complete, consistent resources. Resources whose encoding did not change
   * keep their version and are not resent to delta streams. Encoding happens once per resource,
   * not once per stream. Returns false when the content equals what is already served (nothing
   * is pushed).
   */
  publish(gateway: GatewayKey, resources: XdsResources): boolean;
  /** The Gateway is gone: its proxies receive empty resource sets. */
  remove(gateway: GatewayKey): void;
  /** Gateways with a published snapshot. */
  gateways(): GatewayKey[];
  /** What is being served, for /debug/config_dump: versions and resources as proto JSON. */
  dump(gateway: GatewayKey, kind?: XdsKind): ConfigDump | undefined;
}

export interface ConfigDump {
  gateway: GatewayKey;
  /** Version of the whole snapshot (changes whenever any resource changes). */
  version: string;
  resources: Partial<Record<XdsKind, { name: string; version: string; resource: unknown }[]>>;
}

export interface TypeState {
  typeUrl: string;
  /** Version last sent on this stream for this type. */
  sentVersion?: string;
  ackedVersion?: string;
  lastNack?: { version: string; message: string; at: string };
  /** The last NACK's reason is transient (a listener's port in use): retried with backoff. */
  retrying?: { attempt: number; message: string };
  /** A response of this type is waiting for its ACK/NACK. */
  pending?: boolean;
  /** NACKs received for this type on this stream. */
  nacks?: number;
  /** Names subscribed to (`['*']` for a wildcard subscription). */
  subscribed?: string[];
}

export interface ClientInfo {
  nodeId: string;
  gateway: GatewayKey;
  /** `sotw` or `delta`. */
  protocol: 'sotw' | 'delta';
  connectedSince: string;
  types: TypeState[];
  /** `node.user_agent_name/user_agent_version`, e.g. `envoy/1.40.0`. */
  userAgent?: string;
  /** Version of the Gateway snapshot the stream is being served. */
  snapshotVersion?: string;
}

export type ProxyEvent =
  | { kind: 'connected'; nodeId: string; gateway: GatewayKey }
  | { kind: 'disconnected'; nodeId: string; gateway: GatewayKey }
  | { kind: 'ack'; nodeId: string; gateway: GatewayKey; typeUrl: string; version: string; latencyMs?: number }
  | { kind: 'nack'; nodeId: string; gateway: GatewayKey; typeUrl: string; version: string; message: string }
  /**
   * The stream's status changed with no ACK or NACK to say so: a rejection cleared because the
   * Envoy already holds what it should (it unsubscribed from the rejected names, or the content
   * went back to what it has), a reconnecting Envoy turned out to be up to date, a retry started
   * over new content. `state` is the stream's status at that moment.
   */
  | { kind: 'status'; nodeId: string; gateway: GatewayKey; state: ProgrammedStatus['state'] };

/**
 * Whether Envoys run a Gateway's current snapshot: all of them ACKed it, some have not yet (or
 * none is connected), or one rejected it. Said of one stream and of a Gateway's streams together.
 */
export type ProgrammedStatus =
  { state: 'programmed' } | { state: 'pending'; message: string } | { state: 'rejected'; message: string };

export interface ProxyTracker {
  clients(): ClientInfo[];
  /** Hot stream of connection, ACK and NACK events. */
  readonly events$: Observable<ProxyEvent>;
  /**
   * Whether every connected Envoy of the Gateway has ACKed every type of the current snapshot:
   * `true`, `false` with the NACK message, or `undefined` while no proxy is connected / still pending.
   */
  programmed(gateway: GatewayKey): ProgrammedStatus;
}
