/**
 * How an HTTPRoute's and a GRPCRoute's translation runs over their rules: the route is opened
 * (`openTranslation`: rejected as a whole when its rule names are invalid), each rule is
 * translated with its own errors, unsupported values and clusters and then closed (`closeRule`:
 * dropped, rejecting the route, or joined to it), and the route is closed (`closeRoute`).
 */
import type { IrCluster } from '../../../ir/types.js';
import { openTranslation, type RouteEntry, type RouteTranslation } from './contract.js';
import { closeRoute, closeRule } from './rule-closing.js';

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

export function translateRules<R extends { name?: string }>(
  rules: readonly R[],
  translateRule: (rule: R, ruleIndex: number, work: RuleWork, out: RouteTranslation) => RouteEntry[],
): RouteTranslation {
  const out = openTranslation(rules);
  if (out.rejection) return out;
  const clusters = new Map<string, IrCluster>();
  rules.forEach((rule, ruleIndex) => {
    const ruleClusters = new Map<string, IrCluster>();
    const work: RuleWork = {
      errors: [],
      unsupported: [],
      clusters: ruleClusters,
      addCluster: (c) => ruleClusters.set(c.name, c),
    };
    const entries = translateRule(rule, ruleIndex, work, out);
    closeRule(out, `rule ${rule.name ?? ruleIndex}`, { ...work, entries }, (c) => clusters.set(c.name, c));
  });
  closeRoute(out, clusters);
  return out;
}
