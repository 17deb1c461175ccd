/**
 * A Portico policy's status (GEP-713), the same for each kind (`PolicyKindRules` says what differs):
 * one `ancestors` entry per Gateway of Portico's that a target reaches, with `Accepted`:
 *
 * - `Accepted` (True): it applies there; the message names where a more specific policy overrides
 *   it (by which policy), and targets that lost to another policy or are missing.
 * - `Conflicted`: on every one of its targets there, an older policy (or the first by name) applies.
 * - `Invalid`: it cannot be applied (its message says why, and what happens to what it targets).
 * - `TargetNotFound`: none of its targets there exists (a listener or rule name that is not there).
 *
 * A target that is not there at all is `TargetNotFound` and a target of a kind Portico cannot
 * attach to `Invalid`, each on an entry of its own (the target as ancestorRef), written only when
 * no target is another controller's. Other controllers' entries are kept.
 */
import type { KubeObject, ParentReference, PolicyStatus } from '../../../resources/types.js';
import { GATEWAY_GROUP } from '../../../resources/types.js';
import type { PolicyTargets } from '../../../resources/read/policy-targets.js';
import { condition, type ConditionInput } from '../conditions.js';
import type { TranslationContext } from '../context.js';
import type { GatewayState } from '../gateway-state.js';
import { gatewayAncestorRef, policyAncestorStatus, type AncestorEntry } from '../status/policy-ancestors.js';
import { isRouteKind, winnerOn, type PolicyAttachments, type PolicyTarget } from './attachment.js';
import { describeTarget, resolveTarget, soleRouteGateway } from './targets.js';
import { policyKey } from './policy-key.js';

/** A policy object: its status is a list of ancestors. */
export type PolicyObject = KubeObject<unknown, PolicyStatus>;

/** What differs between the kinds of policy in their status. */
export interface PolicyKindRules<P extends PolicyObject> {
  /** `SecurityPolicy`, `BackendTrafficPolicy`, … */
  kind: string;
  readTargets(policy: P): PolicyTargets;
  /**
   * Why the policy cannot be applied (its whole message, saying what happens to what it targets
   * then), or what of it is not applied (`warnings`).
   */
  verdict(ctx: TranslationContext, policy: P): { problem: string } | { warnings?: readonly string[] };
  /** A policy that cannot be applied still changes what it targets (a SecurityPolicy: its routes answer 500). */
  invalidStillApplies?: boolean;
  /** The listener protocols the policy means something on; absent: every one. */
  listenerProtocols?: { protocols: readonly string[]; invalid: string; note: string };
  /** Where a more specific policy overrides one, for a kind that does not apply per route entry (absent: per route entry, `policyOverrides`). */
  overrides?: Overrides<P>;
  /** What `overrides` are for, in the message (`some routes` when absent). */
  overriddenFor?: string;
}

export { policyKey };

/** Where one policy stands on one Gateway. */
interface OnGateway<P> {
  state: GatewayState;
  /** Its targets there that it wins. */
  won: string[];
  /** Its targets there that another policy wins: by which. */
  lost: { target: string; winner: P }[];
  missing: string[];
  /** Listeners it reaches there that it means nothing on (a SecurityPolicy on TCP, TLS, UDP). */
  notHttp: string[];
}

/** Notes, per policy and Gateway key, of where a more specific policy overrides it. */
export type Overrides<P = KubeObject> = Map<P, Map<string, Set<string>>>;

const NONE: readonly string[] = [];

/** At most this many places are named in a message; the rest are counted. */
const LISTED = 3;

function listed(items: readonly string[]): string {
  const shown = items.slice(0, LISTED).join(', ');
  return items.length > LISTED ? `${shown} and ${items.length - LISTED} more` : shown;
}

