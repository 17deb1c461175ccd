/**
 * A stream's state for one resource type: what the client subscribed to, what it was sent, what it
 * ACKed, what it rejected; and what an ACK or a NACK does to that state. Shared by SotW and delta
 * streams (`stream.ts`).
 */
import { CLUSTER, type ResourceTypeUrl } from '../proto/type-urls.js';
import { refusedClusters } from './cds-rejection.js';
import type { Timer } from './clock.js';
import type { EncodedResource } from './resources.js';
import { WILDCARD_TYPES } from './snapshot.js';
import type { Subscription, TypeView, ViewCache } from './views.js';

export type Protocol = 'sotw' | 'delta';

/**
 * What a stream holds of a resource: the encoded resource itself (shared, never copied), or only
 * its version when a reconnecting delta client announced what it has.
 */
export type Held = EncodedResource | { readonly version: string };

export function isEncoded(held: Held | undefined): held is EncodedResource {
  return held !== undefined && 'sotwEntry' in held;
}

/**
 * What a stream holds of a resource a NACKed response carried: Envoy may or may not have applied
 * it. No content version equals this one, so any content is sent again.
 */
export const UNCERTAIN: Held = Object.freeze({ version: '(uncertain after a NACK)' });

export interface Pending {
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

export interface Nack {
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
export interface ClusterOutcome {
  refused: ReadonlySet<string>;
  applied: ReadonlyMap<string, string>;
}

/** Transient rejections of a type, retried with backoff until an ACK or a lasting NACK. */
export interface Retry {
  /** Consecutive transient NACKs. */
  attempt: number;
  /** Envoy's last message. */
  message: string;
  timer?: Timer;
  /** The backoff has elapsed: the rejected content may go out again. */
  due: boolean;
}

/** A plan found nothing to send for `view` given the stream's state at these generations. */
export interface Idle {
  view: TypeView;
  sentGen: number;
  retainedGen: number;
}

export interface TypeStream {
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

export function newTypeStream(typeUrl: ResourceTypeUrl, views: ViewCache): TypeStream {
  return {
    typeUrl,
    requested: false,
    sub: views.subscription(false, []),
    // Delta streams mutate these two maps; SotW streams replace them with shared ones.
    sent: new Map(),
    sentGen: 0,
    acked: new Map(),
    nacks: 0,
  };
}

/**
 * A delta stream's own `sent`/`acked` map, to update in place. Delta streams never adopt shared
 * view maps (only SotW responses carry a whole view), so this is the map `newTypeStream` created.
 */
export function owned(map: ReadonlyMap<string, Held>): Map<string, Held> {
  return map as Map<string, Held>;
}

/** Whether `held` has every resource of `desired` at its version (O(1) when it is that map). */
export function hasAll(held: ReadonlyMap<string, Held>, desired: ReadonlyMap<string, EncodedResource>): boolean {
  if (held === desired) return true;
  for (const [name, r] of desired) if (held.get(name)?.version !== r.version) return false;
  return true;
}

/** Stops retrying a type's transient rejection. */
export function endRetry(ts: TypeStream): void {
  ts.retry?.timer?.cancel();
  ts.retry = undefined;
}

/** The ACK of `pending`: what it carried is what the client has. */
export function recordAck(ts: TypeStream, pending: Pending, protocol: Protocol): void {
  if (protocol === 'sotw') {
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
}

/** The NACK of `pending`, with Envoy's message: recorded, and what the client holds forgotten. */
export function recordNack(ts: TypeStream, pending: Pending, protocol: Protocol, nack: Nack): void {
  if (ts.typeUrl === CLUSTER) nack.clusters = clusterOutcome(ts.acked, pending.resources, nack.message);
  ts.lastNack = nack;
  ts.rejected = nack;
  ts.nacks++;
  forgetRejected(ts, pending, protocol);
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
function forgetRejected(ts: TypeStream, pending: Pending, protocol: Protocol): void {
  const held = new Map(ts.acked);
  for (const [name, r] of pending.resources) if (held.get(name)?.version !== r.version) held.set(name, UNCERTAIN);
  for (const name of pending.removed) held.set(name, UNCERTAIN);
  if (protocol === 'sotw' && WILDCARD_TYPES.has(ts.typeUrl)) {
    for (const name of ts.acked.keys()) if (!pending.resources.has(name)) held.set(name, UNCERTAIN);
  }
  ts.acked = held;
  // SotW maps are never mutated, so `sent` may be the same map; a delta stream mutates both.
  ts.sent = protocol === 'sotw' ? held : new Map(held);
  ts.sentGen++;
  ts.idle = undefined;
}

/**
 * What Envoy made of a rejected Cluster response (`cds-rejection.ts`): the clusters it carried at
 * a version the client had not ACKed are refused if Envoy's message names them, applied if not;
 * if the message names none, the whole response was refused.
 */
export function clusterOutcome(
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

/**
 * SotW reconnect: if the `version_info` of the client's first request is the version of the
 * `view` it should have, it already has exactly that: recorded as sent and ACKed.
 */
export function recognizeInitialVersion(ts: TypeStream, view: () => TypeView): void {
  if (ts.initialVersion === undefined || ts.sentVersion !== undefined) return;
  const current = view();
  if (current.version === ts.initialVersion) {
    ts.sent = ts.acked = current.resources;
    ts.sentGen++;
    ts.sentVersion = ts.ackedVersion = ts.initialVersion;
  }
  ts.initialVersion = undefined;
}
