/**
 * Where a policy's targets are among the Gateways Portico serves: each target resolves to the
 * Gateways it reaches (a Gateway or listener: its Gateway; a ListenerSet: the Gateway it is
 * attached to; a route or rule: the Gateways it is attached to), is missing (TargetNotFound), or
 * is another controller's (Portico says nothing about it).
 */
import type { KubeObject } from '../../../resources/types.js';
import { objectKey, type TranslationContext } from '../context.js';
import type { GatewayState, ListenerSetState } from '../gateway-state.js';
import { objectsOfKind, type PolicyTarget } from './attachment.js';

export interface ResolvedTarget {
  /** Portico's Gateways the target reaches (state keys), with the object that carries it there. */
  gateways: { state: GatewayState; object: KubeObject }[];
  /** Why it is not found; `on` the Gateway that lacks the section, if it is Portico's. */
  missing?: { message: string; on?: GatewayState };
  /** It exists, but on no Gateway of Portico's. */
  foreign?: boolean;
}

export function describeTarget(t: Pick<PolicyTarget, 'kind' | 'namespace' | 'name' | 'sectionName'>): string {
  const section =
    t.sectionName === undefined
      ? ''
      : t.kind.endsWith('Route')
        ? ` rule ${t.sectionName}`
        : ` listener ${t.sectionName}`;
  return `${t.kind} ${t.namespace}/${t.name}${section}`;
}

/** Objects of a list by `<namespace>/<name>`, built once per list (the pipeline keeps an unchanged list the same array). */
function byKey<T extends KubeObject>(ctx: TranslationContext, objects: readonly T[]): ReadonlyMap<string, T> {
  return ctx.remember('objects-by-key', objects, indexByKey) as ReadonlyMap<string, T>;
}

function indexByKey(list: readonly KubeObject[]): ReadonlyMap<string, KubeObject> {
  const map = new Map<string, KubeObject>();
  for (const o of list) map.set(objectKey(o.metadata.namespace, o.metadata.name), o);
  return map;
}

/** Objects of a list by namespace, then name: looked up without building a key string. */
function byNamespaceAndName(
  ctx: TranslationContext,
  objects: readonly KubeObject[],
): ReadonlyMap<string, ReadonlyMap<string, KubeObject>> {
  return ctx.remember('objects-by-namespace-and-name', objects, (list) => {
    const index = new Map<string, Map<string, KubeObject>>();
    for (const o of list) {
      const namespace = o.metadata.namespace ?? 'default';
      let byName = index.get(namespace);
      if (!byName) index.set(namespace, (byName = new Map()));
      byName.set(o.metadata.name, o);
    }
    return index;
  });
}

/** The route a route or rule target names, if it exists. */
const routeOf = (ctx: TranslationContext, t: PolicyTarget): KubeObject | undefined =>
  byNamespaceAndName(ctx, objectsOfKind(ctx, t.kind)).get(t.namespace)?.get(t.name);

const exists = (ctx: TranslationContext, objects: readonly KubeObject[], key: string): boolean =>
  byKey(ctx, objects).has(key);

function missingTarget(t: PolicyTarget, on?: GatewayState): ResolvedTarget {
  return { gateways: [], missing: { message: `${describeTarget(t)} does not exist`, ...(on ? { on } : {}) } };
}

export function resolveTarget(
  ctx: TranslationContext,
  gateways: ReadonlyMap<string, GatewayState>,
  t: PolicyTarget,
): ResolvedTarget {
  const key = objectKey(t.namespace, t.name);
  switch (t.kind) {
    case 'Gateway': {
      const state = gateways.get(key);
      if (!state) return exists(ctx, ctx.resources.gateways, key) ? { gateways: [], foreign: true } : missingTarget(t);
      if (t.sectionName !== undefined && !state.listeners.some((l) => !l.set && l.name === t.sectionName)) {
        return missingTarget(t, state);
      }
      return { gateways: [{ state, object: state.gateway }] };
    }
    case 'ListenerSet': {
      let found: { state: GatewayState; set: ListenerSetState } | undefined;
      for (const state of gateways.values()) {
        const set = state.listenerSets.find((s) => s.key === key);
        if (set) found = { state, set };
      }
      if (!found)
        return exists(ctx, ctx.resources.listenerSets, key) ? { gateways: [], foreign: true } : missingTarget(t);
      if (t.sectionName !== undefined && !found.set.listeners.some((l) => l.name === t.sectionName)) {
        return missingTarget(t, found.state);
      }
      return { gateways: [{ state: found.state, object: found.set.object }] };
    }
    case 'HTTPRoute':
    case 'GRPCRoute':
    case 'TCPRoute':
    case 'UDPRoute': {
      const route = routeOf(ctx, t);
      if (!route) return missingTarget(t);
      const out: ResolvedTarget = { gateways: [] };
      for (const state of gateways.values()) {
        if (!state.attachedRoutes.has(route)) continue;
        if (
          t.sectionName !== undefined &&
          !placedRules(ctx, state).has(`${t.kind}/${t.namespace}/${t.name}\0${t.sectionName}`)
        ) {
          out.missing = { message: `${describeTarget(t)} does not exist`, on: state };
          continue;
        }
        out.gateways.push({ state, object: route });
      }
      if (out.gateways.length === 0 && !out.missing) out.foreign = true;
      return out;
    }
  }
}

/**
 * The one Gateway of Portico's that a route or rule target is placed on, with the route: what
 * `resolveTarget` says of most route targets, worked out without its lists. Undefined for any
 * other (missing, on no Gateway of Portico's or on several, a rule not placed there).
 */
export function soleRouteGateway(
  ctx: TranslationContext,
  gateways: ReadonlyMap<string, GatewayState>,
  t: PolicyTarget,
): { state: GatewayState; object: KubeObject } | undefined {
  if (t.kind === 'Gateway' || t.kind === 'ListenerSet') return undefined;
  const route = routeOf(ctx, t);
  if (!route) return undefined;
  let sole: GatewayState | undefined;
  for (const state of gateways.values()) {
    if (!state.attachedRoutes.has(route)) continue;
    if (sole) return undefined;
    sole = state;
  }
  if (!sole) return undefined;
  if (
    t.sectionName !== undefined &&
    !placedRules(ctx, sole).has(`${t.kind}/${t.namespace}/${t.name}\0${t.sectionName}`)
  )
    return undefined;
  return { state: sole, object: route };
}

/**
 * The rules placed on the Gateway, as `<routeKey>\0<rule name>`: gathered once per Gateway state
 * (a rule target used to walk every placed route).
 */
function placedRules(ctx: TranslationContext, state: GatewayState): ReadonlySet<string> {
  return ctx.remember('placed-rules', state, (s) => {
    const rules = new Set<string>();
    for (const byHostname of s.placed.values()) {
      for (const routes of byHostname.values()) {
        for (const placed of routes.values()) {
          for (const e of placed.entries) {
            if (e.route.source.ruleName !== undefined) rules.add(`${placed.routeKey}\0${e.route.source.ruleName}`);
          }
        }
      }
    }
    return rules;
  });
}
