/**
 * Admitting one ADS stream and its requests: the identity it is counted under (its verified
 * client certificate, or without TLS its `node.cluster` claim), whether that identity may claim
 * the Gateway it names (peer-identity.ts), and the bounds of stream-limits.ts on streams per
 * identity, names per subscription, stream and namespace. A refusal says which gRPC status to end
 * the stream with and why; the server ends it. Serving the admitted requests is `stream.ts`.
 */
import * as grpc from '@grpc/grpc-js';
import type { LogFields, Logger } from '../shared/logger.js';
import { deniedClaim, type PeerIdentity } from './peer-identity.js';
import { NAMES_COUNT } from './sotw-request.js';
import type { DeltaRequest, SotwRequest } from './stream-requests.js';
import {
  requestNamesExceeded,
  subscriptionExceeded,
  type NamespaceNames,
  type StreamCounter,
  type XdsLimits,
} from './stream-limits.js';
import type { Protocol } from './type-stream.js';

export interface Refusal {
  code: grpc.status;
  /** The denial's reason (a metric label). */
  reason: string;
  /** What the client is told. */
  details: string;
  /** Denials with the same key are logged once (`DenialLog`). */
  logKey: string;
}

/** What admission reads of the stream it guards. */
export interface SubscribedNames {
  subscribedNames(): { largest: number; total: number };
  namesOf(typeUrl: string): number;
}

export interface AdmissionBounds {
  readonly limits: XdsLimits;
  readonly streams: StreamCounter;
  readonly namespaceNames: NamespaceNames;
}

export class StreamAdmission {
  /** The identity the stream is counted under once admitted. */
  private counted: string | undefined;
  /** Names this stream's subscriptions hold, as counted for its namespace. */
  private namesHeld = 0;
  private claimChecked = false;

  constructor(
    private readonly bounds: AdmissionBounds,
    private readonly protocol: Protocol,
    /** The verified client certificate's identity (with `requirePeerIdentity`). */
    private readonly identity: PeerIdentity | undefined,
  ) {}

  /**
   * With TLS the client is known before it says anything: refuses what cannot be served now,
   * before a request is read.
   */
  admitConnection(): Refusal | undefined {
    const identity = this.identity;
    if (!identity) return undefined;
    if (identity.kind === 'none') {
      return {
        code: grpc.status.PERMISSION_DENIED,
        reason: identity.reason,
        details: `xDS stream refused: ${identity.detail}`,
        logKey: identity.reason,
      };
    }
    const over = this.bounds.streams.admit(identity.gateway);
    if (over) return exhausted(over, identity.gateway);
    this.counted = identity.gateway;
    return undefined;
  }

  /** Before a request is handled: its claim (the first one's) and the names it would hold. */
  admitRequest(request: unknown, stream: SubscribedNames): Refusal | undefined {
    const { limits, namespaceNames } = this.bounds;
    const names = requestedNames(request, this.protocol);
    if (!this.claimChecked) {
      // The first request: what the client claims to serve.
      const claimed = (request as { node?: { cluster?: string } | null }).node?.cluster ?? '';
      if (claimed !== '') {
        this.claimChecked = true;
        const denied = this.identity ? deniedClaim(this.identity, claimed) : undefined;
        if (denied) {
          // Per identity, not per claim: a client varying its claim must not write a line per stream.
          const logKey = `${denied.reason} ${identityLabel(this.identity)}`;
          return { code: grpc.status.PERMISSION_DENIED, reason: denied.reason, details: denied.message, logKey };
        }
        if (this.counted === undefined) {
          // Without TLS, the only identity there is is the claim.
          const over = this.bounds.streams.admit(claimed);
          if (over) return exhausted(over, claimed);
          this.counted = claimed;
        }
      }
    }
    const tooMany = requestNamesExceeded(limits, names);
    if (tooMany) return exhausted(tooMany, this.counted ?? '');
    if (this.protocol === 'sotw' && this.counted !== undefined) {
      // What the subscription will hold is known from the names count: a request past the
      // stream's or the namespace's bound is refused before its names are decoded.
      const typeUrl = (request as SotwRequest).type_url ?? '';
      const after = stream.subscribedNames().total - stream.namesOf(typeUrl) + names;
      const over =
        subscriptionExceeded(limits, { largest: names, total: after }) ??
        namespaceNames.update(this.counted, this.namesHeld, after);
      if (over) return exhausted(over, this.counted);
      this.namesHeld = after;
    }
    return undefined;
  }

  /** After a request was handled: the names the stream's subscriptions now hold. */
  admitSubscriptions(stream: SubscribedNames): Refusal | undefined {
    const subscribed = stream.subscribedNames();
    const over =
      subscriptionExceeded(this.bounds.limits, subscribed) ??
      (this.counted !== undefined
        ? this.bounds.namespaceNames.update(this.counted, this.namesHeld, subscribed.total)
        : undefined);
    if (over) return exhausted(over, this.counted ?? '');
    this.namesHeld = subscribed.total;
    return undefined;
  }

  /** The stream ended: what it was counted for is given back. */
  release(): void {
    if (this.counted === undefined) return;
    this.bounds.streams.release(this.counted);
    this.bounds.namespaceNames.update(this.counted, this.namesHeld, 0);
  }
}

/** Logs a denial the first time it is seen; a reconnect storm is counted, not logged again. */
export class DenialLog {
  private readonly logged = new Set<string>();

  constructor(private readonly logger: Logger) {}

  once(key: string, msg: string, fields: LogFields): void {
    if (this.logged.has(key)) return;
    // Bounded: past 1,024 distinct denials, old ones may be logged again.
    if (this.logged.size >= 1024) this.logged.delete(this.logged.values().next().value!);
    this.logged.add(key);
    this.logger.warn(msg, fields);
  }
}

function exhausted(over: { reason: string; message: string }, who: string): Refusal {
  return {
    code: grpc.status.RESOURCE_EXHAUSTED,
    reason: over.reason,
    details: over.message,
    logKey: `${over.reason} ${who}`,
  };
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
