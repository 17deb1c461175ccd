/**
 * XBackend status: one `ancestors` entry per Gateway of Portico's whose placed routes send traffic
 * to the XBackend (the Gateway is the ancestor, as for BackendTLSPolicy), with `Accepted` (the one
 * condition GEP-4894 defines): True when Portico can use it, False with why otherwise. Other
 * controllers' entries are kept as they are.
 */
import type { KubeObject, XBackend, XBackendStatus } from '../../../resources/types.js';
import { GATEWAY_GROUP, GATEWAY_X_GROUP } from '../../../resources/types.js';
import { isReferenceAllowed } from '../references/reference-grants.js';
import { condition } from '../conditions.js';
import { objectKey, type TranslationContext } from '../context.js';
import type { GatewayState } from '../gateway-state.js';
import type { RouteOutcome } from '../gateway-state.js';
import { evaluateXBackend, isXBackendRef } from '../xbackend.js';
import { gatewayAncestorRef, policyAncestorStatus } from './policy-ancestors.js';
import { gatewaysByBackend, routeBackendRefs } from './backend-users.js';

/** `<namespace>/<name>` of every XBackend a route's backendRefs and mirrors may use. */
function xBackendsOf(ctx: TranslationContext, route: KubeObject<{ rules?: unknown }>): string[] {
  const namespace = route.metadata.namespace ?? 'default';
  const out = new Set<string>();
  for (const r of routeBackendRefs(route)) {
    if (!isXBackendRef(r)) continue;
    const target = r.namespace ?? namespace;
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
  }
  return [...out];
}

/** The status of every XBackend that a placed route uses, or that has Portico's entries to clear. */
export function xBackendStatuses(
  ctx: TranslationContext,
  routes: readonly KubeObject[],
  outcomes: readonly RouteOutcome[],
  gateways: ReadonlyMap<string, GatewayState>,
): Map<XBackend, XBackendStatus> {
  const gatewaysByXBackend = gatewaysByBackend(routes, outcomes, (route) => xBackendsOf(ctx, route));
  const out = new Map<XBackend, XBackendStatus>();
  for (const xb of ctx.resources.xBackends) {
    const ancestors = gatewaysByXBackend.get(objectKey(xb.metadata.namespace, xb.metadata.name)) ?? new Set();
    const verdict = ancestors.size > 0 ? evaluateXBackend(ctx, xb) : undefined;
    const accepted = verdict?.ok
      ? condition('Accepted', true, 'Accepted', 'XBackend is accepted')
      : condition('Accepted', false, verdict?.reason ?? 'Invalid', verdict?.message ?? '');
    const ours = [...ancestors].sort().map((key) => ({
      ref: gatewayAncestorRef(gateways.get(key)!.gateway),
      conditions: [accepted],
    }));
    const status = policyAncestorStatus(ctx, xb, ours);
    if (status) out.set(xb, status);
  }
  return out;
}
