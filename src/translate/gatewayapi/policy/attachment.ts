/**
 * Which Portico policy of one kind applies where (GEP-713, as Envoy Gateway attaches its
 * policies), the same for SecurityPolicy, BackendTrafficPolicy and ClientTrafficPolicy:
 *
 * - A policy's targets are its targetRefs and the objects its targetSelectors select by label,
 *   all in its own namespace. A target is a Gateway, a Gateway listener (`sectionName`), a
 *   ListenerSet, one of its listeners, a route, or one rule of it (`sectionName`).
 * - On one target, the oldest policy applies, then the first by `<namespace>/<name>`; the others
 *   there are Conflicted.
 * - A route entry (a rule's match on a listener) gets the policy of its most specific target:
 *   route rule, route, listener, ListenerSet, Gateway. Nothing is merged: the policy that applies
 *   applies whole.
 */
import type { KubeObject } from '../../../resources/types.js';
import type { PolicyTargetKind, PolicyTargetRef, PolicyTargets } from '../../../resources/read/policy-targets.js';
import type { TranslationContext } from '../context.js';
import type { GatewayState } from '../gateway-state.js';
import type { ListenerState } from '../listeners/listener-state.js';
import { matchesSelector } from '../routes/allowed-routes.js';
import { comparePolicies } from '../telemetry/telemetry-policy.js';

/** A target of a policy, in its namespace. */
export interface PolicyTarget extends PolicyTargetRef {
  namespace: string;
}

function policyTarget(ref: PolicyTargetRef, namespace: string): PolicyTarget {
  const target: PolicyTarget = { kind: ref.kind, name: ref.name, namespace };
  if (ref.sectionName !== undefined) target.sectionName = ref.sectionName;
  return target;
}

export const isRouteKind = (kind: PolicyTargetKind): boolean => kind !== 'Gateway' && kind !== 'ListenerSet';

/** `<kind>\0<namespace>/<name>[\0<sectionName>]`: one key per target. */
export function targetKey(kind: PolicyTargetKind, namespace: string, name: string, section?: string): string {
  return `${kind}\0${namespace}/${name}${section !== undefined ? `\0${section}` : ''}`;
}

export interface PolicyAttachments<P extends KubeObject = KubeObject> {
  /**
   * The policies targeting each Gateway, Gateway listener, ListenerSet and ListenerSet listener,
   * by `targetKey`, in precedence order: the first applies there.
   */
  byTarget: ReadonlyMap<string, readonly P[]>;
  /**
   * The policy that applies on each route and rule target, by kind, namespace and name (looked up
   * per route entry without building a key string).
   */
  routes: RouteTargets<P>;
  /** Each policy's targets, deduplicated, refs first then selected objects. */
  targetsOf: ReadonlyMap<P, readonly PolicyTarget[]>;
  /** Whether some policy targets a rule (`sectionName` on a route). */
  ruleTargets: boolean;
  /** Whether any policy has a target. */
  any: boolean;
}

/** On one route: the policy on the route, and on each of its rules by name. */
export interface OnRoute<P> {
  route?: P;
  rules?: Map<string, P>;
}

export type RouteTargets<P> = ReadonlyMap<string, ReadonlyMap<string, ReadonlyMap<string, OnRoute<P>>>>;

/** The policy that applies on `target` (the first by precedence of those targeting it). */
export function winnerOn<P extends KubeObject>(attachments: PolicyAttachments<P>, target: PolicyTarget): P | undefined {
  if (!isRouteKind(target.kind))
    return attachments.byTarget.get(targetKey(target.kind, target.namespace, target.name, target.sectionName))?.[0];
  const on = attachments.routes.get(target.kind)?.get(target.namespace)?.get(target.name);
  return target.sectionName === undefined ? on?.route : on?.rules?.get(target.sectionName);
}

/** Collects where policies attach: route targets in nested maps, the others by key. */
class AttachmentBuilder<P extends KubeObject> {
  readonly byTarget = new Map<string, P[]>();
  readonly routes = new Map<string, Map<string, Map<string, OnRoute<P>>>>();
  ruleTargets = false;

  add(target: PolicyTarget, policy: P): void {
    if (!isRouteKind(target.kind)) {
      const key = targetKey(target.kind, target.namespace, target.name, target.sectionName);
      const list = this.byTarget.get(key);
      if (list) list.push(policy);
      else this.byTarget.set(key, [policy]);
      return;
    }
    let byNamespace = this.routes.get(target.kind);
    if (!byNamespace) this.routes.set(target.kind, (byNamespace = new Map()));
    let byName = byNamespace.get(target.namespace);
    if (!byName) byNamespace.set(target.namespace, (byName = new Map()));
    let on = byName.get(target.name);
    if (!on) byName.set(target.name, (on = {}));
    if (target.sectionName === undefined) {
      if (!on.route || comparePolicies(policy, on.route) < 0) on.route = policy;
      return;
    }
    this.ruleTargets = true;
    const rules = (on.rules ??= new Map());
    const winner = rules.get(target.sectionName);
    if (!winner || comparePolicies(policy, winner) < 0) rules.set(target.sectionName, policy);
  }

