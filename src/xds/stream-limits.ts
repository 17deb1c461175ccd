/**
 * Bounds on what one xDS client can make the server hold: streams per identity, resource names
 * per subscription (one type) and per stream (all types), and the size of one request. A flood of
 * streams subscribing to made-up names otherwise grows the server without limit (200 streams of
 * 20,000 names took it from 124 MB to 1.1 GB RSS). A request past a bound ends its stream with
 * RESOURCE_EXHAUSTED naming the bound and its flag.
 *
 * Per identity is not per tenant: a tenant gets one identity per Gateway it creates, and one
 * identity at the per-stream bounds (64 streams of 40,000 names) held 243 MiB of heap, 526 MiB
 * RSS, past the Deployment's 512 Mi. So streams and names are also bounded per namespace (the
 * tenant): what one namespace's clients hold is bounded whatever they do, and a namespace that
 * reaches its bound refuses its own streams only, never another namespace's. What an admitted
 * stream sends is received before it can be refused (one buffer per request, request-reader.ts),
 * but its names are counted, not decoded, until the names bounds admit them (sotw-request.ts);
 * streams per namespace are few by default, so that what is received at once stays small.
 *
 * The defaults never bite a real Envoy: an Envoy opens one ADS stream, and a Gateway's replicas
 * share an identity (with a reconnect whose old stream is not noticed dead yet, two); a namespace
 * with more than 32 Envoys (all its Gateways' replicas) needs --xds-max-streams-per-namespace; its largest
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
  /** Open streams of all identities of one namespace. */
  maxStreamsPerNamespace: number;
  /** Names subscribed by all streams of one namespace together. */
  maxNamesPerNamespace: number;
}

export const DEFAULT_XDS_LIMITS: XdsLimits = {
  maxStreamsPerIdentity: 32,
  maxNamesPerSubscription: 20_000,
  maxNamesPerStream: 40_000,
  maxRequestBytes: 4 * 1024 * 1024,
  maxStreamsPerNamespace: 32,
  // About 20 MiB of heap at most (about 95 bytes per subscribed name), and room for ten Gateways
  // of three replicas with 5,000 clusters each.
  maxNamesPerNamespace: 200_000,
};

/** The command-line flag of each bound, named in refusals. */
export const LIMIT_FLAGS: Record<keyof XdsLimits, string> = {
  maxStreamsPerIdentity: '--xds-max-streams-per-identity',
  maxNamesPerSubscription: '--xds-max-names-per-subscription',
  maxNamesPerStream: '--xds-max-names-per-stream',
  maxRequestBytes: '--xds-max-request-bytes',
  maxStreamsPerNamespace: '--xds-max-streams-per-namespace',
  maxNamesPerNamespace: '--xds-max-names-per-namespace',
};

export type LimitReason =
  | 'too_many_streams'
  | 'too_many_names_per_subscription'
  | 'too_many_names_per_stream'
  | 'too_many_streams_in_namespace'
  | 'too_many_names_in_namespace';

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

/** The namespace of a Gateway identity (`<namespace>/<name>`), the unit of a tenant. */
export function namespaceOf(identity: GatewayKey): string {
  const slash = identity.indexOf('/');
  return slash < 0 ? identity : identity.slice(0, slash);
}

function add(counts: Map<string, number>, key: string, by: number): void {
  const count = (counts.get(key) ?? 0) + by;
  if (count > 0) counts.set(key, count);
  else counts.delete(key);
}

/** Open streams by identity and by namespace. */
export class StreamCounter {
  private readonly open = new Map<GatewayKey, number>();
  private readonly openInNamespace = new Map<string, number>();

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
    const namespace = namespaceOf(identity);
    const inNamespace = this.openInNamespace.get(namespace) ?? 0;
    if (inNamespace >= this.limits.maxStreamsPerNamespace) {
      return exceeded(
        'too_many_streams_in_namespace',
        'maxStreamsPerNamespace',
        inNamespace + 1,
        `streams of namespace ${namespace}, ${this.limits.maxStreamsPerNamespace} allowed,`,
      );
    }
    add(this.open, identity, 1);
    add(this.openInNamespace, namespace, 1);
    return undefined;
  }

  release(identity: GatewayKey): void {
    add(this.open, identity, -1);
    add(this.openInNamespace, namespaceOf(identity), -1);
  }
}

/** Names subscribed by all streams of each namespace. */
export class NamespaceNames {
  private readonly held = new Map<string, number>();

  constructor(private readonly limits: XdsLimits) {}

  /**
   * A stream of `identity` that held `before` names now holds `after`: counted, or the bound it
   * would cross (nothing changed then; the stream still holds `before`).
   */
  update(identity: GatewayKey, before: number, after: number): LimitExceeded | undefined {
    const namespace = namespaceOf(identity);
    const total = (this.held.get(namespace) ?? 0) - before + after;
    if (after > before && total > this.limits.maxNamesPerNamespace) {
      return exceeded(
        'too_many_names_in_namespace',
        'maxNamesPerNamespace',
        total,
        `resource names subscribed by the streams of namespace ${namespace}, ${this.limits.maxNamesPerNamespace} allowed,`,
      );
    }
    add(this.held, namespace, after - before);
    return undefined;
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
