/**
 * Steps: BackendTrafficPolicies. Before the Gateways' IR is assembled, which policy applies to
 * each route entry (`applyTrafficPolicies`); after their statuses are computed, the policies' own
 * statuses and the Affected condition on the Gateways and ListenerSets they apply to
 * (`reportTrafficPolicies`).
 */
import { readBackendTrafficPolicy } from '../../../resources/read/backend-traffic-policy.js';
import type { BackendTrafficPolicy } from '../../../resources/types.js';
import { policyAttachments } from '../policy/attachment.js';
import { routePolicyLookup } from '../policy/route-lookup.js';
import type { PolicyKindRules } from '../policy/policy-status.js';
import { reportPolicies } from '../policy/report.js';
import { trafficVerdict, type TrafficVerdict } from '../traffic/traffic-ir.js';
import type { TranslationRun } from './run.js';

const BACKEND_TRAFFIC_POLICY: PolicyKindRules<BackendTrafficPolicy> = {
  kind: 'BackendTrafficPolicy',
  readTargets: readBackendTrafficPolicy,
  verdict(ctx, policy) {
    const verdict = trafficVerdict(ctx, policy);
    if (verdict.type === 'invalid')
      return { problem: `${verdict.message}; it is not applied: what it targets is served as without it` };
    return verdict.warnings ? { warnings: verdict.warnings } : {};
  },
};

export function applyTrafficPolicies(run: TranslationRun): void {
  if (run.resources.backendTrafficPolicies.length === 0) return;
  const { ctx } = run;
  const attachments = (run.trafficAttachments = policyAttachments(
    ctx,
    run.resources.backendTrafficPolicies,
    readBackendTrafficPolicy,
  ));
  if (!attachments.any) return;
  // Asked for every route entry: each policy's verdict is looked up once a run.
  const verdicts = new Map<BackendTrafficPolicy, TrafficVerdict>();
  const verdictOf = (policy: BackendTrafficPolicy): TrafficVerdict => {
    let verdict = verdicts.get(policy);
    if (!verdict) verdicts.set(policy, (verdict = trafficVerdict(ctx, policy)));
    return verdict;
  };
  for (const state of run.gateways.values()) {
    const lookup = routePolicyLookup(attachments, state);
    state.traffic = {
      verdictOf(listener, route) {
        const policy = lookup.applied(listener, route.source);
        return policy && verdictOf(policy);
      },
      l4VerdictOf(listener, routeKey) {
        const [kind = '', namespace = '', name = ''] = routeKey.split('/');
        const policy = lookup.applied(listener, { kind, namespace, name });
        return policy && verdictOf(policy);
      },
    };
  }
}

export function reportTrafficPolicies(run: TranslationRun): void {
  const attachments = run.trafficAttachments;
  if (!attachments) return;
  reportPolicies(run, BACKEND_TRAFFIC_POLICY, run.resources.backendTrafficPolicies, attachments);
}
