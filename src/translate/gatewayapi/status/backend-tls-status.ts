/**
 * BackendTLSPolicy status: one `ancestors` entry per Gateway of Portico's whose routes send traffic
 * to a Service the policy targets (GEP-713: the Gateway is the ancestor), with `Accepted` and
 * `ResolvedRefs`. Other controllers' entries are kept as they are.
 */
import type {
  BackendTLSPolicy,
  Condition,
  KubeObject,
  PolicyAncestorStatus,
  PolicyStatus,
} from '../../../resources/types.js';
import { CONTROLLER_NAME, GATEWAY_GROUP } from '../../../resources/types.js';
import { condition, materializeConditions, type ConditionInput } from '../conditions.js';
import { objectKey, type TranslationContext } from '../context.js';
import { evaluatePolicy, policiesSelecting, serviceTargets } from '../backend-tls.js';
import type { GatewayState } from '../gateway-state.js';
import { isObject, list } from '../shape.js';
import type { RouteOutcome } from '../gateway-state.js';

const servicesBySpec = new WeakMap<object, string[]>();

/** PolicyStatus.ancestors maxItems. */
const MAX_ANCESTORS = 16;

/** `<namespace>/<name>` of every Service a route's backendRefs and mirrors name. */
function servicesOf(route: KubeObject<{ rules?: unknown }>): string[] {
  const spec = route.spec;
  if (!isObject(spec)) return [];
  const known = servicesBySpec.get(spec as object);
  if (known) return known;
  const namespace = route.metadata.namespace ?? 'default';
  const out = new Set<string>();
  const add = (ref: unknown) => {
    if (!isObject(ref)) return;
    const r = ref as { group?: unknown; kind?: unknown; name?: unknown; namespace?: unknown };
    if ((r.group ?? '') !== '' || (r.kind ?? 'Service') !== 'Service' || typeof r.name !== 'string') return;
    out.add(objectKey(typeof r.namespace === 'string' ? r.namespace : namespace, r.name));
  };
  for (const rule of list((spec as { rules?: unknown[] }).rules)) {
    if (!isObject(rule)) continue;
    const r = rule as { backendRefs?: unknown[]; filters?: unknown[] };
    for (const ref of list(r.backendRefs)) add(ref);
    for (const filter of list(r.filters)) {
      if (isObject(filter)) add((filter as { requestMirror?: { backendRef?: unknown } }).requestMirror?.backendRef);
    }
  }
  const services = [...out];
  servicesBySpec.set(spec as object, services);
  return services;
}

function sameAncestor(a: PolicyAncestorStatus['ancestorRef'], b: PolicyAncestorStatus['ancestorRef']): boolean {
  return (
    (a.group ?? GATEWAY_GROUP) === (b.group ?? GATEWAY_GROUP) &&
    (a.kind ?? 'Gateway') === (b.kind ?? 'Gateway') &&
    a.namespace === b.namespace &&
    a.name === b.name &&
    a.sectionName === b.sectionName
  );
}

/** The conditions of a policy for any ancestor: they do not depend on which Gateway it is. */
function policyConditions(ctx: TranslationContext, policy: BackendTLSPolicy): ConditionInput[] {
  const namespace = policy.metadata.namespace ?? 'default';
  const targets = list(policy.spec?.targetRefs).filter((r) => isObject(r));
  const verdict = evaluatePolicy(ctx, policy);
  let accepted: ConditionInput = condition('Accepted', true, 'Accepted', 'Policy is accepted');
  const missing: string[] = [];
  const conflicted: string[] = [];
  let applies = 0;
  for (const ref of targets) {
    if ((ref.group ?? '') !== '' || ref.kind !== 'Service') {
      missing.push(
        `${ref.group ? `${ref.group}/` : ''}${String(ref.kind)} ${String(ref.name)} (only Services can be targeted)`,
      );
      continue;
    }
    const service = ctx.services.get(objectKey(namespace, ref.name));
    const section = ref.sectionName || undefined;
    if (!service) missing.push(`Service ${namespace}/${ref.name}`);
    else if (section !== undefined && !list(service.spec?.ports).some((p) => isObject(p) && p.name === section)) {
      missing.push(`port ${section} of Service ${namespace}/${ref.name}`);
    } else {
      const winner = policiesSelecting(ctx, namespace, ref.name, section)[0];
      if (!winner || winner === policy) applies++;
      else {
        conflicted.push(
          `${section ? `port ${section} of ` : ''}Service ${namespace}/${ref.name} (BackendTLSPolicy ${winner.metadata.namespace ?? 'default'}/${winner.metadata.name} is older)`,
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
  const gatewaysByService = new Map<string, Set<string>>();
  routes.forEach((route, i) => {
    // TCP and UDP proxies forward the client's bytes as they are: a BackendTLSPolicy has no say there.
    if (route.kind === 'TCPRoute' || route.kind === 'UDPRoute') return;
    const placed = new Set(outcomes[i]!.placements.map((p) => p.gateway));
    if (placed.size === 0) return;
    for (const service of servicesOf(route as KubeObject<{ rules?: unknown }>)) {
      let set = gatewaysByService.get(service);
      if (!set) gatewaysByService.set(service, (set = new Set()));
      for (const g of placed) set.add(g);
    }
  });
  const out = new Map<BackendTLSPolicy, unknown>();
  for (const policy of ctx.resources.backendTLSPolicies) {
    const namespace = policy.metadata.namespace ?? 'default';
    const ancestors = new Set<string>();
    for (const ref of list(policy.spec?.targetRefs)) {
      if (!isObject(ref) || typeof ref.name !== 'string' || serviceTargets(policy, ref.name).length === 0) continue;
      for (const g of gatewaysByService.get(objectKey(namespace, ref.name)) ?? []) ancestors.add(g);
    }
    const previous = list(policy.status?.ancestors).filter((a) => isObject(a) && isObject(a.ancestorRef));
    const others = previous.filter((a) => a.controllerName !== CONTROLLER_NAME);
    const conditions = ancestors.size > 0 ? policyConditions(ctx, policy) : [];
    const ours: PolicyAncestorStatus[] = [...ancestors].sort().map((key) => {
      const gw = gateways.get(key)!.gateway;
      const ancestorRef = {
        group: GATEWAY_GROUP,
        kind: 'Gateway',
        namespace: gw.metadata.namespace ?? 'default',
        name: gw.metadata.name,
      };
      const before = previous.find(
        (a) => a.controllerName === CONTROLLER_NAME && sameAncestor(a.ancestorRef, ancestorRef),
      );
      return {
        ancestorRef,
        controllerName: CONTROLLER_NAME,
        conditions: materializeConditions(
          conditions,
          policy.metadata.generation,
          before?.conditions as Condition[] | undefined,
          ctx.now,
        ),
      };
    });
    if (ours.length > 0 || previous.some((a) => a.controllerName === CONTROLLER_NAME)) {
      // The CRD holds at most 16 ancestors: "If this slice is full, implementations MUST NOT add
      // further entries". Other controllers' entries stay; Portico's fill what room is left.
      const room = Math.max(0, MAX_ANCESTORS - others.length);
      const status: PolicyStatus = { ancestors: [...others, ...ours.slice(0, room)] };
      out.set(policy, status);
    }
  }
  return out;
}
