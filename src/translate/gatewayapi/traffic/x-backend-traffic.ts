/**
 * XBackendTrafficPolicy (GEP-3388) on the clusters of the Services it targets: its
 * `retryConstraint` as Envoy's retry budget (circuit_breakers.thresholds.retry_budget) on every
 * HTTP cluster of the Service, whichever route uses it. Of several policies targeting one Service
 * the oldest valid one applies (the others are Conflicted there).
 *
 * Envoy's budget is concurrent, not over a window: at most `budget_percent` of the requests active
 * at once may be retries, and `min_retry_concurrency` retries are always allowed. `budget.percent`
 * maps as is; `budget.interval` has no Envoy counterpart (the share is taken at each moment);
 * `minRetryRate` (count per interval) becomes a concurrency of count per second, rounded up, at
 * least 1: a retry is taken to last about a second (docs/spec-decisions.md).
 */
import type { IrRetryBudget } from '../../../ir/types.js';
import { readXBackendTrafficPolicy } from '../../../resources/read/x-backend-traffic-policy.js';
import type { XBackendTrafficPolicy } from '../../../resources/types.js';
import { objectKey, type TranslationContext } from '../context.js';
import { olderFirst } from '../routes/precedence.js';

/** The policies that apply to Service `namespace/name`, the one in effect first (valid, then oldest). */
export function xTrafficPoliciesFor(ctx: TranslationContext, namespace: string, name: string): XBackendTrafficPolicy[] {
  const policies = ctx.xBackendTrafficPolicies.get(objectKey(namespace, name)) ?? [];
  const isValid = (p: XBackendTrafficPolicy) => readXBackendTrafficPolicy(p).settings.valid;
  return policies.filter(isValid).sort(olderFirst);
}

export function retryBudgetOf(policy: XBackendTrafficPolicy): IrRetryBudget | undefined {
  const settings = readXBackendTrafficPolicy(policy).settings;
  const retry = settings.valid ? settings.result.retryConstraint : undefined;
  if (!retry) return undefined;
  const perSecond = (retry.minRetryCount * 1000) / retry.minRetryIntervalMs;
  return { budgetPercent: retry.budgetPercent, minRetryConcurrency: Math.max(1, Math.ceil(perSecond)) };
}

/** The retry budget of an HTTP cluster of Service `namespace/name`, if a policy gives it one. */
export function retryBudgetFor(ctx: TranslationContext, namespace: string, name: string): IrRetryBudget | undefined {
  const policy = xTrafficPoliciesFor(ctx, namespace, name)[0];
  return policy && retryBudgetOf(policy);
}
