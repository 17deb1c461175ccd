/**
 * XBackend status: one `ancestors` entry per Gateway of Portico's whose placed routes send traffic
 * to the XBackend (the Gateway is the ancestor, as for BackendTLSPolicy), with `Accepted` (the one
 * condition GEP-4894 defines): True when Portico can use it, False with why otherwise. Other
 * controllers' entries are kept as they are.
 */
import type {
  Condition,
  KubeObject,
  PolicyAncestorStatus,
  XBackend,
  XBackendStatus,
} from '../../../resources/types.js';
import { CONTROLLER_NAME, GATEWAY_GROUP, GATEWAY_X_GROUP } from '../../../resources/types.js';
import { isReferenceAllowed } from '../references/reference-grants.js';
import { condition, materializeConditions } from '../conditions.js';
import { objectKey, type TranslationContext } from '../context.js';
import type { GatewayState } from '../gateway-state.js';
import { isObject, list } from '../shape.js';
import type { RouteOutcome } from '../gateway-state.js';
import { evaluateXBackend, isXBackendRef } from '../xbackend.js';

/** XBackendStatus.ancestors maxItems. */
const MAX_ANCESTORS = 32;

/** `<namespace>/<name>` of every XBackend a route's backendRefs and mirrors may use. */
function xBackendsOf(ctx: TranslationContext, route: KubeObject<{ rules?: unknown }>): string[] {
  const spec = route.spec;
  if (!isObject(spec)) return [];
  const namespace = route.metadata.namespace ?? 'default';
  const out = new Set<string>();
  const add = (ref: unknown) => {
    if (!isObject(ref)) return;
    const r = ref as { group?: string; kind?: string; name?: unknown; namespace?: unknown };
    if (!isXBackendRef(r) || typeof r.name !== 'string') return;
    const target = typeof r.namespace === 'string' ? r.namespace : namespace;
    // A reference no ReferenceGrant opens does not make the Gateway an ancestor.
    const allowed = isReferenceAllowed(ctx, {
      fromGroup: GATEWAY_GROUP,
      fromKind: route.kind,
      fromNamespace: namespace,
      toGroup: GATEWAY_X_GROUP,
      toKind: 'XBackend',
      toNamespace: target,
      toName: r.name,
    });
    if (allowed) out.add(objectKey(target, r.name));
  };
  for (const rule of list((spec as { rules?: unknown[] }).rules)) {
    if (!isObject(rule)) continue;
    const r = rule as { backendRefs?: unknown[]; filters?: unknown[] };
    for (const ref of list(r.backendRefs)) add(ref);
    for (const filter of list(r.filters)) {
      if (isObject(filter)) add((filter as { requestMirror?: { backendRef?: unknown } }).requestMirror?.backendRef);
    }
  }
  return [...out];
}

function sameGateway(a: PolicyAncestorStatus['ancestorRef'], b: PolicyAncestorStatus['ancestorRef']): boolean {
  return (
    (a.group ?? GATEWAY_GROUP) === (b.group ?? GATEWAY_GROUP) &&
    (a.kind ?? 'Gateway') === (b.kind ?? 'Gateway') &&
    a.namespace === b.namespace &&
    a.name === b.name
  );
}

/** The status of every XBackend that a placed route uses, or that has Portico's entries to clear. */
export function xBackendStatuses(
  ctx: TranslationContext,
  routes: readonly KubeObject[],
  outcomes: readonly RouteOutcome[],
  gateways: ReadonlyMap<string, GatewayState>,
): Map<XBackend, XBackendStatus> {
  const gatewaysByBackend = new Map<string, Set<string>>();
  routes.forEach((route, i) => {
    const placed = new Set(outcomes[i]!.placements.map((p) => p.gateway));
    if (placed.size === 0) return;
    for (const key of xBackendsOf(ctx, route as KubeObject<{ rules?: unknown }>)) {
      let set = gatewaysByBackend.get(key);
      if (!set) gatewaysByBackend.set(key, (set = new Set()));
      for (const g of placed) set.add(g);
    }
  });
  const out = new Map<XBackend, XBackendStatus>();
  for (const xb of ctx.resources.xBackends) {
    const ancestors = gatewaysByBackend.get(objectKey(xb.metadata.namespace, xb.metadata.name)) ?? new Set();
    const previous = list(xb.status?.ancestors).filter((a) => isObject(a) && isObject(a.ancestorRef));
    const others = previous.filter((a) => a.controllerName !== CONTROLLER_NAME);
    if (ancestors.size === 0 && !previous.some((a) => a.controllerName === CONTROLLER_NAME)) continue;
    const verdict = ancestors.size > 0 ? evaluateXBackend(ctx, xb) : undefined;
    const accepted = verdict?.ok
      ? condition('Accepted', true, 'Accepted', 'XBackend is accepted')
      : condition('Accepted', false, verdict?.reason ?? 'Invalid', verdict?.message ?? '');
    const ours: PolicyAncestorStatus[] = [...ancestors].sort().map((key) => {
      const gw = gateways.get(key)!.gateway;
      const ancestorRef = {
        group: GATEWAY_GROUP,
        kind: 'Gateway',
        namespace: gw.metadata.namespace ?? 'default',
        name: gw.metadata.name,
      };
      const before = previous.find(
        (a) => a.controllerName === CONTROLLER_NAME && sameGateway(a.ancestorRef, ancestorRef),
      );
      return {
        ancestorRef,
        controllerName: CONTROLLER_NAME,
        conditions: materializeConditions(
          [accepted],
          xb.metadata.generation,
          before?.conditions as Condition[] | undefined,
          ctx.now,
        ),
      };
    });
    // "A maximum of 32 ancestors": other controllers' entries stay, Portico's fill the room left.
    out.set(xb, { ancestors: [...others, ...ours.slice(0, Math.max(0, MAX_ANCESTORS - others.length))] });
  }
  return out;
}
