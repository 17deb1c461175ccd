/**
 * A label selector (`allowedRoutes.namespaces.selector`, `allowedListeners.namespaces.selector`),
 * read. A malformed one (a part of the wrong shape, an unknown operator) selects nothing rather
 * than everything, so it reads as `undefined`, as an absent selector does.
 */
import type { LabelSelector } from '../gateway-api.js';
import { fieldsOf, itemsOf } from './validation-result.js';

type Requirement = NonNullable<LabelSelector['matchExpressions']>[number];

const OPERATORS: readonly Requirement['operator'][] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** The selector, or undefined when there is none or it is malformed (it then selects nothing). */
export function readLabelSelector(value: unknown): LabelSelector | undefined {
  const selector = fieldsOf(value);
  if (!selector) return undefined;
  const selected: LabelSelector = {};
  if (selector.matchLabels !== undefined) {
    const labels = fieldsOf(selector.matchLabels);
    if (!labels) return undefined;
    const matchLabels: Record<string, string> = {};
    for (const [key, v] of Object.entries(labels)) {
      // A label value that is not a string matches no label: the selector selects nothing.
      if (typeof v !== 'string') return undefined;
      matchLabels[key] = v;
    }
    selected.matchLabels = matchLabels;
  }
  if (selector.matchExpressions !== undefined) {
    if (!Array.isArray(selector.matchExpressions)) return undefined;
    const expressions: Requirement[] = [];
    for (const item of selector.matchExpressions) {
      const expr = fieldsOf(item);
      const operator = OPERATORS.find((o) => o === expr?.operator);
      if (!expr || operator === undefined) return undefined;
      // Values that are not strings equal no label value.
      const values = itemsOf(expr.values).filter((v): v is string => typeof v === 'string');
      expressions.push({ key: String(expr.key), operator, values });
    }
    selected.matchExpressions = expressions;
  }
  return selected;
}
