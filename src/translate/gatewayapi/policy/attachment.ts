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
import type { IrSource } from '../../../ir/types.js';
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
  /** `targetKey` of it, worked out once (the key of `byTarget`). */
  key: string;
}

function policyTarget(ref: PolicyTargetRef, namespace: string): PolicyTarget {
  const target: PolicyTarget = {
    kind: ref.kind,
    name: ref.name,
    namespace,
    key: targetKey(ref.kind, namespace, ref.name, ref.sectionName),
  };
  if (ref.sectionName !== undefined) target.sectionName = ref.sectionName;
  return target;
}

/** How specific a target is: the higher wins. */
export type TargetLevel = 'Gateway' | 'ListenerSet' | 'listener' | 'route' | 'rule';

export const isRouteKind = (kind: PolicyTargetKind): boolean => kind !== 'Gateway' && kind !== 'ListenerSet';

/** `<kind>\0<namespace>/<name>[\0<sectionName>]`: one key per target. */
export function targetKey(kind: PolicyTargetKind, namespace: string, name: string, section?: string): string {
  return `${kind}\0${namespace}/${name}${section !== undefined ? `\0${section}` : ''}`;
}

export function levelOf(t: PolicyTargetRef): TargetLevel {
  const route = isRouteKind(t.kind);
  if (t.sectionName !== undefined) return route ? 'rule' : 'listener';
  return route ? 'route' : t.kind === 'Gateway' ? 'Gateway' : 'ListenerSet';
}

export interface PolicyAttachments<P extends KubeObject = KubeObject> {
  /** The policies targeting each target key, in precedence order: the first applies there. */
  byTarget: ReadonlyMap<string, readonly P[]>;
  /** Each policy's targets, deduplicated, refs first then selected objects. */
  targetsOf: ReadonlyMap<P, readonly PolicyTarget[]>;
  /**
   * The policy that applies on each route and rule target, by kind, namespace and name: what
   * `byTarget` says for them, looked up per route entry without building a key string.
   */
  routes: RouteTargets<P>;
  /** Whether some policy targets a rule (`sectionName` on a route). */
  ruleTargets: boolean;
}

/** On one route: the policy on the route, and on each of its rules by name. */
export interface OnRoute<P> {
  route?: P;
  rules?: Map<string, P>;
}

export type RouteTargets<P> = ReadonlyMap<string, ReadonlyMap<string, ReadonlyMap<string, OnRoute<P>>>>;

function routeTargets<P>(byTarget: ReadonlyMap<string, readonly P[]>, targets: Iterable<readonly PolicyTarget[]>) {
  const out = new Map<string, Map<string, Map<string, OnRoute<P>>>>();
  let ruleTargets = false;
  for (const list of targets) {
    for (const t of list) {
      if (!isRouteKind(t.kind)) continue;
      let byNamespace = out.get(t.kind);
      if (!byNamespace) out.set(t.kind, (byNamespace = new Map()));
      let byName = byNamespace.get(t.namespace);
      if (!byName) byNamespace.set(t.namespace, (byName = new Map()));
      let on = byName.get(t.name);
      if (!on) byName.set(t.name, (on = {}));
      const winner = byTarget.get(t.key)![0]!;
      if (t.sectionName === undefined) on.route = winner;
      else {
        ruleTargets = true;
        (on.rules ??= new Map()).set(t.sectionName, winner);
      }
    }
  }
  return { routes: out, ruleTargets };
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
 * Where each of `policies` attaches, its targets read by `readTargets`. The same list as a run
 * before (the pipeline keeps an unchanged list the same array) attaches the same way, unless one
 * of its policies selects targets by label (what it selects may have changed): then it is worked
 * out again.
 */
export function policyAttachments<P extends KubeObject>(
  ctx: TranslationContext,
  policies: readonly P[],
  readTargets: (policy: P) => PolicyTargets,
): PolicyAttachments<P> {
  const remembered = ctx.remember('policy-attachments', policies, (): { value?: PolicyAttachments<P> } => ({}));
  if (remembered.value) return remembered.value;
  const { attachments, selects } = attach(ctx, policies, readTargets);
  if (!selects) remembered.value = attachments;
  return attachments;
}

function attach<P extends KubeObject>(
  ctx: TranslationContext,
  policies: readonly P[],
  readTargets: (policy: P) => PolicyTargets,
): { attachments: PolicyAttachments<P>; selects: boolean } {
  let selects = false;
  const byTarget = new Map<string, P[]>();
  const targetsOf = new Map<P, PolicyTarget[]>();
  for (const policy of policies) {
    const namespace = policy.metadata.namespace ?? 'default';
    const read = readTargets(policy);
    if (read.targetRefs.length === 1 && read.targetSelectors.length === 0) {
      // Most policies: one target, nothing to deduplicate.
      const target = policyTarget(read.targetRefs[0]!, namespace);
      targetsOf.set(policy, [target]);
      const list = byTarget.get(target.key);
      if (list) list.push(policy);
      else byTarget.set(target.key, [policy]);
      continue;
    }
    if (read.targetSelectors.length > 0) selects = true;
    const targets = new Map<string, PolicyTarget>();
    const add = (t: PolicyTarget): void => void (targets.has(t.key) || targets.set(t.key, t));
    for (const ref of read.targetRefs) add(policyTarget(ref, namespace));
    for (const s of read.targetSelectors) {
      for (const object of objectsOfKind(ctx, s.kind)) {
        if ((object.metadata.namespace ?? 'default') !== namespace) continue;
        if (matchesSelector(s.selector, object.metadata.labels ?? {})) {
          add(policyTarget({ kind: s.kind, name: object.metadata.name }, namespace));
        }
      }
    }
    targetsOf.set(policy, [...targets.values()]);
    for (const key of targets.keys()) {
      const list = byTarget.get(key);
      if (list) list.push(policy);
      else byTarget.set(key, [policy]);
    }
  }
  for (const list of byTarget.values()) if (list.length > 1) list.sort(comparePolicies);
  return { attachments: { byTarget, targetsOf, ...routeTargets(byTarget, targetsOf.values()) }, selects };
}

/** A route entry's targets, the most specific first: the keys a policy may apply to it through. */
export function routeChain(
  state: GatewayState,
  listener: ListenerState,
  source: IrSource & { ruleName?: string },
): string[] {
  const chain: string[] = [];
  const kind = source.kind as PolicyTargetKind;
  if (kind !== 'Gateway' && kind !== 'ListenerSet') {
    if (source.ruleName !== undefined) chain.push(targetKey(kind, source.namespace, source.name, source.ruleName));
    chain.push(targetKey(kind, source.namespace, source.name));
  }
  chain.push(...listenerChain(state, listener));
  return chain;
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
