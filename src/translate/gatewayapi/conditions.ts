/**
 * Building status conditions. The translator is pure: the time a condition changed is an input
 * (`now`), and a condition that did not change keeps the `lastTransitionTime` it already had.
 */
import type { Condition } from '../../resources/types.js';

export interface ConditionInput {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

export function condition(type: string, status: boolean, reason: string, message: string): ConditionInput {
  return { type, status, reason, message };
}

/**
 * Materialize conditions for an object of the given generation, keeping `lastTransitionTime` from
 * `previous` when type, status and reason are unchanged.
 */
export function materializeConditions(
  inputs: ConditionInput[],
  generation: number | undefined,
  previous: Condition[] | undefined,
  now: string,
): Condition[] {
  // `previous` comes from the object as written: not trusted to be a list of objects.
  const known = Array.isArray(previous) ? previous.filter((p) => typeof p === 'object' && p !== null) : [];
  return inputs.map((c) => {
    const status = c.status ? 'True' : 'False';
    const before = known.find((p) => p.type === c.type);
    const unchanged = before !== undefined && before.status === status && before.reason === c.reason;
    const out: Condition = {
      type: c.type,
      status,
      reason: c.reason,
      message: c.message,
      lastTransitionTime: unchanged && before.lastTransitionTime ? before.lastTransitionTime : now,
    };
    if (generation !== undefined) out.observedGeneration = generation;
    return out;
  });
}

/**
 * `gateway.portico.dev/<Kind>Affected`: a Portico policy of that kind applies to the Gateway or
 * ListenerSet that carries it (policy/effects.ts). ClientTrafficPolicy is listed before it lands
 * so that a condition it wrote is never taken for another controller's.
 */
export const POLICY_AFFECTED_CONDITIONS: readonly string[] = [
  'gateway.portico.dev/SecurityPolicyAffected',
  'gateway.portico.dev/BackendTrafficPolicyAffected',
  'gateway.portico.dev/ClientTrafficPolicyAffected',
];

/** Condition types Portico writes, per place; any other type there belongs to someone else. */
export const GATEWAY_CLASS_CONDITIONS: ReadonlySet<string> = new Set(['Accepted']);
export const GATEWAY_CONDITIONS: ReadonlySet<string> = new Set([
  'Accepted',
  'Programmed',
  'ResolvedRefs',
  'InsecureFrontendValidationMode',
  // Written by the Kubernetes provisioner's status step (src/infra/kubernetes/addresses.ts).
  'AddressesAssigned',
  ...POLICY_AFFECTED_CONDITIONS,
]);
export const LISTENER_CONDITIONS: ReadonlySet<string> = new Set([
  'Accepted',
  'Programmed',
  'ResolvedRefs',
  'Conflicted',
  'OverlappingTLSConfig',
]);

/**
 * `ours` laid over the conditions already there. The spec (GatewayStatus.conditions): controllers
 * "MUST NOT remove or reorder Conditions that they are not directly responsible for". So every
 * condition of a type not in `managed` stays as it is, where it is; ours take the places they had
 * (or are dropped when no longer computed), and new ones of ours follow, in our order.
 */
export function withForeignConditions(
  ours: Condition[],
  previous: readonly unknown[] | undefined,
  managed: ReadonlySet<string>,
): Condition[] {
  if (!Array.isArray(previous) || previous.length === 0) return ours;
  const byType = new Map(ours.map((c) => [c.type, c]));
  const out: Condition[] = [];
  let foreign = false;
  for (const before of previous) {
    if (typeof before !== 'object' || before === null) continue;
    const type = (before as { type?: unknown }).type;
    if (typeof type !== 'string') continue;
    if (!managed.has(type)) {
      out.push(before as Condition);
      foreign = true;
      continue;
    }
    const mine = byType.get(type);
    if (mine) {
      out.push(mine);
      byType.delete(type);
    }
  }
  if (!foreign) return ours;
  for (const c of ours) if (byType.has(c.type)) out.push(c);
  return out;
}
