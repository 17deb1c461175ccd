/**
 * SecurityPolicy status (GEP-713): one `ancestors` entry per Gateway of Portico's that a target
 * reaches, with `Accepted`:
 *
 * - `Accepted` (True): it applies there; the message names where a more specific policy overrides
 *   it (by which policy), and targets that lost to another policy or are missing.
 * - `Conflicted`: on every one of its targets there, an older policy (or the first by name) applies.
 * - `Invalid`: it cannot be applied (its message says why); the routes it applies to answer 500.
 * - `TargetNotFound`: none of its targets there exists (a listener or rule name that is not there).
 *
 * A target that is not there at all is `TargetNotFound` and a target of a kind Portico cannot
 * attach to `Invalid`, each on an entry of its own (the target as ancestorRef), written only when
 * no target is another controller's. Other controllers' entries are kept.
 */
import type { KubeObject, ParentReference, PolicyStatus, SecurityPolicy } from '../../../resources/types.js';
import { GATEWAY_GROUP } from '../../../resources/types.js';
import { readSecurityPolicy } from '../../../resources/read/security-policy.js';
import { condition, type ConditionInput } from '../conditions.js';
import type { TranslationContext } from '../context.js';
import type { GatewayState } from '../gateway-state.js';
import { gatewayAncestorRef, policyAncestorStatus, type AncestorEntry } from '../status/policy-ancestors.js';
import { keyOf, type SecurityAttachments, type SecurityTarget } from './security-attachment.js';
import { policyKey, securityVerdict } from './security-ir.js';
import { describeTarget, resolveTarget } from './security-targets.js';

/** Where one policy stands on one Gateway. */
interface OnGateway {
  state: GatewayState;
  /** Its targets there that it wins. */
  won: string[];
  /** Its targets there that another policy wins: by which. */
  lost: { target: string; winner: SecurityPolicy }[];
  missing: string[];
  /** Listeners it reaches there that carry no HTTP requests (TCP, TLS, UDP): nothing is protected on them. */
  notHttp: string[];
}

/** Notes, per policy and Gateway key, of where a more specific policy overrides it. */
export type Overrides = Map<SecurityPolicy, Map<string, Set<string>>>;

/** At most this many places are named in a message; the rest are counted. */
const LISTED = 3;

function listed(items: readonly string[]): string {
  const shown = items.slice(0, LISTED).join(', ');
  return items.length > LISTED ? `${shown} and ${items.length - LISTED} more` : shown;
}

export function securityPolicyStatuses(
  ctx: TranslationContext,
  gateways: ReadonlyMap<string, GatewayState>,
  attachments: SecurityAttachments,
  overrides: Overrides,
): { statuses: Map<SecurityPolicy, PolicyStatus>; affected: Map<KubeObject, Set<string>> } {
  const statuses = new Map<SecurityPolicy, PolicyStatus>();
  const affected = new Map<KubeObject, Set<string>>();
  for (const policy of ctx.resources.securityPolicies) {
    const read = readSecurityPolicy(policy);
    const namespace = policy.metadata.namespace ?? 'default';
    const on = new Map<string, OnGateway>();
    const onGateway = (state: GatewayState): OnGateway => {
      let entry = on.get(state.key);
      if (!entry) on.set(state.key, (entry = { state, won: [], lost: [], missing: [], notHttp: [] }));
      return entry;
    };
    const unmanaged: AncestorEntry[] = read.unsupportedTargets.map((t) => ({
      ref: { group: t.group, kind: t.kind, namespace, name: t.name },
      conditions: [condition('Accepted', false, 'Invalid', t.message)],
    }));
    let foreign = false;
    for (const target of attachments.targetsOf.get(policy) ?? []) {
      const resolved = resolveTarget(ctx, gateways, target);
      if (resolved.foreign) foreign = true;
      if (resolved.missing?.on) onGateway(resolved.missing.on).missing.push(resolved.missing.message);
      else if (resolved.missing) {
        const ref: ParentReference = { group: GATEWAY_GROUP, kind: target.kind, namespace, name: target.name };
        if (target.sectionName !== undefined) ref.sectionName = target.sectionName;
        unmanaged.push({ ref, conditions: [condition('Accepted', false, 'TargetNotFound', resolved.missing.message)] });
      }
      const winner = attachments.byTarget.get(keyOf(target))![0]!;
      for (const { state, object } of resolved.gateways) {
        const entry = onGateway(state);
        if (winner !== policy) {
          entry.lost.push({ target: describeTarget(target), winner });
          continue;
        }
        const plain = notHttpListeners(state, target);
        entry.notHttp.push(...plain);
        // A listener target that carries no HTTP requests protects nothing: not counted as applied.
        if (target.sectionName !== undefined && plain.length > 0) continue;
        entry.won.push(describeTarget(target));
        // A route's Affected condition is part of its outcome (route-affected.ts).
        if (target.kind === 'HTTPRoute' || target.kind === 'GRPCRoute') continue;
        let names = affected.get(object);
        if (!names) affected.set(object, (names = new Set()));
        names.add(policyKey(policy));
      }
    }
    const entries: AncestorEntry[] = [...on.values()].map((entry) => ({
      ref: gatewayAncestorRef(entry.state.gateway),
      conditions: [acceptedOn(ctx, policy, entry, overrides.get(policy)?.get(entry.state.key))],
    }));
    const status = policyAncestorStatus(ctx, policy, [...entries, ...(foreign ? [] : unmanaged)]);
    if (status) statuses.set(policy, status);
  }
  return { statuses, affected };
}

