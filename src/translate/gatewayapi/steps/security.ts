/**
 * Steps: SecurityPolicies. Before the Gateways' IR is assembled, which policy applies to each
 * route entry (`applySecurityPolicies`); after their statuses are computed, the policies' own
 * statuses and the Affected condition on what they apply to (`reportSecurityPolicies`).
 */
import { readSecurityPolicy } from '../../../resources/read/security-policy.js';
import type { SecurityPolicy } from '../../../resources/types.js';
import { policyAttachments } from '../policy/attachment.js';
import { routePolicyLookup } from '../policy/route-lookup.js';
import type { PolicyKindRules } from '../policy/policy-status.js';
import { reportPolicies } from '../policy/report.js';
import { securityVerdict, type SecurityVerdict } from '../security/security-ir.js';
import type { TranslationRun } from './run.js';

const SECURITY_POLICY: PolicyKindRules<SecurityPolicy> = {
  kind: 'SecurityPolicy',
  readTargets: readSecurityPolicy,
  invalidStillApplies: true,
  verdict(ctx, policy) {
    const verdict = securityVerdict(ctx, policy);
    if (verdict.type === 'closed')
      return { problem: `${verdict.message}; the routes it applies to answer 500 until it is fixed` };
    return verdict.warnings ? { warnings: verdict.warnings } : {};
  },
  listenerProtocols: {
    protocols: ['HTTP', 'HTTPS'],
    invalid: 'a SecurityPolicy applies to HTTP requests only (HTTP, HTTPS listeners); nothing is protected there',
    note: '(no HTTP requests there)',
  },
};

export function applySecurityPolicies(run: TranslationRun): void {
  if (run.resources.securityPolicies.length === 0) return;
  const { ctx } = run;
  const attachments = (run.securityAttachments = policyAttachments(
    ctx,
    run.resources.securityPolicies,
    readSecurityPolicy,
  ));
  if (!attachments.any) return;
  // Asked for every route entry: each policy's verdict is looked up once a run.
  const verdicts = new Map<SecurityPolicy, SecurityVerdict>();
  const verdictOf = (policy: SecurityPolicy): SecurityVerdict => {
    let verdict = verdicts.get(policy);
    if (!verdict) verdicts.set(policy, (verdict = securityVerdict(ctx, policy)));
    return verdict;
  };
  for (const state of run.gateways.values()) {
    const lookup = routePolicyLookup(attachments, state);
    state.security = {
      verdictOf(listener, route) {
        const policy = lookup.applied(listener, route.source);
        // The same verdict object while the policy and what it read are: the IR assembly compares parts by identity.
        return policy && verdictOf(policy);
      },
    };
  }
}

export function reportSecurityPolicies(run: TranslationRun): void {
  const attachments = run.securityAttachments;
  if (!attachments) return;
  reportPolicies(run, SECURITY_POLICY, run.resources.securityPolicies, attachments);
}
