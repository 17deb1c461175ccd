/**
 * The `gateway.portico.dev/SecurityPolicyAffected` condition of a route: the policies that apply
 * to it or one of its rules (each the first, by precedence, of those targeting that route or
 * rule). Part of the route's outcome, so that a remembered outcome holds while the policies read
 * the same (the list is read through the context, which a cache records).
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

export const SECURITY_POLICY_AFFECTED = affectedConditionType('SecurityPolicy');

/** Which of the route's targets (`''` the route, else a rule name) the policy targets. */
function targetsOnRoute(policy: SecurityPolicy, route: Route, rules: () => ReadonlySet<string>): string[] {
  const read = readSecurityPolicy(policy);
  // Most policies: one targetRef, naming the route.
  if (read.targetRefs.length === 1 && read.targetSelectors.length === 0) {
    const ref = read.targetRefs[0]!;
    if (ref.kind !== route.kind || ref.name !== route.metadata.name) return [];
    if (ref.sectionName === undefined) return [''];
    return rules().has(ref.sectionName) ? [ref.sectionName] : [];
  }
  const out = new Set<string>();
  for (const ref of read.targetRefs) {
    if (ref.kind !== route.kind || ref.name !== route.metadata.name) continue;
    if (ref.sectionName === undefined) out.add('');
    else if (rules().has(ref.sectionName)) out.add(ref.sectionName);
  }
  for (const s of read.targetSelectors) {
    if (s.kind === route.kind && matchesSelector(s.selector, route.metadata.labels ?? {})) out.add('');
  }
  return [...out];
}

/**
 * A namespace's policies that may target a route: by the name their targetRefs give (of any
 * kind: `targetsOnRoute` checks it), and those with selectors.
 */
interface PolicyIndex {
  byName: Map<string, SecurityPolicy[]>;
  withSelectors: SecurityPolicy[];
}

/**
 * The policies indexed by namespace and targeted route: built once per list of policies (the
 * pipeline keeps the list the same array while none changed), so a route's condition costs the
 * policies that name it, not all of them.
 */
function policyIndex(policies: readonly SecurityPolicy[]): Map<string, PolicyIndex> {
  const index = new Map<string, PolicyIndex>();
  for (const policy of policies) {
    const namespace = policy.metadata.namespace ?? 'default';
    let entry = index.get(namespace);
    if (!entry) index.set(namespace, (entry = { byName: new Map(), withSelectors: [] }));
    const read = readSecurityPolicy(policy);
    const refs = read.targetRefs;
    for (let i = 0; i < refs.length; i++) {
      const name = refs[i]!.name;
      // A name given twice (a route and one of its rules) lists the policy once.
      if (refs.findIndex((r) => r.name === name) !== i) continue;
      const list = entry.byName.get(name);
      if (list) list.push(policy);
      else entry.byName.set(name, [policy]);
    }
    if (read.targetSelectors.length > 0) entry.withSelectors.push(policy);
  }
  return index;
}

export function securityAffectedCondition(
  ctx: TranslationContext,
  route: Route,
  common: ValidatedRouteCommon,
): ConditionInput | undefined {
  const policies = ctx.resources.securityPolicies;
  if (policies.length === 0 || (route.kind !== 'HTTPRoute' && route.kind !== 'GRPCRoute')) return undefined;
  const namespace = route.metadata.namespace ?? 'default';
  const index = ctx.remember('security-policy-route-index', policies, policyIndex).get(namespace);
  if (!index) return undefined;
  const named = index.byName.get(route.metadata.name);
  // Most routes: no policy with selectors in the namespace, the policies naming it are the candidates.
  const candidates =
    index.withSelectors.length === 0 ? (named ?? []) : new Set([...(named ?? []), ...index.withSelectors]);
  let rules: Set<string> | undefined;
  const ruleNames = (): ReadonlySet<string> =>
    (rules ??= new Set(common.rules.map(ruleName).filter((n): n is string => n !== undefined)));
  const winners = new Map<string, SecurityPolicy>();
  for (const policy of candidates) {
    for (const target of targetsOnRoute(policy, route, ruleNames)) {
      const best = winners.get(target);
      if (!best || comparePolicies(policy, best) < 0) winners.set(target, policy);
    }
  }
  if (winners.size === 0) return undefined;
  const names =
    winners.size === 1
      ? [...winners.values()].map(policyKey)
      : [...new Set([...winners.values()].map(policyKey))].sort();
  return condition(
    SECURITY_POLICY_AFFECTED,
    true,
    'Affected',
    `SecurityPolicy ${names.join(', ')} ${names.length > 1 ? 'apply' : 'applies'} to it`,
  );
}
