/** Rule names, which every route kind checks the same way. */
import type { RouteRuleRead } from '../../../resources/read/route-common.js';
import { Refused } from '../../../resources/read/validation-result.js';

/**
 * Rule names must be valid (read with the rule) and unique within the route (HTTPRouteRule.name,
 * GRPCRouteRule.name). An entry of spec.rules that is no object (undefined) has no name.
 */
export function ruleNameProblem(rules: readonly (RouteRuleRead | undefined)[]): string | undefined {
  const seen = new Set<string>();
  for (const [i, rule] of rules.entries()) {
    if (!rule) continue;
    const name = rule.name;
    if (name instanceof Refused) return `rule ${i}: ${name.errors[0]!.message}`;
    if (name === undefined) continue;
    if (seen.has(name))
      return `rule name ${JSON.stringify(name)} is used by more than one rule; rule names must be unique`;
    seen.add(name);
  }
  return undefined;
}

/** A rule's name, once the route's names are known valid (`openTranslation`). */
export function ruleName(rule: RouteRuleRead | undefined): string | undefined {
  return rule?.name instanceof Refused ? undefined : rule?.name;
}
