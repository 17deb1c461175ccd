/**
 * One rate limit rule of one route as a descriptor: the actions Envoy runs on a request to build
 * it, and the entries a counted request's descriptor has (a Distinct entry has no value: each
 * value the request brings is a bucket of its own). The local filter matches its descriptors
 * against these entries; the rate limit service's configuration nests them (`rate-limit-service-
 * config.ts`). Both read the keys from here, so the two cannot disagree.
 *
 * The first entry names the route and the rule (`rule` = `<route>/<local|global>/<index>`): rules
 * of one route, or of two routes, never share a bucket. Then, selector by selector: each header
 * (`request_headers`: a request without the header builds no descriptor, so the rule does not
 * count it; an Exact value must equal the request's), then the source range (`masked_remote_address`
 * with the range's prefix length: the request's address masked to it must be the range; a
 * Distinct range then adds the full address, `remote_address`). The address is the client address
 * the connection manager settled on.
 */
import type { IrRateLimitRule, IrRateLimitSource } from '../../ir/rate-limit.js';
import type { envoy } from './types.js';

type Action = envoy.config.route.v3.RateLimit.Action;

export interface DescriptorEntry {
  key: string;
  /** Absent: any value, each its own bucket (Distinct). */
  value?: string;
}

export interface RuleDescriptor {
  actions: Action[];
  entries: DescriptorEntry[];
}

export const RULE_KEY = 'rule';
/** The keys Envoy gives these two actions' entries (not configurable). */
export const MASKED_REMOTE_ADDRESS_KEY = 'masked_remote_address';
export const REMOTE_ADDRESS_KEY = 'remote_address';

export type RateLimitScope = 'local' | 'global';

/**
 * Whose Global buckets a route's requests count in: the route under one policy. An HTTPRoute on
 * two listeners may be under a different policy on each (a listener's or ListenerSet's policy), and
 * each policy's limits must be its own, never another's counters.
 */
export function globalBucketsOf(routeName: string, policy: string): string {
  return `${routeName}/policy/${policy}`;
}

/** `<route>/<scope>/<index>`: the value of a rule's first entry. */
export function ruleId(routeName: string, scope: RateLimitScope, index: number): string {
  return `${routeName}/${scope}/${index}`;
}

export function ruleDescriptor(
  routeName: string,
  scope: RateLimitScope,
  index: number,
  rule: IrRateLimitRule,
): RuleDescriptor {
  const id = ruleId(routeName, scope, index);
  const actions: Action[] = [{ generic_key: { descriptor_key: RULE_KEY, descriptor_value: id } }];
  const entries: DescriptorEntry[] = [{ key: RULE_KEY, value: id }];
  for (const [j, selector] of rule.clientSelectors.entries()) {
    for (const header of selector.headers) {
      const key = `selector/${j}/header/${header.name}`;
      actions.push({ request_headers: { header_name: header.name, descriptor_key: key } });
      entries.push(header.value !== undefined ? { key, value: header.value } : { key });
    }
    if (selector.sourceCIDR) {
      actions.push({ masked_remote_address: maskOf(selector.sourceCIDR) });
      entries.push({ key: MASKED_REMOTE_ADDRESS_KEY, value: selector.sourceCIDR.cidr });
      if (selector.sourceCIDR.type === 'Distinct') {
        actions.push({ remote_address: {} });
        entries.push({ key: REMOTE_ADDRESS_KEY });
      }
    }
  }
  return { actions, entries };
}

/** The range's prefix length for its family; the other family keeps whole addresses (never equal to the range). */
function maskOf(source: IrRateLimitSource): Action['masked_remote_address'] {
  return source.family === 4
    ? { v4_prefix_mask_len: { value: source.prefixLength } }
    : { v6_prefix_mask_len: { value: source.prefixLength } };
}

/** A unit as a duration in seconds (the local token bucket's fill interval). */
export const UNIT_SECONDS: Record<IrRateLimitRule['limit']['unit'], number> = {
  Second: 1,
  Minute: 60,
  Hour: 3600,
  Day: 86400,
};
