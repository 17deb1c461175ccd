/**
 * Gateways that share one address: in standalone mode every Gateway's Envoy binds the host's
 * listener address, so two Gateways with a listener on the same port would both bind it (Envoy
 * sets SO_REUSEPORT) and the kernel would split connections between them. A port belongs to the
 * oldest Gateway that serves on it (creationTimestamp, then namespace/name, as for every other
 * conflict); the listeners of newer Gateways on that port are not accepted (`PortUnavailable`:
 * "the port is already in use"), their other listeners still are. When the older Gateway goes
 * away, the port passes to the next one.
 *
 * Only with `TranslateOptions.sharedAddress`: in a cluster each Gateway has a Service of its own.
 */
import { isProgrammed, rejectListener, transportOf, type ListenerState } from './listener-state.js';
import { markOverlappingTlsListeners } from './conflicts.js';
import { olderFirst } from '../routes/precedence.js';
import type { GatewayState } from '../gateway-state.js';

export function rejectPortsOfOlderGateways(states: ReadonlyMap<string, GatewayState>): void {
  const owners = new Map<string, GatewayState>();
  const portOf = (l: ListenerState) => `${l.port}/${transportOf(l.protocol)}`;
  const gateways = [...states.values()].filter((s) => s.accepted).sort((a, b) => olderFirst(a.gateway, b.gateway));
  for (const state of gateways) {
    const lost: ListenerState[] = [];
    for (const listener of state.listeners) {
      if (!isProgrammed(listener)) continue;
      const owner = owners.get(portOf(listener));
      if (!owner) continue;
      rejectListener(
        listener,
        'PortUnavailable',
        `port ${listener.port} is already used by the older Gateway ${owner.key}: ` +
          'Gateways served from one host share its address; choose another port',
      );
      lost.push(listener);
    }
    // Only what is still served claims its port.
    for (const listener of state.listeners) {
      if (isProgrammed(listener) && !owners.has(portOf(listener))) owners.set(portOf(listener), state);
    }
    if (lost.length > 0) {
      markOverlappingTlsListeners(state.listeners);
      updateListenerSets(state, lost);
    }
  }
}

/** A ListenerSet that lost listeners here says so, like one whose listeners were invalid from the start. */
function updateListenerSets(state: GatewayState, lost: readonly ListenerState[]): void {
  for (const set of state.listenerSets) {
    if (!set.attached || !set.listeners.some((l) => lost.includes(l))) continue;
    const invalid = set.listeners.filter((l) => !l.accepted);
    set.attached = invalid.length < set.listeners.length;
    set.problem = {
      reason: 'ListenersNotValid',
      message: `invalid listeners: ${invalid.map((l) => `${l.name} (${l.acceptedReason})`).join(', ')}`,
    };
  }
}
