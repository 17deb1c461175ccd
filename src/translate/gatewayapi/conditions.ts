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
  return inputs.map((c) => {
    const status = c.status ? 'True' : 'False';
    const before = previous?.find((p) => p.type === c.type);
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
