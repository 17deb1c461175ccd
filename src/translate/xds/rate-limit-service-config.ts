/**
 * The rate limit service's configuration for one Gateway (github.com/envoyproxy/ratelimit's YAML:
 * a domain and its descriptor tree), from the Global rate limits of the Gateway's routes. Pure.
 *
 * Each rule is one branch: its descriptor's entries (`rate-limit-descriptors.ts`, the same the
 * Envoy route's actions build) nested key under key, the limit at the last one. An entry without
 * a value (Distinct) matches any value, each counted on its own. A rule without selectors is a
 * branch of one entry (the rule's), limited there.
 */
import type { IrRateLimit, IrRateLimitUnit } from '../../ir/rate-limit.js';
import type { IrGateway } from '../../ir/types.js';
import type { IrRoute } from '../../ir/route-types.js';
import { ruleDescriptor } from './rate-limit-descriptors.js';

/** A route's rate limit (the BackendTrafficPolicy skeleton's `IrRoute.traffic`, once merged). */
function rateLimitOf(route: IrRoute): IrRateLimit | undefined {
  return (route as { traffic?: { rateLimit?: IrRateLimit } }).traffic?.rateLimit;
}

export interface RateLimitServiceDescriptor {
  key: string;
  value?: string;
  rate_limit?: { unit: Lowercase<IrRateLimitUnit>; requests_per_unit: number };
  descriptors?: RateLimitServiceDescriptor[];
}

export interface RateLimitServiceConfig {
  domain: string;
  descriptors: RateLimitServiceDescriptor[];
}

export interface GlobalRateLimitedRoute {
  /** The IR route's name (unique in the Gateway). */
  name: string;
  rateLimit: IrRateLimit;
}

/** `undefined` when no route of the Gateway has a Global limit: the service needs nothing for it. */
export function rateLimitServiceConfig(
  domain: string,
  routes: readonly GlobalRateLimitedRoute[],
): RateLimitServiceConfig | undefined {
  const descriptors: RateLimitServiceDescriptor[] = [];
  for (const route of routes) {
    if (route.rateLimit.type !== 'Global') continue;
    for (const [i, rule] of route.rateLimit.rules.entries()) {
      const { entries } = ruleDescriptor(route.name, i, rule);
      // Built from the leaf up: the limit sits on the last entry.
      let branch: RateLimitServiceDescriptor | undefined;
      for (const entry of [...entries].reverse()) {
        branch = {
          key: entry.key,
          ...(entry.value !== undefined ? { value: entry.value } : {}),
          ...(branch
            ? { descriptors: [branch] }
            : {
                rate_limit: {
                  unit: rule.limit.unit.toLowerCase() as Lowercase<IrRateLimitUnit>,
                  requests_per_unit: rule.limit.requests,
                },
              }),
        };
      }
      if (branch) descriptors.push(branch);
    }
  }
  return descriptors.length > 0 ? { domain, descriptors } : undefined;
}

/** The configuration a Gateway needs from the rate limit service (its domain is its name), if any. */
export function gatewayRateLimitServiceConfig(ir: IrGateway): RateLimitServiceConfig | undefined {
  const routes: GlobalRateLimitedRoute[] = [];
  const seen = new Set<string>();
  for (const config of ir.routeConfigs) {
    for (const vh of config.virtualHosts) {
      for (const route of vh.routes) {
        const rateLimit = rateLimitOf(route);
        // A route shared by two virtual hosts is one set of buckets (Envoy counts by its actions' values).
        if (rateLimit?.type !== 'Global' || seen.has(route.name)) continue;
        seen.add(route.name);
        routes.push({ name: route.name, rateLimit });
      }
    }
  }
  return rateLimitServiceConfig(ir.name, routes);
}
