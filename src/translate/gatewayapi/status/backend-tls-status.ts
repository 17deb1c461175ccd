/**
 * BackendTLSPolicy status: one `ancestors` entry per Gateway of Portico's whose routes send traffic
 * to a Service the policy targets (GEP-713: the Gateway is the ancestor), with `Accepted` and
 * `ResolvedRefs`. Other controllers' entries are kept as they are.
 */
import type { BackendTLSPolicy, KubeObject } from '../../../resources/types.js';
import { condition, type ConditionInput } from '../conditions.js';
import { objectKey, type TranslationContext } from '../context.js';
import { readBackendTlsPolicy } from '../../../resources/read/backend-tls-policy.js';
import { readService } from '../../../resources/read/service.js';
import { evaluatePolicy, policiesSelecting } from '../backend-tls.js';
import type { GatewayState } from '../gateway-state.js';
import type { RouteOutcome } from '../gateway-state.js';
import { gatewayAncestorRef, policyAncestorStatus } from './policy-ancestors.js';
import { gatewaysByBackend, routeBackendRefs } from './backend-users.js';

/** `<namespace>/<name>` of every Service a route's backendRefs and mirrors name. */
function servicesOf(route: KubeObject<{ rules?: unknown }>): string[] {
  const namespace = route.metadata.namespace ?? 'default';
  const out = new Set<string>();
  for (const ref of routeBackendRefs(route)) {
    if ((ref.group ?? '') !== '' || (ref.kind ?? 'Service') !== 'Service') continue;
    out.add(objectKey(ref.namespace ?? namespace, ref.name));
  }
  return [...out];
}

/** The conditions of a policy for any ancestor: they do not depend on which Gateway it is. */
function policyConditions(ctx: TranslationContext, policy: BackendTLSPolicy): ConditionInput[] {
  const namespace = policy.metadata.namespace ?? 'default';
  const targets = readBackendTlsPolicy(policy).targets;
  const verdict = evaluatePolicy(ctx, policy);
  let accepted: ConditionInput = condition('Accepted', true, 'Accepted', 'Policy is accepted');
  const missing: string[] = [];
  const conflicted: string[] = [];
  let applies = 0;
  for (const target of targets) {
    if (target.kind === 'other') {
      missing.push(`${target.written} (only Services can be targeted)`);
      continue;
    }
    const { name, sectionName: section } = target;
    const service = name === undefined ? undefined : ctx.services.get(objectKey(namespace, name));
    if (!service || name === undefined) missing.push(`Service ${namespace}/${target.writtenName}`);
    else if (section !== undefined && !readService(service).ports.some((p) => p.name === section)) {
      missing.push(`port ${section} of Service ${namespace}/${name}`);
    } else {
      const winner = policiesSelecting(ctx, namespace, name, section)[0];
      if (!winner || winner === policy) applies++;
      else {
        conflicted.push(
          `${section ? `port ${section} of ` : ''}Service ${namespace}/${name} (BackendTLSPolicy ${winner.metadata.namespace ?? 'default'}/${winner.metadata.name} is older)`,
        );
      }
    }
  }
  // Conflicted where another policy takes every target it has; where it still applies somewhere it
  // is in effect there, and the conflicts are only named.
  if (conflicted.length > 0 && applies === 0) {
    accepted = condition(
      'Accepted',
      false,
      'Conflicted',
      `another policy takes precedence for ${conflicted.join(', ')}`,
    );
  } else if (verdict.invalid) {
    accepted = condition('Accepted', false, verdict.invalid.reason, verdict.invalid.message);
  } else if (missing.length === targets.length) {
    accepted = condition('Accepted', false, 'TargetNotFound', `targets not found: ${missing.join(', ')}`);
  } else if (conflicted.length > 0) {
    accepted = condition(
      'Accepted',
      true,
      'Accepted',
      `Policy is accepted; another policy takes precedence for ${conflicted.join(', ')}`,
    );
  }
  // ResolvedRefs is about the CA certificate references; targets are Accepted's business.
  const resolved = verdict.unresolved
    ? condition('ResolvedRefs', false, verdict.unresolved.reason, verdict.unresolved.message)
    : condition('ResolvedRefs', true, 'ResolvedRefs', 'All references are resolved');
  return [accepted, resolved];
}

/**
 * The status of every BackendTLSPolicy. `outcomes[i]` is where `routes[i]` is placed; a policy
 * gets an ancestor entry for each Gateway one of whose placed routes names a targeted Service.
 */
export function backendTlsPolicyStatuses(
  ctx: TranslationContext,
  routes: readonly KubeObject[],
  outcomes: readonly RouteOutcome[],
  gateways: ReadonlyMap<string, GatewayState>,
): Map<BackendTLSPolicy, unknown> {
  // TCP and UDP proxies forward the client's bytes as they are: a BackendTLSPolicy has no say there.
  const gatewaysByService = gatewaysByBackend(routes, outcomes, (route) =>
    route.kind === 'TCPRoute' || route.kind === 'UDPRoute' ? [] : ctx.remember('routeServices', route, servicesOf),
  );
  const out = new Map<BackendTLSPolicy, unknown>();
  for (const policy of ctx.resources.backendTLSPolicies) {
    const namespace = policy.metadata.namespace ?? 'default';
    const ancestors = new Set<string>();
    for (const target of readBackendTlsPolicy(policy).targets) {
      if (target.kind !== 'Service' || target.name === undefined) continue;
      for (const g of gatewaysByService.get(objectKey(namespace, target.name)) ?? []) ancestors.add(g);
    }
    const conditions = ancestors.size > 0 ? policyConditions(ctx, policy) : [];
    const ours = [...ancestors].sort().map((key) => ({
      ref: gatewayAncestorRef(gateways.get(key)!.gateway),
      conditions,
    }));
    const status = policyAncestorStatus(ctx, policy, ours);
    if (status) out.set(policy, status);
  }
  return out;
}
