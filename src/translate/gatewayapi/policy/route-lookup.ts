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
import type { GatewayState } from '../gateway-state.js';
import type { ListenerState } from '../listeners/listener-state.js';
import { listenerChain, type OnRoute, type PolicyAttachments } from './attachment.js';

type Source = IrSource & { ruleName?: string };

export interface RoutePolicyLookup<P extends KubeObject> {
  /** The policy that applies to `source`'s entry on `listener`, or undefined. */
  applied(listener: ListenerState, source: Source): P | undefined;
  /**
   * Whether two or more of the entry's targets carry a policy (then the less specific ones are
   * overridden there); false for most entries, whose policy, if any, is the only one on their chain.
   */
  mayOverride(listener: ListenerState, source: Source): boolean;
  /** Whether any entry on `listeners` may have a policy overridden (false: `mayOverride` is false for all). */
  anyOverride(listeners: readonly ListenerState[]): boolean;
}

export function routePolicyLookup<P extends KubeObject>(
  attachments: PolicyAttachments<P>,
  state: GatewayState,
): RoutePolicyLookup<P> {
  const { byTarget, routes, ruleTargets } = attachments;
  // Per listener: the policy of its chain (itself, its ListenerSet, its Gateway) that applies,
  // and how many keys of the chain carry one (two or more: a more specific one overrides).
  const listeners = new Map<ListenerState, { policy: P | undefined; carried: number }>();
  const onListener = (listener: ListenerState) => {
    let on = listeners.get(listener);
    if (!on) {
      on = { policy: undefined, carried: 0 };
      for (const key of listenerChain(state, listener)) {
        const policy = byTarget.get(key)?.[0];
        if (!policy) continue;
        on.policy ??= policy;
        on.carried++;
      }
      listeners.set(listener, on);
    }
    return on;
  };
  const onRoute = (source: Source) =>
    routes.size > 0 ? routes.get(source.kind)?.get(source.namespace)?.get(source.name) : undefined;
  const rulePolicy = (on: OnRoute<P> | undefined, source: Source) =>
    source.ruleName !== undefined ? on?.rules?.get(source.ruleName) : undefined;
  return {
    applied(listener, source) {
      const on = onRoute(source);
      return rulePolicy(on, source) ?? on?.route ?? onListener(listener).policy;
    },
    mayOverride(listener, source) {
      let carried = onListener(listener).carried;
      if (carried >= 2) return true;
      if (!ruleTargets && carried === 0) return false;
      const on = onRoute(source);
      if (on?.route) carried++;
      if (rulePolicy(on, source)) carried++;
      return carried >= 2;
    },
    anyOverride(list) {
      return routes.size > 0 || list.some((l) => onListener(l).carried >= 2);
    },
  };
}
