/**
 * The streams bound to each Gateway: who is connected (`/debug/clients`, connection events),
 * whether a Gateway's Envoys run its current snapshot (the `ProxyTracker.programmed` answer), and
 * handing each new snapshot to the Gateway's streams.
 */
import type { Subject } from 'rxjs';
import type { ClientInfo, GatewayKey, ProgrammedStatus, ProxyEvent } from './contract.js';
import type { Logger } from '../shared/logger.js';
import type { XdsMetrics } from './metrics.js';
import type { Snapshot, SnapshotCache } from './snapshot.js';
import type { AdsStream } from './stream.js';
import type { Protocol } from './type-stream.js';

export class ConnectedStreams {
  private readonly streams = new Map<GatewayKey, Set<AdsStream>>();
  /** Per Gateway, the stream `programmed()` last found out of sync (asked first next time). */
  private readonly notInSync = new Map<GatewayKey, AdsStream>();

  constructor(
    private readonly cache: SnapshotCache,
    private readonly metrics: XdsMetrics,
    private readonly logger: Logger,
    private readonly events: Subject<ProxyEvent>,
  ) {}

  /** Whether some Envoy is connected for `gateway`. */
  has(gateway: GatewayKey): boolean {
    return (this.streams.get(gateway)?.size ?? 0) > 0;
  }

  /** The stream said which Gateway it serves. */
  bind(stream: AdsStream): void {
    let set = this.streams.get(stream.gateway);
    if (!set) {
      set = new Set();
      this.streams.set(stream.gateway, set);
    }
    set.add(stream);
    this.metrics.streamOpened(stream.protocol);
    this.events.next({ kind: 'connected', nodeId: stream.nodeId, gateway: stream.gateway });
    if (!this.cache.get(stream.gateway)) {
      this.logger.info('Envoy connected for a Gateway without configuration: waiting for it', {
        nodeId: stream.nodeId,
        gateway: stream.gateway,
      });
    }
  }

  /** The stream ended; the last one of a Gateway lets the cache forget a removed Gateway. */
  release(stream: AdsStream, protocol: Protocol): void {
    if (!stream.isBound) return;
    const set = this.streams.get(stream.gateway);
    if (!set?.delete(stream)) return;
    if (this.notInSync.get(stream.gateway) === stream) this.notInSync.delete(stream.gateway);
    this.metrics.streamClosed(protocol);
    if (set.size === 0) {
      this.streams.delete(stream.gateway);
      this.cache.forget(stream.gateway);
    }
    this.events.next({ kind: 'disconnected', nodeId: stream.nodeId, gateway: stream.gateway });
  }

  onSnapshot(gateway: GatewayKey, snapshot: Snapshot | undefined): void {
    const set = this.streams.get(gateway);
    if (!set) return;
    for (const stream of set) {
      try {
        stream.onSnapshot(snapshot);
      } catch (err) {
        this.logger.error('push failed', { gateway, nodeId: stream.nodeId, error: String(err) });
      }
    }
  }

  clients(): ClientInfo[] {
    const out: ClientInfo[] = [];
    for (const set of this.streams.values()) for (const stream of set) out.push(stream.info());
    return out.sort((a, b) => (a.gateway === b.gateway ? cmp(a.nodeId, b.nodeId) : cmp(a.gateway, b.gateway)));
  }

  programmed(gateway: GatewayKey): ProgrammedStatus {
    const set = this.streams.get(gateway);
    if (!set || set.size === 0) return { state: 'pending', message: 'no Envoy is connected for this Gateway' };
    // A NACK anywhere wins; then any Envoy not in sync. This is asked on proxy events (coalesced
    // by the pipeline) while hundreds of Envoys ACK a change, roughly in the order they connected.
    // So the search starts at the Envoy found out of sync last time and goes on from there: most
    // calls stop after a stream or two, and only the last one asks every stream.
    for (const stream of set) {
      const rejected = stream.rejection();
      if (rejected) return rejected;
    }
    for (const stream of startingAt(set, this.notInSync.get(gateway))) {
      const status = stream.status();
      if (status.state === 'programmed') continue;
      this.notInSync.set(gateway, stream);
      return status;
    }
    this.notInSync.delete(gateway);
    return { state: 'programmed' };
  }
}

/** The items of `items` from `first` on, then those before it (all of them when `first` is absent). */
function* startingAt<T>(items: Iterable<T>, first: T | undefined): Generator<T> {
  const before: T[] = [];
  let reached = false;
  for (const item of items) {
    if (!reached && item !== first) before.push(item);
    else {
      reached = true;
      yield item;
    }
  }
  yield* before;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
