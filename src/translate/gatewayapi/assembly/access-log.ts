import type { IrAccessLog, IrCluster, IrListener, IrProxyParameters } from '../../../ir/types.js';
import type { GatewayState } from '../gateway-state.js';

/** Every Gateway's default: Portico's JSON format on Envoy's standard output. */
const DEFAULT_ACCESS_LOGS: IrAccessLog[] = [{ sink: { type: 'stdout' } }];

/** The cluster of an OTLP/gRPC access log collector named by host and port (HTTP/2, resolved by Envoy). */
export function accessLogCollectorCluster(host: string, port: number): IrCluster {
  return {
    name: `accesslog/otlp/${host}/${port}`,
    source: { kind: 'AccessLogCollector', namespace: '', name: host, port },
    protocol: 'http2',
    endpoints: [],
    dns: { hostname: host, port },
  };
}

/**
 * The access logs a Gateway's parameters ask for (`spec.telemetry.accessLog`), with the collector
 * clusters they use; the default when the parameters say nothing of them, or cannot be used (the
 * Gateway is then `Accepted=False/InvalidParameters` and its Envoy keeps logging as before).
 */
export function accessLogsOf(parameters: IrProxyParameters | undefined): {
  logs: IrAccessLog[];
  clusters: IrCluster[];
} {
  const asked = parameters?.telemetry?.accessLog;
  if (!asked) return { logs: DEFAULT_ACCESS_LOGS, clusters: [] };
  if (asked.disable) return { logs: [], clusters: [] };
  if (!asked.settings || asked.settings.length === 0) return { logs: DEFAULT_ACCESS_LOGS, clusters: [] };
  const logs: IrAccessLog[] = [];
  const clusters = new Map<string, IrCluster>();
  for (const setting of asked.settings) {
    const format = setting.format ? { format: setting.format } : {};
    for (const sink of setting.sinks) {
      if (sink.type === 'File') {
        logs.push({ ...format, sink: { type: sink.path === '/dev/stdout' ? 'stdout' : 'stderr' } });
        continue;
      }
      const cluster = accessLogCollectorCluster(sink.host, sink.port);
      clusters.set(cluster.name, cluster);
      logs.push({
        ...format,
        sink: { type: 'openTelemetry', clusterName: cluster.name, resources: sink.resources ?? {} },
      });
    }
  }
  return { logs, clusters: [...clusters.values()] };
}

/**
 * The Gateway's access logs on every HTTP connection manager, TCP proxy and UDP proxy of its
 * listeners, and the collectors' clusters when something uses them.
 */
export function withAccessLogs(state: GatewayState, listeners: IrListener[], clusters: Map<string, IrCluster>): void {
  const parameters =
    state.infrastructure && 'parameters' in state.infrastructure ? state.infrastructure.parameters : undefined;
  const { logs, clusters: collectors } = accessLogsOf(parameters);
  if (logs.length === 0) return;
  for (const listener of listeners) {
    if (listener.udp) listener.udp = { ...listener.udp, accessLog: logs };
    for (const chain of listener.filterChains) {
      if (chain.http) chain.http = { ...chain.http, accessLog: logs };
      if (chain.tcp) chain.tcp = { ...chain.tcp, accessLog: logs };
    }
  }
  if (listeners.length > 0) for (const c of collectors) clusters.set(c.name, c);
}
