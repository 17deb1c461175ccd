/**
 * Which SecurityPolicy applies to a route entry, looked up without building the entry's chain of
 * target keys (`routeChain`): the IR assembly asks for every entry of every route, and at 10,000
 * routes a chain of four keys and a result object per entry was most of what policies cost there.
 *
 * Same answer as `effectivePolicy(attachments, routeChain(...))`: the rule's target, the route's,
 * then the listener's chain (itself, its ListenerSet, its Gateway), worked out once per listener.
 */
import type { IrRoute } from '../../../ir/types.js';
import type { SecurityPolicy } from '../../../resources/types.js';
import type { GatewayState } from '../gateway-state.js';
import type { ListenerState } from '../listeners/listener-state.js';
import { listenerChain, targetKey, type SecurityAttachments } from './security-attachment.js';

export interface RoutePolicyLookup {
  /** The policy that applies to `source`'s entry on `listener`, or undefined. */
  applied(listener: ListenerState, source: IrRoute['source']): SecurityPolicy | undefined;
  /**
   * Whether more than one of the entry's targets may carry a policy (then a less specific one is
   * overridden): false when neither its listener's chain nor any rule target carries one.
   */
  mayOverride(listener: ListenerState, source: IrRoute['source']): boolean;
}

export function routePolicyLookup(attachments: SecurityAttachments, state: GatewayState): RoutePolicyLookup {
  const { byTarget } = attachments;
  let ruleTargets = false;
  for (const key of byTarget.keys()) {
    // A rule's key: a route kind with a section (`<kind>\0<namespace>/<name>\0<section>`).
    if (
      (key.startsWith('HTTPRoute\0') || key.startsWith('GRPCRoute\0')) &&
      key.indexOf('\0', key.indexOf('\0') + 1) > 0
    )
      ruleTargets = true;
  }
  const listeners = new Map<ListenerState, SecurityPolicy | null>();
  const listenerPolicy = (listener: ListenerState): SecurityPolicy | undefined => {
    let policy = listeners.get(listener);
    if (policy === undefined) {
      policy = null;
      for (const key of listenerChain(state, listener)) {
        const first = byTarget.get(key)?.[0];
        if (first) {
          policy = first;
          break;
        }
      }
      listeners.set(listener, policy);
    }
    return policy ?? undefined;
  };
  const isRoute = (source: IrRoute['source']): boolean => source.kind === 'HTTPRoute' || source.kind === 'GRPCRoute';
  return {
    applied(listener, source) {
      if (isRoute(source)) {
        const kind = source.kind as 'HTTPRoute' | 'GRPCRoute';
        if (ruleTargets && source.ruleName !== undefined) {
          const rule = byTarget.get(targetKey(kind, source.namespace, source.name, source.ruleName))?.[0];
          if (rule) return rule;
        }
        const route = byTarget.get(targetKey(kind, source.namespace, source.name))?.[0];
        if (route) return route;
      }
      return listenerPolicy(listener);
    },
    mayOverride(listener, source) {
      return (
        listenerPolicy(listener) !== undefined || (ruleTargets && isRoute(source) && source.ruleName !== undefined)
      );
    },
  };
}
