/**
 * Steps: ClientTrafficPolicies. After the Gateways' IR is assembled, each Gateway listener's
 * policy (the most specific target: the listener, its ListenerSet, its Gateway; then the oldest)
 * is laid into its Envoy listener and chains (`applyClientTrafficPolicies`); after the Gateways'
 * statuses, the policies' own statuses and the Affected condition (`reportClientTrafficPolicies`).
 */
import { readClientTrafficPolicy } from '../../../resources/read/client-traffic-policy.js';
import type { ClientTrafficPolicy } from '../../../resources/types.js';
import { effectivePolicy, listenerChain, policyAttachments, targetKey } from '../policy/attachment.js';
import { policyKey, type Overrides, type PolicyKindRules } from '../policy/policy-status.js';
import { clientTrafficOverrides } from '../client-traffic/client-traffic-overrides.js';
import { reportPolicies } from '../policy/report.js';
import { clientTrafficParts, type ClientTrafficParts } from '../client-traffic/client-traffic-ir.js';
import { withClientTraffic, type ClientTrafficNotes } from '../client-traffic/client-traffic-apply.js';
import type { TranslationRun } from './run.js';

function rules(
  notes: ClientTrafficNotes,
  overrides: Overrides<ClientTrafficPolicy>,
): PolicyKindRules<ClientTrafficPolicy> {
  return {
    kind: 'ClientTrafficPolicy',
    overrides,
    overriddenFor: 'some listeners',
    readTargets: readClientTrafficPolicy,
    verdict(_ctx, policy) {
      const { features } = readClientTrafficPolicy(policy);
      if (!features.valid) {
        const problems = features.errors.map((e) => e.message).join('; ');
        return {
          problem: `${problems}; the policy is not applied: its listeners keep Portico's defaults until it is fixed`,
        };
      }
      const warnings = notes.get(policyKey(policy));
      return warnings ? { warnings: [...warnings] } : {};
    },
  };
}

export function applyClientTrafficPolicies(run: TranslationRun): void {
  const policies = run.resources.clientTrafficPolicies;
  if (policies.length === 0) return;
  const attachments = policyAttachments(run.ctx, policies, readClientTrafficPolicy);
  const notes: ClientTrafficNotes = new Map();
  run.clientTraffic = { attachments, notes };
  if (!attachments.any) return;
  const parts = new Map<ClientTrafficPolicy, ClientTrafficParts | undefined>();
  const partsOfPolicy = (policy: ClientTrafficPolicy): ClientTrafficParts | undefined => {
    if (!parts.has(policy)) {
      const { features } = readClientTrafficPolicy(policy);
      // An invalid policy applies nowhere; the listeners it wins keep Portico's defaults (as Envoy Gateway).
      parts.set(policy, features.valid ? clientTrafficParts(policyKey(policy), features.result) : undefined);
    }
    return parts.get(policy);
  };
  run.irs = run.irs.map((ir) => {
    const state = run.gateways.get(ir.name);
    if (!state) return ir;
    const gw = state.gateway.metadata;
    const onGateway = attachments.byTarget.get(targetKey('Gateway', gw.namespace ?? 'default', gw.name))?.[0];
    return withClientTraffic(
      ir,
      state,
      (listener) => {
        const applied = effectivePolicy(attachments, listenerChain(state, listener));
        return applied && partsOfPolicy(applied.policy);
      },
      notes,
      onGateway && partsOfPolicy(onGateway),
    );
  });
}

export function reportClientTrafficPolicies(run: TranslationRun): void {
  const found = run.clientTraffic;
  if (!found) return;
  const overrides = clientTrafficOverrides(run.gateways.values(), found.attachments);
  reportPolicies(run, rules(found.notes, overrides), run.resources.clientTrafficPolicies, found.attachments);
}
