/**
 * Steps: SecurityPolicies. Before the Gateways' IR is assembled, which policy applies to each
 * route entry (`applySecurityPolicies`); after their statuses are computed, the policies' own
 * statuses and the Affected condition on what they apply to (`reportSecurityPolicies`).
 */
import { securityAttachments } from '../security/security-attachment.js';
import { routePolicyLookup } from '../security/route-policy-lookup.js';
import { securityVerdict } from '../security/security-ir.js';
import { securityOverrides, withAffectedCondition } from '../security/security-effects.js';
import { securityPolicyStatuses } from '../security/security-status.js';
import type { TranslationRun } from './run.js';

export function applySecurityPolicies(run: TranslationRun): void {
  if (run.resources.securityPolicies.length === 0) return;
  const { ctx } = run;
  const attachments = (run.securityAttachments = securityAttachments(ctx));
  if (attachments.byTarget.size === 0) return;
  for (const state of run.gateways.values()) {
    const lookup = routePolicyLookup(attachments, state);
    state.security = {
      verdictOf(listener, route) {
        const policy = lookup.applied(listener, route.source);
        // The same verdict object while the policy and what it read are: the IR assembly compares parts by identity.
        return policy && securityVerdict(ctx, policy);
      },
    };
  }
}

export function reportSecurityPolicies(run: TranslationRun): void {
  const attachments = run.securityAttachments;
  if (!attachments) return;
  const overrides = securityOverrides(run.gateways.values(), attachments);
  const { statuses, affected } = securityPolicyStatuses(run.ctx, run.gateways, attachments, overrides);
  for (const [policy, status] of statuses) run.statuses.set(policy, status);
  for (const [object, policies] of affected) {
    if (!run.statuses.has(object)) continue;
    run.statuses.set(object, withAffectedCondition(object, run.statuses.get(object), [...policies], run.ctx.now));
  }
}
