/**
 * A stream host for driving one `AdsStream` directly, without gRPC: real snapshots, views and
 * metrics, a fake clock (time moves only when the test says), and a record of what the stream
 * wrote, logged and emitted. What was pushed is read from the stream's `push` debug entries.
 */
import type { StreamClock, Timer } from '../../src/xds/clock.js';
import type { ProxyEvent } from '../../src/xds/contract.js';
import type { GrpcFrame } from '../../src/xds/grpc-frame.js';
import { XdsMetrics } from '../../src/xds/metrics.js';
import { SnapshotCache } from '../../src/xds/snapshot.js';
import { AdsStream, type StreamHost } from '../../src/xds/stream.js';
import type { Protocol } from '../../src/xds/type-stream.js';
import { ViewCache } from '../../src/xds/views.js';
import type {
  Cluster,
  ClusterLoadAssignment,
  Listener,
  RouteConfiguration,
  XdsResources,
} from '../../src/translate/xds/types.js';
import { RecordingLogger } from '../support/recording-logger.js';

export const GATEWAY = 'default/gw';

/** Time that moves only on `advance`; due timers fire in order. */
export class FakeClock implements StreamClock {
  private time = 1_000_000;
  private timers: { at: number; fire: () => void; cancelled: boolean }[] = [];

  now(): number {
    return this.time;
  }

  after(delayMs: number, fire: () => void): Timer {
    const timer = { at: this.time + delayMs, fire, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  }

  /** Timers armed and neither fired nor cancelled. */
  get armed(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.time = due.at;
      due.cancelled = true;
      due.fire();
    }
    this.time = until;
  }
}

export interface Push {
  typeUrl: string;
  nonce: string;
  version: string;
  resources: string[];
  removed: string[];
}

export class FakeStreamHost {
  readonly cache = new SnapshotCache();
  readonly clock = new FakeClock();
  readonly events: ProxyEvent[] = [];
  readonly logger = new RecordingLogger();
  readonly frames: GrpcFrame[] = [];
  readonly host: StreamHost;
  bound = 0;

  constructor(clusterWarmTimeoutMs = 10_000) {
    this.host = {
      snapshot: (gateway) => this.cache.get(gateway),
      bind: () => this.bound++,
      emit: (event) => this.events.push(event),
      metrics: new XdsMetrics(),
      logger: this.logger,
      views: new ViewCache(),
      controlPlaneId: 'test',
      clusterWarmTimeoutMs,
      retryBackoff: { initialMs: 500, maxMs: 10_000 },
      clock: this.clock,
    };
  }

  stream(protocol: Protocol = 'sotw'): AdsStream {
    return new AdsStream(protocol, this.host, (frame) => this.frames.push(frame));
  }

  /** Publishes and hands the snapshot to `streams`, as the server does. */
  publish(resources: XdsResources, ...streams: AdsStream[]): void {
    this.cache.publish(GATEWAY, resources);
    for (const s of streams) s.onSnapshot(this.cache.get(GATEWAY));
  }

  /** Responses pushed so far (of `typeUrl`, if given). */
  pushes(typeUrl?: string): Push[] {
    return this.logger.lines
      .filter((l) => l.msg === 'push' && (typeUrl === undefined || l.fields.typeUrl === typeUrl))
      .map(({ fields: e }) => ({
        typeUrl: e.typeUrl as string,
        nonce: e.nonce as string,
        version: e.version as string,
        resources: [...(e.resources as string[])],
        removed: [...(e.removed as string[])],
      }));
  }

  lastPush(typeUrl: string): Push | undefined {
    return this.pushes(typeUrl).at(-1);
  }
}

export const node = { id: 'envoy-1', cluster: GATEWAY };

export function cluster(name: string): Cluster {
  return { name, type: 'EDS', eds_cluster_config: { eds_config: { ads: {} } }, connect_timeout: { seconds: 1 } };
}

export function assignment(name: string, address = '10.0.0.1'): ClusterLoadAssignment {
  return {
    cluster_name: name,
    endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address, port_value: 8080 } } } }] }],
  };
}

export function listener(name: string, port: number): Listener {
  return {
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
    filter_chains: [],
  };
}

export function routeConfig(name: string, clusterName: string): RouteConfiguration {
  return {
    name,
    virtual_hosts: [
      { name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: clusterName } }] },
    ],
  };
}

/** One listener → one route configuration → the given clusters (the route uses the first). */
export function resources(clusters: string[], port = 8080): XdsResources {
  return {
    listeners: [listener('l1', port)],
    routes: [routeConfig('r1', clusters[0] ?? 'none')],
    clusters: clusters.map(cluster),
    endpoints: clusters.map((c) => assignment(c)),
    secrets: [],
  };
}
