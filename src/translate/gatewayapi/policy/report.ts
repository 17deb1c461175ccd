/**
 * After the Gateways' statuses are computed: the statuses of one kind of Portico policy, and the
 * Affected condition on the Gateways and ListenerSets they apply to.
 */
import type { TranslationRun } from '../steps/run.js';
import type { PolicyAttachments } from './attachment.js';
import { policyOverrides, withAffectedCondition } from './effects.js';
import { policyStatuses, type PolicyKindRules, type PolicyObject } from './policy-status.js';

export function reportPolicies<P extends PolicyObject>(
  run: TranslationRun,
  rules: PolicyKindRules<P>,
  policies: readonly P[],
  attachments: PolicyAttachments<P>,
): void {
  const overrides = rules.overrides ?? policyOverrides(rules.kind, run.gateways.values(), attachments);
  const { affected } = policyStatuses(run.ctx, rules, policies, run.gateways, attachments, overrides, run.statuses);
  for (const [object, names] of affected) {
    if (!run.statuses.has(object)) continue;
    const status = withAffectedCondition(rules.kind, object, run.statuses.get(object), [...names], run.ctx.now);
    run.statuses.set(object, status);
  }
}
