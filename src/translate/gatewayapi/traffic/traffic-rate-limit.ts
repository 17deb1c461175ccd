/**
 * `rateLimit` → the route's local and global rules (`IrRateLimit`). Global rules need the rate
 * limit service (`TranslateOptions.rateLimitService`): the policy then brings its cluster (gRPC,
 * HTTP/2, the address resolved by Envoy); without a service a policy with global rules cannot be
 * applied. The rules are as read: the reader already refused what Envoy or the service cannot take.
 */
import type { IrCluster, IrRateLimit } from '../../../ir/types.js';
import type { RateLimitRead } from '../../../resources/read/traffic-rate-limit.js';
import type { TranslationContext } from '../context.js';
import type { TrafficSectionIr } from './traffic-section.js';

/** The cluster of the rate limit service at `host:port`. */
export function rateLimitServiceCluster(host: string, port: number): IrCluster {
  return {
    name: `ratelimit/${host}/${port}`,
    source: { kind: 'RateLimitService', namespace: '', name: host, port },
    protocol: 'http2',
    endpoints: [],
    dns: { hostname: host, port },
  };
}

export function rateLimitIr(read: RateLimitRead, ctx: TranslationContext): TrafficSectionIr {
  const ir: IrRateLimit = {};
  if (read.local) ir.local = read.local;
  if (!read.global) return { ok: true, route: { rateLimit: ir } };
  const service = ctx.rateLimitService;
  if (!service) {
    return {
      ok: false,
      message:
        'rateLimit.global needs the rate limit service, which this Portico does not run (standalone mode runs it; in a cluster Portico provisions it, unless it runs with --no-provision): use rateLimit.local',
    };
  }
  const cluster = rateLimitServiceCluster(service.address.host, service.address.port);
  ir.global = { rules: read.global, service: { clusterName: cluster.name, failClosed: service.failClosed } };
  return { ok: true, route: { rateLimit: ir }, clusters: [cluster] };
}