function acceptedOn(
  ctx: TranslationContext,
  policy: SecurityPolicy,
  entry: OnGateway,
  overridden: ReadonlySet<string> | undefined,
): ConditionInput {
  if (entry.won.length === 0 && entry.lost.length === 0 && entry.notHttp.length > 0 && entry.missing.length === 0) {
    return condition(
      'Accepted',
      false,
      'Invalid',
      `${listed(entry.notHttp)}: a SecurityPolicy applies to HTTP requests only (HTTP, HTTPS listeners); nothing is protected there`,
    );
  }
  if (entry.won.length === 0 && entry.lost.length === 0) {
    return condition('Accepted', false, 'TargetNotFound', listed(entry.missing));
  }
  const lost = entry.lost.map(
    (l) => `SecurityPolicy ${policyKey(l.winner)} applies to ${l.target} (older, or first by name)`,
  );
  if (entry.won.length === 0) return condition('Accepted', false, 'Conflicted', listed(lost));
  const verdict = securityVerdict(ctx, policy);
  if (verdict.type === 'closed') {
    return condition(
      'Accepted',
      false,
      'Invalid',
      `${verdict.message}; the routes it applies to answer 500 until it is fixed`,
    );
  }
  const notes = [`applies to ${listed(entry.won)}`];
  if (overridden && overridden.size > 0) notes.push(`overridden for some routes by ${listed([...overridden])}`);
  if (lost.length > 0) notes.push(`not applied: ${listed(lost)}`);
  if (entry.missing.length > 0) notes.push(`not found: ${listed(entry.missing)}`);
  if (entry.notHttp.length > 0) notes.push(`not applied to ${listed(entry.notHttp)} (no HTTP requests there)`);
  notes.push(...(verdict.warnings ?? []));
  return condition('Accepted', true, 'Accepted', `Policy is accepted; ${notes.join('; ')}`);
}

/**
 * The listeners of `target` on this Gateway that carry no HTTP requests: the listener itself (a
 * `sectionName`), or those of the Gateway or ListenerSet it names. Routes carry no listener here.
 */
function notHttpListeners(state: GatewayState, target: SecurityTarget): string[] {
  if (target.kind !== 'Gateway' && target.kind !== 'ListenerSet') return [];
  const setKey = `${target.namespace}/${target.name}`;
  return state.listeners
    .filter((l) => (target.kind === 'Gateway' ? !l.set : l.set?.key === setKey))
    .filter((l) => target.sectionName === undefined || l.name === target.sectionName)
    .filter((l) => l.protocol !== undefined && l.protocol !== 'HTTP' && l.protocol !== 'HTTPS')
    .map(
      (l) => `${target.kind === 'Gateway' ? 'Gateway' : 'ListenerSet'} ${setKey} listener ${l.name} (${l.protocol})`,
    );
}
