/**
 * The `gateway.portico.dev/SecurityPolicyAffected` condition of a route: the policies that apply
 * to it or one of its rules (each the first, by precedence, of those targeting that route or
 * rule; a rule only while the route has it). Part of the route's outcome, so that a remembered
 * outcome holds while the policies read the same (the list is read through the context, which a
 * cache records).
 */
import type { SecurityPolicy } from '../../../resources/types.js';
import { readSecurityPolicy } from '../../../resources/read/security-policy.js';
import type { ValidatedRouteCommon } from '../../../resources/read/route-common.js';
import { condition, type ConditionInput } from '../conditions.js';
import type { TranslationContext } from '../context.js';
import type { Route } from '../routes/contract.js';
import { ruleName } from '../routes/rule-names.js';
import { matchesSelector } from '../routes/allowed-routes.js';
import { comparePolicies } from '../telemetry/telemetry-policy.js';
import { policyKey } from './security-ir.js';
import { affectedConditionType } from '../policy/effects.js';
import { namedAttachments } from '../policy/attachment.js';

export const SECURITY_POLICY_AFFECTED = affectedConditionType('SecurityPolicy');

export function securityAffectedCondition(
  ctx: TranslationContext,
  route: Route,
  common: ValidatedRouteCommon,
): ConditionInput | undefined {
  const policies = ctx.resources.securityPolicies;
  if (policies.length === 0 || (route.kind !== 'HTTPRoute' && route.kind !== 'GRPCRoute')) return undefined;
  const namespace = route.metadata.namespace ?? 'default';
  // What the policies name, worked out once per list of policies: a route's condition costs the
  // policies that name it or select by label in its namespace, not all of them.
  const named = namedAttachments(ctx, policies, readSecurityPolicy);
  const on = named.routes.get(route.kind)?.get(namespace)?.get(route.metadata.name);
  const selecting = named.selecting.get(namespace);
  if (!on && !selecting) return undefined;
  // The route's own target: the first by precedence of the policies naming it and those selecting it.
  let onRoute = on?.route;
  for (const policy of selecting ?? []) {
    if (onRoute && comparePolicies(policy, onRoute) > 0) continue;
    const selects = readSecurityPolicy(policy).targetSelectors.some(
      (s) => s.kind === route.kind && matchesSelector(s.selector, route.metadata.labels ?? {}),
    );
    if (selects) onRoute = policy;
  }
  // Most routes: one policy, on the route.
  if (onRoute && !on?.rules) return affected(policyKey(onRoute), false);
  const winners = new Set<SecurityPolicy>(onRoute ? [onRoute] : []);
  if (on?.rules) {
    // A rule target counts only when the route has a rule of that name.
    const rules = new Set(common.rules.map(ruleName));
    for (const [rule, policy] of on.rules) if (rules.has(rule)) winners.add(policy);
  }
  if (winners.size === 0) return undefined;
  const names = [...new Set([...winners].map(policyKey))].sort();
  return affected(names.join(', '), names.length > 1);
}

const affected = (names: string, several: boolean): ConditionInput =>
  condition(
    SECURITY_POLICY_AFFECTED,
    true,
    'Affected',
    `SecurityPolicy ${names} ${several ? 'apply' : 'applies'} to it`,
  );
