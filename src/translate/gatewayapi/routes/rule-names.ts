/** Rule names, which every route kind checks the same way. */
const RULE_NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Rule names must be valid and unique within the route (HTTPRouteRule.name, GRPCRouteRule.name). */
export function ruleNameProblem(rules: readonly { name?: unknown }[]): string | undefined {
  const seen = new Set<string>();
  for (const [i, rule] of rules.entries()) {
    const name: unknown = rule?.name;
    if (name === undefined) continue;
    if (typeof name !== 'string' || name.length > 253 || !RULE_NAME_RE.test(name)) {
      return `rule ${i}: name ${JSON.stringify(name)} is not a valid rule name`;
    }
    if (seen.has(name))
      return `rule name ${JSON.stringify(name)} is used by more than one rule; rule names must be unique`;
    seen.add(name);
  }
  return undefined;
}