/** Each policy's status, set in `statuses`; and the Gateways and ListenerSets each one affects. */
export function policyStatuses<P extends PolicyObject>(
  ctx: TranslationContext,
  rules: PolicyKindRules<P>,
  policies: readonly P[],
  gateways: ReadonlyMap<string, GatewayState>,
  attachments: PolicyAttachments<P>,
  overrides: Overrides<P>,
  statuses: { set(policy: P, status: PolicyStatus): unknown },
): { affected: Map<KubeObject, Set<string>> } {
  const affected = new Map<KubeObject, Set<string>>();
  for (const policy of policies) {
    const read = rules.readTargets(policy);
    const fast = routePolicyStatus(ctx, rules, policy, read, gateways, attachments, overrides);
    if (fast !== false) {
      if (fast) statuses.set(policy, fast);
      continue;
    }
    const namespace = policy.metadata.namespace ?? 'default';
    // Where it stands on each Gateway its targets reach (most policies: one).
    const on: OnGateway<P>[] = [];
    const onGateway = (state: GatewayState): OnGateway<P> => {
      for (const entry of on) if (entry.state === state) return entry;
      const entry: OnGateway<P> = { state, won: [], lost: [], missing: [], notHttp: [] };
      on.push(entry);
      return entry;
    };
    let unmanaged: AncestorEntry[] | undefined;
    for (const t of read.unsupportedTargets) {
      (unmanaged ??= []).push({
        ref: { group: t.group, kind: t.kind, namespace, name: t.name },
        conditions: [condition('Accepted', false, 'Invalid', t.message)],
      });
    }
    let foreign = false;
    for (const target of attachments.targetsOf.get(policy) ?? []) {
      const resolved = resolveTarget(ctx, gateways, target);
      if (resolved.foreign) foreign = true;
      if (resolved.missing?.on) onGateway(resolved.missing.on).missing.push(resolved.missing.message);
      else if (resolved.missing) {
        const ref: ParentReference = { group: GATEWAY_GROUP, kind: target.kind, namespace, name: target.name };
        if (target.sectionName !== undefined) ref.sectionName = target.sectionName;
        (unmanaged ??= []).push({
          ref,
          conditions: [condition('Accepted', false, 'TargetNotFound', resolved.missing.message)],
        });
      }
      if (resolved.gateways.length === 0) continue;
      const winner = winnerOn(attachments, target)!;
      const described = describeTarget(target);
      for (const { state, object } of resolved.gateways) {
        const entry = onGateway(state);
        if (winner !== policy) {
          entry.lost.push({ target: described, winner });
          continue;
        }
        const plain = rules.listenerProtocols
          ? inapplicableListeners(state, target, rules.listenerProtocols.protocols)
          : [];
        if (plain.length > 0) entry.notHttp.push(...plain);
        // A listener target that carries no HTTP requests protects nothing: not counted as applied.
        if (target.sectionName !== undefined && plain.length > 0) continue;
        entry.won.push(described);
        // A route's Affected condition, if any, is part of its outcome (security: route-affected.ts).
        if (isRouteKind(target.kind)) continue;
        // A policy that cannot be applied affects nothing, unless its kind then fails closed.
        if (!rules.invalidStillApplies && 'problem' in rules.verdict(ctx, policy)) continue;
        let names = affected.get(object);
        if (!names) affected.set(object, (names = new Set()));
        names.add(policyKey(policy));
      }
    }
    const entries: AncestorEntry[] = on.map((entry) => ({
      ref: gatewayAncestorRef(entry.state.gateway),
      conditions: [acceptedOn(ctx, rules, policy, entry, overrides.get(policy)?.get(entry.state.key))],
    }));
    if (unmanaged && !foreign) entries.push(...unmanaged);
    const status = policyAncestorStatus(ctx, policy, entries);
    if (status) statuses.set(policy, status);
  }
  return { affected };
}

