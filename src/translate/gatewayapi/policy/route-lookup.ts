/**
 * Which policy of one kind applies to a route entry, looked up without building a key string: the
 * IR assembly asks for every entry of every route. The most specific target with a policy wins:
 * the rule's, the route's, then the listener's chain (itself, its ListenerSet, its Gateway),
 * worked out once per listener.
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
  /**
   * The policies on the entry's targets, the most specific first (rule, route, listener,
   * ListenerSet, Gateway; a target without one left out): the first applies, the others it overrides.
   */
  carried(listener: ListenerState, source: Source): P[];
}

export function routePolicyLookup<P extends KubeObject>(
  attachments: PolicyAttachments<P>,
  state: GatewayState,
): RoutePolicyLookup<P> {
  const { byTarget, routes, ruleTargets } = attachments;
  // Per listener: the policy of its chain (itself, its ListenerSet, its Gateway) that applies,
  // and how many keys of the chain carry one (two or more: a more specific one overrides).
  const listeners = new Map<ListenerState, { policy: P | undefined; carried: number; chain: P[] }>();
  const onListener = (listener: ListenerState) => {
    let on = listeners.get(listener);
    if (!on) {
      on = { policy: undefined, carried: 0, chain: [] };
      for (const key of listenerChain(state, listener)) {
        const policy = byTarget.get(key)?.[0];
        if (!policy) continue;
        on.policy ??= policy;
        on.carried++;
        on.chain.push(policy);
      }
      listeners.set(listener, on);
    }
    return on;
  };
  // A route's entries are asked for one after another: the last route's targets are kept.
  let lastKind: string | undefined;
  let lastNamespace: string | undefined;
  let lastName: string | undefined;
  let lastOn: OnRoute<P> | undefined;
  const onRoute = (source: Source): OnRoute<P> | undefined => {
    if (routes.size === 0) return undefined;
    if (source.name === lastName && source.namespace === lastNamespace && source.kind === lastKind) return lastOn;
    lastKind = source.kind;
    lastNamespace = source.namespace;
    lastName = source.name;
    return (lastOn = routes.get(source.kind)?.get(source.namespace)?.get(source.name));
  };
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
      // An entry's chain carries two policies: a rule's and its route's (rule targets), a route's
      // and one of its listener's chain, or two of a listener's chain.
      if (ruleTargets) return true;
      const least = routes.size > 0 ? 1 : 2;
      return list.some((l) => onListener(l).carried >= least);
    },
    carried(listener, source) {
      const on = onRoute(source);
      const out: P[] = [];
      const rule = rulePolicy(on, source);
      if (rule) out.push(rule);
      if (on?.route) out.push(on.route);
      out.push(...onListener(listener).chain);
      return out;
    },
  };
}
