/**
 * Counters of the ADS server as plain data, for a Prometheus endpoint (written elsewhere) to read.
 * No HTTP here: `metrics()` returns numbers and a cumulative histogram.
 */

/** Upper bounds (ms) of the push-to-ACK latency histogram buckets; the last bucket is +Inf. */
export const LATENCY_BUCKETS_MS: readonly number[] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

export interface HistogramSnapshot {
  /** Cumulative counts, Prometheus style: `le` is the upper bound (`Infinity` for the last). */
  buckets: { le: number; count: number }[];
  sum: number;
  count: number;
}

export interface XdsMetricsSnapshot {
  /** Responses written, by type URL. */
  pushes: Record<string, number>;
  /** Resources carried by those responses, by type URL. */
  resourcesPushed: Record<string, number>;
  acks: Record<string, number>;
  nacks: Record<string, number>;
  /** Streams currently open with a node identity, by protocol. */
  connectedProxies: { sotw: number; delta: number };
  /** Streams refused (no node identity, unknown type…). */
  rejectedStreams: number;
  /**
   * Streams refused for who they are or what they ask (PERMISSION_DENIED: the certificate does
   * not name the claimed Gateway; RESOURCE_EXHAUSTED: a bound), by reason.
   */
  deniedStreams: Record<string, number>;
  /** Time from writing a response to receiving its ACK. */
  pushToAckLatencyMs: HistogramSnapshot;
  /** Bytes of responses written. */
  bytesPushed: number;
  /** By Gateway (`<namespace>/<name>`): responses written and NACKs, the last push's time and snapshot version. */
  gateways: Record<string, GatewayXdsFigures>;
}

export interface GatewayXdsFigures {
  pushes: number;
  nacks: number;
  /** Epoch milliseconds of the last response written; 0 before any. */
  lastPushAtMs: number;
  /** The snapshot version (a hash of its resources) of the last response written. */
  lastPushVersion: string;
}

function bump(record: Record<string, number>, key: string, by = 1): void {
  record[key] = (record[key] ?? 0) + by;
}

export class XdsMetrics {
  private readonly pushes: Record<string, number> = {};
  private readonly resourcesPushed: Record<string, number> = {};
  private readonly acks: Record<string, number> = {};
  private readonly nacks: Record<string, number> = {};
  private readonly connected = { sotw: 0, delta: 0 };
  private rejected = 0;
  private readonly denied: Record<string, number> = {};
  private bytes = 0;
  private readonly latencyCounts = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  private latencySum = 0;
  private latencyCount = 0;
  private readonly byGateway = new Map<string, GatewayXdsFigures>();

  /** `push`: the Gateway whose Envoy it went to, the snapshot version and when (epoch ms). */
  recordPush(
    typeUrl: string,
    resources: number,
    bytes: number,
    push?: { gateway: string; version: string; atMs: number },
  ): void {
    bump(this.pushes, typeUrl);
    bump(this.resourcesPushed, typeUrl, resources);
    this.bytes += bytes;
    if (!push) return;
    const figures = this.gatewayFigures(push.gateway);
    figures.pushes++;
    figures.lastPushAtMs = push.atMs;
    figures.lastPushVersion = push.version;
  }

  private gatewayFigures(gateway: string): GatewayXdsFigures {
    let figures = this.byGateway.get(gateway);
    if (!figures) {
      figures = { pushes: 0, nacks: 0, lastPushAtMs: 0, lastPushVersion: '' };
      this.byGateway.set(gateway, figures);
    }
    return figures;
  }

  recordAck(typeUrl: string, latencyMs: number | undefined): void {
    bump(this.acks, typeUrl);
    if (latencyMs === undefined) return;
    let i = LATENCY_BUCKETS_MS.findIndex((le) => latencyMs <= le);
    if (i < 0) i = LATENCY_BUCKETS_MS.length;
    this.latencyCounts[i] = (this.latencyCounts[i] ?? 0) + 1;
    this.latencySum += latencyMs;
    this.latencyCount++;
  }

  recordNack(typeUrl: string, gateway?: string): void {
    bump(this.nacks, typeUrl);
    if (gateway !== undefined) this.gatewayFigures(gateway).nacks++;
  }

  streamOpened(protocol: 'sotw' | 'delta'): void {
    this.connected[protocol]++;
  }

  streamClosed(protocol: 'sotw' | 'delta'): void {
    this.connected[protocol] = Math.max(0, this.connected[protocol] - 1);
  }

  recordRejectedStream(): void {
    this.rejected++;
  }

  recordDeniedStream(reason: string): void {
    bump(this.denied, reason);
  }

  metrics(): XdsMetricsSnapshot {
    let cumulative = 0;
    const buckets = this.latencyCounts.map((count, i) => {
      cumulative += count;
      return { le: LATENCY_BUCKETS_MS[i] ?? Infinity, count: cumulative };
    });
    return {
      pushes: { ...this.pushes },
      resourcesPushed: { ...this.resourcesPushed },
      acks: { ...this.acks },
      nacks: { ...this.nacks },
      connectedProxies: { ...this.connected },
      rejectedStreams: this.rejected,
      deniedStreams: { ...this.denied },
      pushToAckLatencyMs: { buckets, sum: this.latencySum, count: this.latencyCount },
      bytesPushed: this.bytes,
      gateways: Object.fromEntries([...this.byGateway].map(([gateway, figures]) => [gateway, { ...figures }])),
    };
  }
}