function acceptedOn<P extends PolicyObject>(
  ctx: TranslationContext,
  rules: PolicyKindRules<P>,
  policy: P,
  entry: OnGateway<P>,
  overridden: ReadonlySet<string> | undefined,
): ConditionInput {
  if (entry.won.length === 0 && entry.lost.length === 0 && entry.notHttp.length > 0 && entry.missing.length === 0) {
    return condition('Accepted', false, 'Invalid', `${listed(entry.notHttp)}: ${rules.listenerProtocols!.invalid}`);
  }
  if (entry.won.length === 0 && entry.lost.length === 0) {
    return condition('Accepted', false, 'TargetNotFound', listed(entry.missing));
  }
  const lost = entry.lost.map(
    (l) => `${rules.kind} ${policyKey(l.winner)} applies to ${l.target} (older, or first by name)`,
  );
  if (entry.won.length === 0) return condition('Accepted', false, 'Conflicted', listed(lost));
  const verdict = rules.verdict(ctx, policy);
  if ('problem' in verdict) return condition('Accepted', false, 'Invalid', verdict.problem);
  const notes = [`applies to ${listed(entry.won)}`];
  if (overridden && overridden.size > 0)
    notes.push(`overridden for ${rules.overriddenFor ?? 'some routes'} by ${listed([...overridden])}`);
  if (lost.length > 0) notes.push(`not applied: ${listed(lost)}`);
  if (entry.missing.length > 0) notes.push(`not found: ${listed(entry.missing)}`);
  if (entry.notHttp.length > 0) notes.push(`not applied to ${listed(entry.notHttp)} ${rules.listenerProtocols!.note}`);
  notes.push(...(verdict.warnings ?? []));
  return accepted(notes);
}

const accepted = (notes: readonly string[]): ConditionInput =>
  condition('Accepted', true, 'Accepted', `Policy is accepted; ${notes.join('; ')}`);

/**
 * Most policies at scale: one route or rule target, on one Gateway, won there, nothing overridden
 * and nothing to warn of. Their status is worked out without the bookkeeping of the general case
 * (the same status `acceptedOn` gives); false for any other policy.
 */
function routePolicyStatus<P extends PolicyObject>(
  ctx: TranslationContext,
  rules: PolicyKindRules<P>,
  policy: P,
  read: PolicyTargets,
  gateways: ReadonlyMap<string, GatewayState>,
  attachments: PolicyAttachments<P>,
  overrides: Overrides<P>,
): PolicyStatus | undefined | false {
  const targets = attachments.targetsOf.get(policy);
  const target = targets?.length === 1 ? targets[0]! : undefined;
  if (!target || !isRouteKind(target.kind) || read.unsupportedTargets.length > 0) return false;
  if (winnerOn(attachments, target) !== policy || overrides.has(policy)) return false;
  const placed = soleRouteGateway(ctx, gateways, target);
  if (!placed) return false;
  const verdict = rules.verdict(ctx, policy);
  if ('problem' in verdict || (verdict.warnings?.length ?? 0) > 0) return false;
  const { state, object } = placed;
  // With a cache: the same policy object (its status fed back unchanged) on the same route object
  // of the same Gateway has the status it had last run.
  const last = ctx.remember.lasting
    ? ctx.remember('route-policy-status', policy, (): { was?: RoutePolicyStatus } => ({}))
    : undefined;
  if (last?.was && last.was.object === object && last.was.gateway === state.key) return last.was.status;
  const status = policyAncestorStatus(ctx, policy, [
    { ref: gatewayAncestorRef(state.gateway), conditions: [accepted([`applies to ${describeTarget(target)}`])] },
  ]);
  if (last) last.was = { object, gateway: state.key, status };
  return status;
}

/** What a route policy's status was worked out from, and the status. */
interface RoutePolicyStatus {
  object: KubeObject;
  gateway: string;
  status: PolicyStatus | undefined;
}

/**
 * The listeners of `target` on this Gateway whose protocol is not one of `protocols`: the listener
 * itself (a `sectionName`), or those of the Gateway or ListenerSet it names. Routes carry no listener here.
 */
function inapplicableListeners(
  state: GatewayState,
  target: PolicyTarget,
  protocols: readonly string[],
): readonly string[] {
  if (target.kind !== 'Gateway' && target.kind !== 'ListenerSet') return NONE;
  const setKey = `${target.namespace}/${target.name}`;
  return state.listeners
    .filter((l) => (target.kind === 'Gateway' ? !l.set : l.set?.key === setKey))
    .filter((l) => target.sectionName === undefined || l.name === target.sectionName)
    .filter((l) => l.protocol !== undefined && !protocols.includes(l.protocol))
    .map(
      (l) => `${target.kind === 'Gateway' ? 'Gateway' : 'ListenerSet'} ${setKey} listener ${l.name} (${l.protocol})`,
    );
}
