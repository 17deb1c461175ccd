import type { IrCluster, IrListener, IrRouteConfig, IrTracing } from '../../../ir/types.js';
import type { GatewayState } from '../gateway-state.js';

/**
 * The Gateway's XTelemetryPolicy: the same tracer on every HTTP connection manager (TCP, TLS
 * passthrough and UDP carry no HTTP requests to trace), its span name on every route
 * configuration, and the collector's cluster when something uses it.
 */
export function withTracing(
  state: GatewayState,
  listeners: IrListener[],
  routeConfigs: IrRouteConfig[],
  clusters: Map<string, IrCluster>,
): void {
  if (!state.tracing) return;
  const { policy, verdict } = state.tracing;
  const tracing: IrTracing = {
    policy,
    clusterName: verdict.cluster.name,
    serviceName: verdict.serviceName ?? state.key,
    samplingPercent: verdict.samplingPercent,
    attributes: verdict.attributes,
    exportHeaders: verdict.exportHeaders,
  };
  let used = false;
  for (const listener of listeners) {
    for (const chain of listener.filterChains) {
      if (!chain.http) continue;
      chain.http = { ...chain.http, tracing };
      used = true;
    }
  }
  if (!used) return;
  clusters.set(verdict.cluster.name, verdict.cluster);
  if (verdict.spanName === undefined) return;
  for (const config of routeConfigs) config.spanName = verdict.spanName;
}
