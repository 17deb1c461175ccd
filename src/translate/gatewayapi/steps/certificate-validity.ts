/** When statuses computed now stop being true because a listener certificate starts or ends being valid. */
import type { GatewayState } from '../gateway-state.js';

/** The earliest start or end of a listener certificate's validity after `time` (RFC 3339). */
export function nextValidityChange(states: Iterable<GatewayState>, time: string): string | undefined {
  const after = Date.parse(time);
  let next: number | undefined;
  for (const state of states) {
    for (const listener of [...state.listeners, ...state.listenerSets.flatMap((set) => set.listeners)]) {
      for (const validity of listener.certificateValidity ?? []) {
        // Valid from notBefore through notAfter, both included: expired one second after.
        for (const at of [Date.parse(validity.notBefore), Date.parse(validity.notAfter) + 1000]) {
          if (at > after && (next === undefined || at < next)) next = at;
        }
      }
    }
  }
  return next === undefined ? undefined : new Date(next).toISOString().replace(/\.000Z$/, 'Z');
}
