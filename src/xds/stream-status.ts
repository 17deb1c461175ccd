/**
 * Reporting a stream: whether its Envoy runs the current snapshot (the Gateway's `Programmed`
 * status is made of these), whether it rejected something, and what /debug/clients shows.
 */
import { CLUSTER, SECRET } from '../proto/type-urls.js';
import type { ClientInfo, ProgrammedStatus, ProxyEvent, TypeState } from './contract.js';
import { PUSH_ORDER, kindName, resourcesOf, type Snapshot } from './snapshot.js';
import type { Nack, Protocol, TypeStream } from './type-stream.js';
import { byString, type TypeView } from './views.js';

/** What the reports read of a stream. */
export interface StreamReportSource {
  readonly nodeId: string;
  readonly gateway: string;
  readonly protocol: Protocol;
  readonly connectedSince: string;
  readonly userAgent: string;
  readonly snapshot: Snapshot | undefined;
  readonly types: ReadonlyMap<string, TypeStream>;
  /** Clusters kept for make-before-break (`cluster-retention.ts`). */
  readonly retainedClusters: { readonly size: number; has(name: string): boolean };
  /** What the client should have of a type. */
  view(ts: TypeStream): TypeView;
}

/** Which types are rejected (for a lasting reason) or retried: what `rejection` and `streamStatus` report first. */
export function rejectionCondition(types: ReadonlyMap<string, TypeStream>): string {
  let out = '';
  for (const ts of types.values()) {
    if (ts.retry) out += `${ts.typeUrl} retrying\n`;
    else if (ts.rejected) out += `${ts.typeUrl} rejected\n`;
  }
  return out;
}

/**
 * The stream's `rejected` status if some type's last response was NACKed for a lasting reason
 * (cheap: no views). A transient rejection is retried: `streamStatus` reports it as pending.
 */
export function rejection(src: StreamReportSource): ProgrammedStatus | undefined {
  for (const typeUrl of PUSH_ORDER) {
    const ts = src.types.get(typeUrl);
    if (ts?.rejected && !ts.retry) return rejected(src.nodeId, ts, ts.rejected);
  }
  return undefined;
}

function rejected(nodeId: string, ts: TypeStream, nack: Nack): ProgrammedStatus {
  return {
    state: 'rejected',
    message: `${nodeId} rejected ${kindName(ts.typeUrl)} version ${nack.version}: ${nack.message}`,
  };
}

/** Whether this Envoy runs the current snapshot. */
export function streamStatus(src: StreamReportSource): ProgrammedStatus {
  const { nodeId, snapshot } = src;
  if (!snapshot) return { state: 'pending', message: `${nodeId}: no configuration published yet` };
  for (const typeUrl of PUSH_ORDER) {
    const ts = src.types.get(typeUrl);
    const kind = kindName(typeUrl);
    if (!ts?.requested) {
      // Envoy subscribes to secrets per listener as needed; the rest it always asks for.
      if (resourcesOf(snapshot, typeUrl).size > 0 && typeUrl !== SECRET) {
        return { state: 'pending', message: `${nodeId}: has not requested ${kind} yet` };
      }
      continue;
    }
    if (ts.retry) {
      // Stable while the cause lasts (no attempt count or delay): it is a status condition.
      return {
        state: 'pending',
        message: `${nodeId} could not apply ${kind} (${ts.retry.message}); retrying with backoff`,
      };
    }
    if (ts.rejected) return rejected(nodeId, ts, ts.rejected);
    if (ts.pending) return { state: 'pending', message: `${nodeId}: ${kind} not ACKed yet` };
    const desired = src.view(ts).resources;
    // The usual case: the client ACKed exactly the view it should have.
    if (ts.acked === desired) continue;
    for (const [name, r] of desired) {
      if (ts.acked.get(name)?.version !== r.version)
        return { state: 'pending', message: `${nodeId}: ${kind} ${name} not applied yet` };
    }
    if (ts.sub.wildcard) {
      for (const name of ts.acked.keys()) {
        if (!desired.has(name) && !(typeUrl === CLUSTER && src.retainedClusters.has(name))) {
          return { state: 'pending', message: `${nodeId}: ${kind} ${name} not removed yet` };
        }
      }
    }
  }
  if (src.retainedClusters.size > 0) {
    return { state: 'pending', message: `${nodeId}: unreferenced clusters are removed once routes are ACKed` };
  }
  return { state: 'programmed' };
}

/** What /debug/clients shows of the stream. */
export function clientInfo(src: StreamReportSource): ClientInfo {
  const types: TypeState[] = [];
  for (const typeUrl of PUSH_ORDER) {
    const ts = src.types.get(typeUrl);
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
    nodeId: src.nodeId,
    gateway: src.gateway,
    protocol: src.protocol,
    connectedSince: src.connectedSince,
    types,
    ...(src.userAgent ? { userAgent: src.userAgent } : {}),
    ...(src.snapshot ? { snapshotVersion: src.snapshot.version } : {}),
  };
}

/** What `StatusAnnouncer.around` reads of a stream. */
export interface AnnouncedStream {
  /** Bound to a Gateway and not closed. */
  active(): boolean;
  /** Responses sent so far. */
  responses(): number;
  /** Subscription changes so far. */
  subscriptions(): number;
  readonly types: ReadonlyMap<string, TypeStream>;
  status(): ProgrammedStatus['state'];
}

/** Emits a stream's proxy events, and a `status` event when nothing else says its status changed. */
export class StatusAnnouncer {
  /** Proxy events emitted so far. */
  private emitted = 0;

  constructor(
    private readonly emitEvent: (event: ProxyEvent) => void,
    private readonly identity: () => { nodeId: string; gateway: string },
  ) {}

  emit(event: ProxyEvent): void {
    this.emitted++;
    this.emitEvent(event);
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
  around(action: () => void, stream: AnnouncedStream): void {
    const emitted = this.emitted;
    const responses = stream.responses();
    const subscriptions = stream.subscriptions();
    const before = rejectionCondition(stream.types);
    try {
      action();
    } finally {
      if (stream.active() && this.emitted === emitted) {
        // A response sent is answered by an ACK or NACK, which reports; a changed subscription
        // that sent nothing changed what the Envoy should have, and nothing else will say so.
        const resubscribed = stream.subscriptions() !== subscriptions && stream.responses() === responses;
        if (resubscribed || rejectionCondition(stream.types) !== before) {
          this.emit({ kind: 'status', ...this.identity(), state: stream.status() });
        }
      }
    }
  }
}
