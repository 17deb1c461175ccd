/**
 * Listener `allowedRoutes`: which namespaces and route kinds may attach.
 */
import type { LabelSelector } from '../../../resources/types.js';
import { namespaceLabels, type TranslationContext } from '../context.js';
import type { ListenerState } from '../listeners/listener-state.js';
import { isObject, list } from '../shape.js';

export function matchesSelector(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  if (!isObject(selector)) return false;
  // Malformed parts (no schema check in files) select nothing rather than everything.
  if (selector.matchLabels !== undefined && !isObject(selector.matchLabels)) return false;
  if (selector.matchExpressions !== undefined && !Array.isArray(selector.matchExpressions)) return false;
  for (const [k, v] of Object.entries(
    isObject(selector.matchLabels) ? (selector.matchLabels as Record<string, string>) : {},
  )) {
    if (labels[k] !== v) return false;
  }
  for (const expr of list(selector.matchExpressions)) {
    if (!isObject(expr)) return false;
    const has = Object.prototype.hasOwnProperty.call(labels, expr.key);
    const values = list(expr.values);
    switch (expr.operator) {
      case 'In':
        if (!has || !values.includes(labels[expr.key] as string)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[expr.key] as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

export function namespaceAllowed(
  ctx: TranslationContext,
  listener: ListenerState,
  gatewayNamespace: string,
  routeNamespace: string,
): boolean {
  const from = listener.spec.allowedRoutes?.namespaces?.from ?? 'Same';
  switch (from) {
    case 'All':
      return true;
    case 'Same':
      return routeNamespace === gatewayNamespace;
    case 'Selector':
      return matchesSelector(listener.spec.allowedRoutes?.namespaces?.selector, namespaceLabels(ctx, routeNamespace));
    default:
      return false;
  }
}

export function kindAllowed(listener: ListenerState, group: string, kind: string): boolean {
  return listener.supportedKinds.some((k) => (k.group ?? '') === group && k.kind === kind);
}
