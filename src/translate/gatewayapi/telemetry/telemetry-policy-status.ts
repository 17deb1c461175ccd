/**
 * XTelemetryPolicy status: one `ancestors` entry per Gateway the policy targets (GEP-4768: the
 * ancestor is the targeted Gateway), with `Accepted` (Accepted, or Conflicted where an older
 * policy applies to that Gateway, or Invalid) and `ResolvedRefs` (the collector's backendRef).
 * A target that is not there is `TargetNotFound`, one that is not a Gateway `Invalid`: those are
 * written only when no target is another controller's Gateway, so that Portico never speaks for a
 * policy meant for another implementation. Other controllers' entries are kept as they are.
 */
import type { ParentReference, PolicyStatus, XTelemetryPolicy } from '../../../resources/types.js';
import { GATEWAY_GROUP } from '../../../resources/types.js';
import { readTelemetryPolicy } from '../../../resources/read/telemetry-policy.js';
import { condition, type ConditionInput } from '../conditions.js';
import { objectKey, type TranslationContext } from '../context.js';
import type { GatewayState } from '../gateway-state.js';
import { policyAncestorStatus } from '../status/policy-ancestors.js';
import { evaluateTelemetryPolicy, policyForGateway, type TelemetryVerdict } from './telemetry-policy.js';

function verdictConditions(verdict: TelemetryVerdict): ConditionInput[] {
  const resolved = condition('ResolvedRefs', true, 'ResolvedRefs', 'All references are resolved');
  switch (verdict.type) {
    case 'invalid':
      // Its references are not looked at: nothing of an invalid policy is used.
      return [condition('Accepted', false, 'Invalid', verdict.message)];
    case 'off':
      return [condition('Accepted', true, 'Accepted', `Policy is accepted; ${verdict.message}`), resolved];
    case 'unresolved':
      return [
        condition('Accepted', true, 'Accepted', 'Policy is accepted'),
        condition('ResolvedRefs', false, verdict.reason, verdict.message),
      ];
    case 'tracing':
      return [
        condition(
          'Accepted',
          true,
          'Accepted',
          `Policy is accepted; spans are exported with OTLP/gRPC to ${verdict.cluster.source.namespace}/${verdict.cluster.source.name} port ${verdict.cluster.source.port}` +
            (verdict.notes.length > 0 ? `; ${verdict.notes.join('; ')}` : ''),
        ),
        resolved,
      ];
  }
}

/**
 * The status of every XTelemetryPolicy that targets a Gateway of Portico's (or has Portico's
 * entries to clear), and the policy that applies to each of those Gateways with its verdict.
 */
export function telemetryPolicies(
  ctx: TranslationContext,
  gateways: ReadonlyMap<string, GatewayState>,
): {
  statuses: Map<XTelemetryPolicy, PolicyStatus>;
  applied: Map<string, { policy: XTelemetryPolicy; verdict: TelemetryVerdict }>;
} {
  const policies = ctx.resources.xTelemetryPolicies;
  const verdicts = new Map<XTelemetryPolicy, TelemetryVerdict>();
  const verdictOf = (policy: XTelemetryPolicy): TelemetryVerdict => {
    let verdict = verdicts.get(policy);
    if (!verdict) verdicts.set(policy, (verdict = evaluateTelemetryPolicy(ctx, policy)));
    return verdict;
  };
  const applied = new Map<string, { policy: XTelemetryPolicy; verdict: TelemetryVerdict }>();
  for (const [key, state] of gateways) {
    const gw = state.gateway;
    const policy = policyForGateway(policies, gw.metadata.namespace ?? 'default', gw.metadata.name);
    if (policy) applied.set(key, { policy, verdict: verdictOf(policy) });
  }

  const statuses = new Map<XTelemetryPolicy, PolicyStatus>();
  for (const policy of policies) {
    const namespace = policy.metadata.namespace ?? 'default';
    const entries = new Map<string, { ref: ParentReference; conditions: ConditionInput[] }>();
    const unmanaged: { ref: ParentReference; conditions: ConditionInput[] }[] = [];
    let foreignGateway = false;
    for (const r of readTelemetryPolicy(policy).targets) {
      const { group, kind } = r;
      const ref: ParentReference = { group, kind, namespace, name: r.name };
      const key = `${group}/${kind}/${r.name}`;
      if (entries.has(key) || unmanaged.some((u) => `${u.ref.group}/${u.ref.kind}/${u.ref.name}` === key)) continue;
      if (group !== GATEWAY_GROUP || kind !== 'Gateway') {
        unmanaged.push({
          ref,
          conditions: [
            condition(
              'Accepted',
              false,
              'Invalid',
              `targetRef ${group ? `${group}/` : ''}${kind} ${r.name}: only Gateways (${GATEWAY_GROUP}) can be targeted`,
            ),
          ],
        });
        continue;
      }
      const gatewayKey = objectKey(namespace, r.name);
      const state = gateways.get(gatewayKey);
      if (!state) {
        if (ctx.resources.gateways.some((g) => objectKey(g.metadata.namespace, g.metadata.name) === gatewayKey)) {
          foreignGateway = true;
        } else {
          unmanaged.push({
            ref,
            conditions: [condition('Accepted', false, 'TargetNotFound', `Gateway ${gatewayKey} does not exist`)],
          });
        }
        continue;
      }
      const winner = applied.get(gatewayKey)!.policy;
      entries.set(
        key,
        winner === policy
          ? { ref, conditions: verdictConditions(verdictOf(policy)) }
          : {
              ref,
              conditions: [
                condition(
                  'Accepted',
                  false,
                  'Conflicted',
                  `XTelemetryPolicy ${winner.metadata.namespace ?? 'default'}/${winner.metadata.name} applies to Gateway ${gatewayKey}: it takes precedence (older, or first by name); one XTelemetryPolicy applies to a Gateway`,
                ),
              ],
            },
      );
    }
    const ourTargets = [...entries.values(), ...(foreignGateway ? [] : unmanaged)];
    const status = policyAncestorStatus(ctx, policy, ourTargets);
    if (status) statuses.set(policy, status);
  }
  return { statuses, applied };
}
