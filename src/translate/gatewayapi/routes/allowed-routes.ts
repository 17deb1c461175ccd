/**
 * Listener `allowedRoutes`: which namespaces and route kinds may attach.
 */
import type { LabelSelector } from '../../../resources/types.js';
import { namespaceLabels, type TranslationContext } from '../context.js';
import type { ListenerState } from '../listeners/listener-state.js';

/** A selector read by `readLabelSelector` (undefined: none, or a malformed one) selects nothing. */
export function matchesSelector(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const expr of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, expr.key);
    const values = expr.values ?? [];
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
  switch (listener.allowedNamespaces.from) {
    case 'All':
      return true;
    case 'Same':
      return routeNamespace === gatewayNamespace;
    case 'Selector':
      return matchesSelector(listener.allowedNamespaces.selector, namespaceLabels(ctx, routeNamespace));
    default:
      return false;
  }
}

export function kindAllowed(listener: ListenerState, group: string, kind: string): boolean {
  return listener.supportedKinds.some((k) => (k.group ?? '') === group && k.kind === kind);
}