  done(targetsOf: Map<P, PolicyTarget[]>): PolicyAttachments<P> {
    for (const list of this.byTarget.values()) if (list.length > 1) list.sort(comparePolicies);
    const any = this.byTarget.size > 0 || this.routes.size > 0;
    return { byTarget: this.byTarget, routes: this.routes, targetsOf, ruleTargets: this.ruleTargets, any };
  }
}

/** The input objects of a kind a policy can target. */
export const objectsOfKind = (ctx: TranslationContext, kind: PolicyTargetKind): readonly KubeObject[] => {
  switch (kind) {
    case 'Gateway':
      return ctx.resources.gateways;
    case 'ListenerSet':
      return ctx.resources.listenerSets;
    case 'HTTPRoute':
      return ctx.resources.httpRoutes;
    case 'GRPCRoute':
      return ctx.resources.grpcRoutes;
    case 'TCPRoute':
      return ctx.resources.tcpRoutes;
    case 'UDPRoute':
      return ctx.resources.udpRoutes;
  }
};

/**
 * What `policies` name by their targetRefs alone, and which of them select targets by label (per
 * namespace): a function of the list, remembered per list (the pipeline keeps an unchanged list the
 * same array). A route's Affected condition reads it (`security/route-affected.ts`), since what a
 * selector selects there is the route itself; when no policy selects, it is also where they attach.
 */
export interface NamedAttachments<P extends KubeObject = KubeObject> extends PolicyAttachments<P> {
  /** The policies with targetSelectors, by namespace: their selected targets are not in this. */
  selecting: ReadonlyMap<string, readonly P[]>;
}

export function namedAttachments<P extends KubeObject>(
  ctx: TranslationContext,
  policies: readonly P[],
  readTargets: (policy: P) => PolicyTargets,
): NamedAttachments<P> {
  return ctx.remember('policy-named-attachments', policies, (list) => attach(ctx, list, readTargets, false));
}

/**
 * Where each of `policies` attaches, its targets read by `readTargets`. The same list as a run
 * before attaches the same way, unless one of its policies selects targets by label (what it
 * selects may have changed): then it is worked out again.
 */
export function policyAttachments<P extends KubeObject>(
  ctx: TranslationContext,
  policies: readonly P[],
  readTargets: (policy: P) => PolicyTargets,
): PolicyAttachments<P> {
  const named = namedAttachments(ctx, policies, readTargets);
  return named.selecting.size === 0 ? named : attach(ctx, policies, readTargets, true);
}

/** Where `policies` attach; with `select` false, through their targetRefs alone. */
function attach<P extends KubeObject>(
  ctx: TranslationContext,
  policies: readonly P[],
  readTargets: (policy: P) => PolicyTargets,
  select: boolean,
): NamedAttachments<P> {
  const builder = new AttachmentBuilder<P>();
  const targetsOf = new Map<P, PolicyTarget[]>();
  const selecting = new Map<string, P[]>();
  for (const policy of policies) {
    const namespace = policy.metadata.namespace ?? 'default';
    const read = readTargets(policy);
    if (read.targetRefs.length === 1 && read.targetSelectors.length === 0) {
      // Most policies: one target, nothing to deduplicate.
      const target = policyTarget(read.targetRefs[0]!, namespace);
      targetsOf.set(policy, [target]);
      builder.add(target, policy);
      continue;
    }
    const targets = new Map<string, PolicyTarget>();
    const add = (t: PolicyTarget): void => {
      const key = targetKey(t.kind, t.namespace, t.name, t.sectionName);
      if (!targets.has(key)) targets.set(key, t);
    };
    for (const ref of read.targetRefs) add(policyTarget(ref, namespace));
    if (read.targetSelectors.length > 0) {
      const list = selecting.get(namespace);
      if (list) list.push(policy);
      else selecting.set(namespace, [policy]);
    }
    for (const s of select ? read.targetSelectors : []) {
      for (const object of objectsOfKind(ctx, s.kind)) {
        if ((object.metadata.namespace ?? 'default') !== namespace) continue;
        if (matchesSelector(s.selector, object.metadata.labels ?? {})) {
          add(policyTarget({ kind: s.kind, name: object.metadata.name }, namespace));
        }
      }
    }
    targetsOf.set(policy, [...targets.values()]);
    for (const target of targets.values()) builder.add(target, policy);
  }
  return { ...builder.done(targetsOf), selecting };
}

/** A listener's targets, the most specific first: itself, its ListenerSet, its Gateway. */
export function listenerChain(state: GatewayState, listener: ListenerState): string[] {
  const gw = state.gateway.metadata;
  const gateway = targetKey('Gateway', gw.namespace ?? 'default', gw.name);
  if (!listener.set) return [targetKey('Gateway', gw.namespace ?? 'default', gw.name, listener.name), gateway];
  const { namespace, name } = listener.set;
  return [targetKey('ListenerSet', namespace, name, listener.name), targetKey('ListenerSet', namespace, name), gateway];
}

/** The policy that applies through the most specific key of `chain` that has one, and that key. */
export function effectivePolicy<P extends KubeObject>(
  attachments: PolicyAttachments<P>,
  chain: readonly string[],
): { policy: P; key: string } | undefined {
  for (const key of chain) {
    const policy = attachments.byTarget.get(key)?.[0];
    if (policy) return { policy, key };
  }
  return undefined;
}
