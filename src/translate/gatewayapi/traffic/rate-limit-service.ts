/**
 * The ratelimit filter of a connection manager: when some route of its configuration has Global
 * rate limit rules, the service they are counted in, under the Gateway's domain (every Envoy of
 * the Gateway counts in the same buckets; another Gateway's never).
 */
import type { IrRateLimitService } from '../../../ir/types.js';

export function rateLimitServiceFor(service: Omit<IrRateLimitService, 'domain'>, gateway: string): IrRateLimitService {
  return { ...service, domain: gateway };
}
