/**
 * A route's Local rate limit (BackendTrafficPolicy `rateLimit.type: Local`) as Envoy's
 * `envoy.filters.http.local_ratelimit`: installed once in the connection manager with no bucket (a
 * no-op), and configured per route. Each Envoy counts on its own.
 *
 * Per route: one descriptor per rule with selectors (its token bucket: `requests` tokens, all of
 * them refilled every `unit`), the actions that build them in the filter's own `rate_limits` (the
 * route's `rate_limits` belong to the global filter), and the route's default bucket: the rule
 * without selectors, or none (a bucket too large to run out). A request that matches a rule's
 * descriptor counts there and not in the default bucket (`always_consume_default_token_bucket`
 * off), as Envoy Gateway does. A Distinct entry is dynamic: a bucket per value seen, at most
 * `MAX_DYNAMIC_DESCRIPTORS` at once (the least recently used goes first).
 *
 * A request over its limit is answered 429 (gRPC: RESOURCE_EXHAUSTED); every answer of a limited
 * route carries `x-ratelimit-limit`, `-remaining` and `-reset` (draft 03 of the IETF RateLimit
 * header fields).
 */
import type { IrRateLimitRule } from '../../ir/rate-limit.js';
import { LOCAL_RATE_LIMIT } from '../../proto/type-urls.js';
import { ruleDescriptor, UNIT_SECONDS } from './rate-limit-descriptors.js';
import type { envoy, Packed } from './types.js';

type HttpFilter = envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
type LocalRateLimit = envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
type TokenBucket = envoy.type.v3.TokenBucket;

export const LOCAL_RATE_LIMIT_FILTER = 'envoy.filters.http.local_ratelimit';
const STAT_PREFIX = 'http_local_rate_limiter';
/** Buckets kept for Distinct values per route (Envoy Gateway keeps 10,000 per listener). */
export const MAX_DYNAMIC_DESCRIPTORS = 10_000;
/** The largest token bucket: a route whose rules all have selectors never runs out by default. */
const UNLIMITED = 0xffff_ffff;

export function localRateLimitFilter(): HttpFilter {
  return {
    name: LOCAL_RATE_LIMIT_FILTER,
    typed_config: { '@type': LOCAL_RATE_LIMIT, stat_prefix: STAT_PREFIX },
  };
}

function tokenBucket(requests: number, seconds: number): TokenBucket {
  return { max_tokens: requests, tokens_per_fill: { value: requests }, fill_interval: { seconds } };
}

const ALWAYS = { default_value: { numerator: 100, denominator: 'HUNDRED' as const } };

/** The route's `local` rules as its per-route configuration. */
export function localRateLimitPerRoute(
  routeName: string,
  rules: readonly IrRateLimitRule[],
): Packed<typeof LOCAL_RATE_LIMIT> {
  const byDefault = rules.find((rule) => rule.clientSelectors.length === 0);
  const selective = rules.map((rule, i) => ({ rule, i })).filter(({ rule }) => rule.clientSelectors.length > 0);
  const descriptors = selective.map(({ rule, i }) => ({ ...ruleDescriptor(routeName, 'local', i, rule), rule }));
  const config: LocalRateLimit = {
    stat_prefix: STAT_PREFIX,
    token_bucket: byDefault
      ? tokenBucket(byDefault.limit.requests, UNIT_SECONDS[byDefault.limit.unit])
      : tokenBucket(UNLIMITED, 1),
    filter_enabled: ALWAYS,
    filter_enforced: ALWAYS,
    enable_x_ratelimit_headers: 'DRAFT_VERSION_03',
    rate_limited_as_resource_exhausted: true,
    always_consume_default_token_bucket: { value: false },
    ...(descriptors.length > 0
      ? {
          descriptors: descriptors.map(({ entries, rule }) => ({
            // An entry without a value is dynamic: one bucket per value.
            entries: entries.map((e) => ({ key: e.key, ...(e.value !== undefined ? { value: e.value } : {}) })),
            token_bucket: tokenBucket(rule.limit.requests, UNIT_SECONDS[rule.limit.unit]),
          })),
          rate_limits: descriptors.map(({ actions }) => ({ actions })),
          max_dynamic_descriptors: { value: MAX_DYNAMIC_DESCRIPTORS },
        }
      : {}),
  };
  return { '@type': LOCAL_RATE_LIMIT, ...config };
}
