/**
 * The rate limit service's configuration for one Gateway (github.com/envoyproxy/ratelimit's YAML:
 * a domain and its descriptor tree), from the Global rate limit rules of the Gateway's routes. Pure.
 *
 * Each rule is one branch: its descriptor's entries (`rate-limit-descriptors.ts`, the same the
 * Envoy route's actions build) nested key under key, the limit at the last one. An entry without
 * a value (Distinct) matches any value, each counted on its own. A rule without selectors is a
 * branch of one entry (the rule's), limited there.
 */
import type { IrRateLimitRule, IrRateLimitUnit } from '../../ir/rate-limit.js';
import type { IrGateway } from '../../ir/types.js';
import { globalBucketsOf, ruleDescriptor } from './rate-limit-descriptors.js';

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
  /** The IR route's name under its policy (`globalBucketsOf`). */
  name: string;
  /** Its `global` rules. */
  rules: readonly IrRateLimitRule[];
}

/** `undefined` when no route has Global rules: the service needs nothing for the Gateway. */
export function rateLimitServiceConfig(
  domain: string,
  routes: readonly GlobalRateLimitedRoute[],
): RateLimitServiceConfig | undefined {
  const descriptors: RateLimitServiceDescriptor[] = [];
  for (const route of routes) {
    for (const [i, rule] of route.rules.entries()) {
      const { entries } = ruleDescriptor(route.name, 'global', i, rule);
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
        const rules = route.traffic?.rateLimit?.global?.rules;
        if (!rules) continue;
        // A route in two virtual hosts under one policy is one set of buckets (its actions build the
        // same descriptors); under another policy (another listener's), another set.
        const name = globalBucketsOf(route.name, route.traffic!.policy);
        if (seen.has(name)) continue;
        seen.add(name);
        routes.push({ name, rules });
      }
    }
  }
  return rateLimitServiceConfig(ir.name, routes);
}

/**
 * The file (standalone) or ConfigMap key (cluster) of a domain's configuration: `<namespace>/<name>`
 * with `/` as `_`, which neither a namespace nor a Gateway name can hold (so no two domains share
 * one), `.yaml` after it. Every character left is one a ConfigMap key allows.
 */
export function rateLimitConfigFileName(domain: string): string {
  return `${domain.replace(/[^A-Za-z0-9._-]/g, '_')}.yaml`;
}
