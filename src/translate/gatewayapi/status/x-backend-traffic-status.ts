/**
 * XBackendTrafficPolicy status, as BackendTLSPolicy's: one `ancestors` entry per Gateway of
 * Portico's whose HTTP or gRPC routes send traffic to a Service the policy targets, with
 * `Accepted`: `Invalid` (a field Portico refuses, named), `TargetNotFound` (no targeted Service
 * exists), `Conflicted` (an older policy takes every Service it targets), else True.
 */
import { readXBackendTrafficPolicy } from '../../../resources/read/x-backend-traffic-policy.js';
import type { KubeObject, XBackendTrafficPolicy } from '../../../resources/types.js';
import { condition, type ConditionInput } from '../conditions.js';
import { objectKey, type TranslationContext } from '../context.js';
import type { GatewayState, RouteOutcome } from '../gateway-state.js';
import { xTrafficPoliciesFor } from '../traffic/x-backend-traffic.js';
import { gatewaysByBackend, routeBackendRefs } from './backend-users.js';
import { gatewayAncestorRef, policyAncestorStatus } from './policy-ancestors.js';

function servicesOf(route: KubeObject<{ rules?: unknown }>): string[] {
  const namespace = route.metadata.namespace ?? 'default';
  const out = new Set<string>();
  for (const ref of routeBackendRefs(route)) {
    if ((ref.group ?? '') === '' && (ref.kind ?? 'Service') === 'Service')
      out.add(objectKey(ref.namespace ?? namespace, ref.name));
  }
  return [...out];
}

function policyConditions(ctx: TranslationContext, policy: XBackendTrafficPolicy): ConditionInput[] {
  const read = readXBackendTrafficPolicy(policy);
  const namespace = policy.metadata.namespace ?? 'default';
  if (!read.settings.valid) {
    const message = read.settings.errors.map((e) => e.message).join('; ');
    return [condition('Accepted', false, 'Invalid', `${message}; it is not applied`)];
  }
  const services = read.targets.flatMap((t) => (t.service === undefined ? [] : [t.service]));
  const found = services.filter((s) => ctx.services.has(objectKey(namespace, s)));
  const others = read.targets.filter((t) => t.service === undefined).map((t) => `${t.written} (only Services)`);
  if (found.length === 0) {
    const missing = [...services.map((s) => `Service ${namespace}/${s}`), ...others];
    return [condition('Accepted', false, 'TargetNotFound', `targets not found: ${missing.join(', ')}`)];
  }
  const taken = found.filter((s) => xTrafficPoliciesFor(ctx, namespace, s)[0] !== policy);
  if (taken.length === found.length) {
    const names = taken.map((s) => {
      const winner = xTrafficPoliciesFor(ctx, namespace, s)[0]!;
      return `Service ${namespace}/${s} (XBackendTrafficPolicy ${namespace}/${winner.metadata.name} is older)`;
    });
    return [condition('Accepted', false, 'Conflicted', `another policy takes precedence for ${names.join(', ')}`)];
  }
  return [condition('Accepted', true, 'Accepted', 'Policy is accepted')];
}

export function xBackendTrafficPolicyStatuses(
  ctx: TranslationContext,
  routes: readonly KubeObject[],
  outcomes: readonly RouteOutcome[],
  gateways: ReadonlyMap<string, GatewayState>,
): Map<XBackendTrafficPolicy, unknown> {
  // A retry budget is for HTTP requests: TCP and UDP proxies have no retries.
  const gatewaysByService = gatewaysByBackend(routes, outcomes, (route) =>
    route.kind === 'TCPRoute' || route.kind === 'UDPRoute' || route.kind === 'TLSRoute'
      ? []
      : ctx.remember('xTrafficRouteServices', route, servicesOf),
  );
  const out = new Map<XBackendTrafficPolicy, unknown>();
  for (const policy of ctx.resources.xBackendTrafficPolicies) {
    const namespace = policy.metadata.namespace ?? 'default';
    const ancestors = new Set<string>();
    for (const target of readXBackendTrafficPolicy(policy).targets) {
      if (target.service === undefined) continue;
      for (const g of gatewaysByService.get(objectKey(namespace, target.service)) ?? []) ancestors.add(g);
    }
    const conditions = ancestors.size > 0 ? policyConditions(ctx, policy) : [];
    const ours = [...ancestors]
      .sort()
      .map((key) => ({ ref: gatewayAncestorRef(gateways.get(key)!.gateway), conditions }));
    const status = policyAncestorStatus(ctx, policy, ours);
    if (status) out.set(policy, status);
  }
  return out;
}
