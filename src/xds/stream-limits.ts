/**
 * Bounds on what one xDS client can make the server hold: streams per identity, resource names
 * per subscription (one type) and per stream (all types), and the size of one request. A flood of
 * streams subscribing to made-up names otherwise grows the server without limit (200 streams of
 * 20,000 names took it from 124 MB to 1.1 GB RSS). A request past a bound ends its stream with
 * RESOURCE_EXHAUSTED naming the bound and its flag.
 *
 * The defaults never bite a real Envoy: an Envoy opens one ADS stream, and a Gateway's replicas
 * share an identity (with a reconnect whose old stream is not noticed dead yet, two); its largest
 * subscription is its EDS one, one name per cluster, and Portico's benchmarks run 5,000 clusters.
 * Pure bookkeeping: server.ts applies it.
 */
import type { GatewayKey } from './contract.js';

export interface XdsLimits {
  /** Open streams of one identity (the Gateway of its certificate; without TLS, the claimed Gateway). */
  maxStreamsPerIdentity: number;
  /** Names in one type's subscription. */
  maxNamesPerSubscription: number;
  /** Names in all of a stream's subscriptions together. */
  maxNamesPerStream: number;
  /** Bytes of one request message (gRPC's max receive message length). */
  maxRequestBytes: number;
}

export const DEFAULT_XDS_LIMITS: XdsLimits = {
  maxStreamsPerIdentity: 64,
  maxNamesPerSubscription: 20_000,
  maxNamesPerStream: 40_000,
  maxRequestBytes: 4 * 1024 * 1024,
};

/** The command-line flag of each bound, named in refusals. */
export const LIMIT_FLAGS: Record<keyof XdsLimits, string> = {
  maxStreamsPerIdentity: '--xds-max-streams-per-identity',
  maxNamesPerSubscription: '--xds-max-names-per-subscription',
  maxNamesPerStream: '--xds-max-names-per-stream',
  maxRequestBytes: '--xds-max-request-bytes',
};

export type LimitReason = 'too_many_streams' | 'too_many_names_per_subscription' | 'too_many_names_per_stream';

export interface LimitExceeded {
  reason: LimitReason;
  message: string;
}

function exceeded(reason: LimitReason, limit: keyof XdsLimits, value: number, what: string): LimitExceeded {
  return {
    reason,
    message: `xDS stream refused: ${what} (${value}) exceeds ${LIMIT_FLAGS[limit]}`,
  };
}

/** Open streams by identity. */
export class StreamCounter {
  private readonly open = new Map<GatewayKey, number>();

  constructor(private readonly limits: XdsLimits) {}

  /** Counts a new stream of `identity`, or says which bound it would cross (nothing counted then). */
  admit(identity: GatewayKey): LimitExceeded | undefined {
    const count = this.open.get(identity) ?? 0;
    if (count >= this.limits.maxStreamsPerIdentity) {
      return exceeded(
        'too_many_streams',
        'maxStreamsPerIdentity',
        count + 1,
        `streams of ${identity}, ${this.limits.maxStreamsPerIdentity} allowed,`,
      );
    }
    this.open.set(identity, count + 1);
    return undefined;
  }

  release(identity: GatewayKey): void {
    const count = (this.open.get(identity) ?? 0) - 1;
    if (count > 0) this.open.set(identity, count);
    else this.open.delete(identity);
  }
}

/** Whether a request's own names list is too long (checked before the stream reads it). */
export function requestNamesExceeded(limits: XdsLimits, count: number): LimitExceeded | undefined {
  if (count <= limits.maxNamesPerSubscription) return undefined;
  return exceeded(
    'too_many_names_per_subscription',
    'maxNamesPerSubscription',
    count,
    `resource names in one subscription, ${limits.maxNamesPerSubscription} allowed,`,
  );
}

/** Whether a stream's subscriptions, after a request, are past the bounds. */
export function subscriptionExceeded(
  limits: XdsLimits,
  names: { largest: number; total: number },
): LimitExceeded | undefined {
  if (names.largest > limits.maxNamesPerSubscription) return requestNamesExceeded(limits, names.largest);
  if (names.total <= limits.maxNamesPerStream) return undefined;
  return exceeded(
    'too_many_names_per_stream',
    'maxNamesPerStream',
    names.total,
    `resource names subscribed by one stream, ${limits.maxNamesPerStream} allowed,`,
  );
}
