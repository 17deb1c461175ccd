/**
 * The ratelimit filter of a connection manager: when some route of its configuration has Global
 * rate limit rules, the service they are counted in, under the Gateway's domain (every Envoy of
 * the Gateway counts in the same buckets; another Gateway's never).
 */
import type { IrRateLimitService, IrRouteConfig } from '../../../ir/types.js';

export function rateLimitServiceOf(config: IrRouteConfig, gateway: string): { rateLimitService?: IrRateLimitService } {
  for (const vh of config.virtualHosts) {
    for (const r of vh.routes) {
      const service = r.traffic?.rateLimit?.global?.service;
      if (service) return { rateLimitService: { ...service, domain: gateway } };
    }
  }
  return {};
}
