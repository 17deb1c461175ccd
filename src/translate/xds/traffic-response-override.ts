/**
 * BackendTrafficPolicy `responseOverride` in Envoy: one custom_response filter in the connection
 * manager, installed disabled and with no rules of its own, turned on per route with the route's
 * rules (a CustomResponse per route: Envoy uses the route's matcher instead of the filter's). Each
 * rule is a matcher on the response status (HttpResponseStatusCodeMatchInput: an exact value, or
 * an RE2 pattern for a range) whose action is a local response policy: the new body (literal: no
 * command operators), its content type, the new status.
 */
import type { IrHttpFilterKind, IrResponseOverrideRule } from '../../ir/types.js';
import {
  CUSTOM_RESPONSE,
  HTTP_RESPONSE_STATUS_CODE_MATCH_INPUT,
  LOCAL_RESPONSE_POLICY,
} from '../../proto/type-urls.js';
import type { envoy, PerFilterConfig, xds } from './types.js';

type HttpFilter = envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
type Predicate = xds.type.matcher.v3.Matcher.MatcherList.Predicate;

export const CUSTOM_RESPONSE_FILTER = 'envoy.filters.http.custom_response';

export function customResponseFilters(kinds: readonly IrHttpFilterKind[]): HttpFilter[] {
  if (!kinds.includes('custom_response')) return [];
  return [{ name: CUSTOM_RESPONSE_FILTER, disabled: true, typed_config: { '@type': CUSTOM_RESPONSE } }];
}

/**
 * An RE2 pattern matching exactly the three-digit statuses from `start` to `end`: whole hundreds
 * as `5[0-9]{2}`, whole tens as `40[0-9]`, the rest as a digit class (`41[0-7]`).
 */
export function statusRangePattern(start: number, end: number): string {
  const parts: string[] = [];
  for (let h = Math.floor(start / 100); h <= Math.floor(end / 100); h++) {
    const lo = Math.max(start, h * 100);
    const hi = Math.min(end, h * 100 + 99);
    if (lo === h * 100 && hi === h * 100 + 99) {
      parts.push(`${h}[0-9]{2}`);
      continue;
    }
    for (let t = Math.floor(lo / 10); t <= Math.floor(hi / 10); t++) {
      const a = Math.max(lo, t * 10) % 10;
      const b = Math.min(hi, t * 10 + 9) % 10;
      parts.push(a === 0 && b === 9 ? `${t}[0-9]` : a === b ? `${t}${a}` : `${t}[${a}-${b}]`);
    }
  }
  return parts.join('|');
}

const statusInput = {
  name: 'envoy.matching.inputs.status_code',
  typed_config: { '@type': HTTP_RESPONSE_STATUS_CODE_MATCH_INPUT },
};

function statusPredicate(codes: IrResponseOverrideRule['statusCodes']): Predicate {
  const predicates: Predicate[] = codes.map((c) => ({
    single_predicate: {
      input: statusInput,
      value_match:
        'value' in c
          ? { exact: String(c.value) }
          : { safe_regex: { google_re2: {}, regex: statusRangePattern(c.start, c.end) } },
    },
  }));
  return predicates.length === 1 ? predicates[0]! : { or_matcher: { predicate: predicates } };
}

function localResponsePolicy(
  rule: IrResponseOverrideRule,
): envoy.extensions.http.custom_response.local_response_policy.v3.LocalResponsePolicy {
  const policy: envoy.extensions.http.custom_response.local_response_policy.v3.LocalResponsePolicy = {};
  if (rule.body !== undefined) policy.body = { inline_string: rule.body };
  if (rule.statusCode !== undefined) policy.status_code = { value: rule.statusCode };
  if (rule.contentType !== undefined) {
    policy.response_headers_to_add = [
      { header: { key: 'content-type', value: rule.contentType }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
    ];
  }
  return policy;
}

export function responseOverridePerRoute(
  policy: string,
  rules: readonly IrResponseOverrideRule[],
  config: PerFilterConfig,
): void {
  config[CUSTOM_RESPONSE_FILTER] = {
    '@type': CUSTOM_RESPONSE,
    custom_response_matcher: {
      matcher_list: {
        matchers: rules.map((rule, i) => ({
          predicate: statusPredicate(rule.statusCodes),
          on_match: {
            action: {
              name: `${policy}/responseOverride/${i}`,
              typed_config: { '@type': LOCAL_RESPONSE_POLICY, ...localResponsePolicy(rule) },
            },
          },
        })),
      },
    },
  };
}
