/**
 * How an HTTPRoute's and a GRPCRoute's translation runs over their rules: the route is opened
 * (`openTranslation`: rejected as a whole when its rule names are invalid), each rule is
 * translated with its own errors, unsupported values and clusters and then closed (`closeRule`:
 * dropped, rejecting the route, or joined to it), and the route is closed (`closeRoute`).
 */
import type { IrCluster } from '../../../ir/types.js';
import type { RouteRuleRead } from '../../../resources/read/route-common.js';
import { openTranslation, type RouteEntry, type RouteTranslation } from './contract.js';
import { closeRoute, closeRule } from './rule-closing.js';
import { ruleName } from './rule-names.js';

/** What translating one rule collects besides its entries. */
export interface RuleWork {
  /** Invalid values: the rule is dropped. */
  errors: string[];
  /** Values outside the API: the route is rejected. */
  unsupported: string[];
  /** The rule's clusters, joined to the route's when the rule is kept. */
  clusters: Map<string, IrCluster>;
  addCluster: (c: IrCluster) => void;
}

/**
 * Translates rules 0..ruleCount-1; `rules` is the route's read rules beside spec.rules (an HTTPRoute
 * without rules has one rule without fields, beyond the readings).
 */
export function translateRules(
  rules: readonly (RouteRuleRead | undefined)[],
  ruleCount: number,
  translateRule: (ruleIndex: number, work: RuleWork, out: RouteTranslation) => RouteEntry[],
): RouteTranslation {
  const out = openTranslation(rules, ruleCount);
  if (out.rejection) return out;
  const clusters = new Map<string, IrCluster>();
  for (let ruleIndex = 0; ruleIndex < ruleCount; ruleIndex++) {
    const ruleClusters = new Map<string, IrCluster>();
    const work: RuleWork = {
      errors: [],
      unsupported: [],
      clusters: ruleClusters,
      addCluster: (c) => ruleClusters.set(c.name, c),
    };
    // An entry of spec.rules that is no object (the CRD refuses it) is an invalid rule, dropped:
    // read as a rule without fields it would match every request of the route's hostnames.
    const readable = ruleIndex >= rules.length || rules[ruleIndex] !== undefined;
    if (!readable) work.errors.push(`spec.rules[${ruleIndex}]: a rule must be an object`);
    const entries = readable ? translateRule(ruleIndex, work, out) : [];
    const label = `rule ${ruleName(rules[ruleIndex]) ?? ruleIndex}`;
    closeRule(out, label, { ...work, entries }, (c) => clusters.set(c.name, c));
  }
  closeRoute(out, clusters);
  return out;
}
