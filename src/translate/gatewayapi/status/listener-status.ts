/** The status entries of listeners (a Gateway's `status.listeners`, a ListenerSet's) and their conditions. */
import type { ListenerStatus } from '../../../resources/types.js';
import {
  condition,
  LISTENER_CONDITIONS,
  materializeConditions,
  withForeignConditions,
  type ConditionInput,
} from '../conditions.js';
import { readListenerStatuses } from '../../../resources/read/previous-status.js';
import { isProgrammed, type ListenerState } from '../listeners/listener-state.js';

/**
 * The `status.listeners` entries of a Gateway or a ListenerSet: each listener with its supported
 * kinds, attached routes and conditions (keeping the times of those that did not change, and
 * conditions of types Portico does not write).
 */
export function listenerStatuses(
  listeners: readonly ListenerState[],
  previous: unknown,
  generation: number | undefined,
  now: string,
  attachedRoutes: (l: ListenerState) => number,
): ListenerStatus[] {
  const prevListeners = readListenerStatuses(previous);
  return listeners.map((l) => {
    const before = prevListeners.find((p) => p.name === l.name)?.conditions;
    return {
      name: l.name,
      supportedKinds: l.supportedKinds,
      attachedRoutes: attachedRoutes(l),
      conditions: withForeignConditions(
        materializeConditions(listenerConditions(l), generation, before, now),
        before,
        LISTENER_CONDITIONS,
      ),
    };
  });
}

export function listenerConditions(l: ListenerState): ConditionInput[] {
  const programmed = isProgrammed(l);
  let programmedMessage = 'Listener is programmed';
  if (!programmed) {
    if (!l.accepted) programmedMessage = `Listener is not accepted: ${l.acceptedMessage}`;
    else if (l.supportedKinds.length === 0) programmedMessage = 'Listener supports none of the requested route kinds';
    else programmedMessage = 'Listener has no usable TLS certificate';
  }
  const overlapping = l.overlappingTls
    ? [
        condition(
          'OverlappingTLSConfig',
          true,
          'OverlappingHostnames',
          `hostname overlaps with HTTPS listeners ${l.overlappingTls.join(', ')} on port ${l.port}`,
        ),
      ]
    : [];
  // ListenerSet listeners carry a conflict's reason into Programmed too (ListenerSet conformance).
  const notProgrammedReason = l.set && l.conflict ? l.conflict.reason : 'Invalid';
  return [
    condition('Accepted', l.accepted, l.acceptedReason, l.acceptedMessage),
    condition(
      'Conflicted',
      l.conflict !== undefined,
      l.conflict?.reason ?? 'NoConflicts',
      l.conflict?.message ?? 'No conflicts',
    ),
    condition('Programmed', programmed, programmed ? 'Programmed' : notProgrammedReason, programmedMessage),
    condition(
      'ResolvedRefs',
      l.refsProblem === undefined,
      l.refsProblem?.reason ?? 'ResolvedRefs',
      [l.refsProblem?.message ?? 'All references are resolved', ...(l.certificateNotes ?? [])].join('; '),
    ),
    ...overlapping,
  ];
}
