/**
 * Which policy of one kind applies to a route entry, looked up without building the entry's chain
 * of target keys (`routeChain`): the IR assembly asks for every entry of every route, and at 10,000
 * routes with a policy on each a chain of four keys and a result object per entry were much of
 * what the policies cost there.
 *
 * Same answer as `effectivePolicy(attachments, routeChain(...))`: the rule's target, the route's,
 * then the listener's chain (itself, its ListenerSet, its Gateway), worked out once per listener.
 */
import type { IrSource } from '../../../ir/types.js';
import type { KubeObject } from '../../../resources/types.js';
import type { PolicyTargetKind } from '../../../resources/read/policy-targets.js';
import type { GatewayState } from '../gateway-state.js';
import type { ListenerState } from '../listeners/listener-state.js';
import { listenerChain, type PolicyAttachments } from './attachment.js';

type Source = IrSource & { ruleName?: string };

export interface RoutePolicyLookup<P extends KubeObject> {
  /** The policy that applies to `source`'s entry on `listener`, or undefined. */
  applied(listener: ListenerState, source: Source): P | undefined;
  /**
   * Whether more than one of the entry's targets may carry a policy (then a less specific one may
   * be overridden): false when neither its listener's chain nor any rule target carries one.
   */
  mayOverride(listener: ListenerState, source: Source): boolean;
}

export function routePolicyLookup<P extends KubeObject>(
  attachments: PolicyAttachments<P>,
  state: GatewayState,
): RoutePolicyLookup<P> {
  const { byTarget, routes, ruleTargets } = attachments;
  const listeners = new Map<ListenerState, P | null>();
  const listenerPolicy = (listener: ListenerState): P | undefined => {
    let policy = listeners.get(listener);
    if (policy === undefined) {
      policy = null;
      for (const key of listenerChain(state, listener)) {
        policy = byTarget.get(key)?.[0] ?? null;
        if (policy) break;
      }
      listeners.set(listener, policy);
    }
    return policy ?? undefined;
  };
  const routeKind = (source: Source): PolicyTargetKind | undefined => {
    const kind = source.kind as PolicyTargetKind;
    return kind !== 'Gateway' && kind !== 'ListenerSet' ? kind : undefined;
  };
  return {
    applied(listener, source) {
      if (routes.size > 0) {
        const on = routes.get(source.kind)?.get(source.namespace)?.get(source.name);
        if (on) {
          const rule = source.ruleName !== undefined ? on.rules?.get(source.ruleName) : undefined;
          if (rule) return rule;
          if (on.route) return on.route;
        }
      }
      return listenerPolicy(listener);
    },
    mayOverride(listener, source) {
      if (listenerPolicy(listener) !== undefined) return true;
      return ruleTargets && routeKind(source) !== undefined && source.ruleName !== undefined;
    },
  };
}
