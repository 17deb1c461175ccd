/**
 * Gateway listeners, each on its own: protocol, port, hostname, allowed route kinds, TLS and
 * pre-routing filters; then the conflicts between those that share a port. A ListenerSet's
 * listeners are evaluated the same way, after the Gateway's own and earlier sets'.
 */
import type { Gateway, Listener, RouteGroupKind } from '../../../resources/types.js';
import { GATEWAY_GROUP } from '../../../resources/types.js';
import type { TranslationContext } from '../context.js';
import { translateListenerFilters } from './listener-filters.js';
import { isValidHostname } from '../hostnames.js';
import { isObject, list } from '../shape.js';
import {
  ROUTE_KINDS_BY_PROTOCOL,
  rejectListener,
  terminatesTls,
  type ListenerSetOrigin,
  type ListenerState,
  type SupportedProtocol,
} from './listener-state.js';
import { terminateTls } from './terminate-tls.js';
import { markConflicts, markConflictsWithEarlier, markOverlappingTls } from './conflicts.js';

/** Protocols defined by the Gateway API that Portico does not serve yet. */
const KNOWN_UNSUPPORTED = new Set<string>();
function evaluateKinds(listener: Listener, protocol: SupportedProtocol | undefined) {
  const allowed = protocol ? ROUTE_KINDS_BY_PROTOCOL[protocol] : [];
  const requested = listener.allowedRoutes?.kinds;
  if (!Array.isArray(requested) || requested.length === 0) {
    return { kinds: allowed.map((kind) => ({ group: GATEWAY_GROUP, kind })), invalid: [] as string[] };
  }
  const kinds: RouteGroupKind[] = [];
  const invalid: string[] = [];
  for (const k of requested) {
    const group = k.group ?? GATEWAY_GROUP;
    if (group === GATEWAY_GROUP && allowed.includes(k.kind)) {
      if (!kinds.some((x) => x.kind === k.kind)) kinds.push({ group, kind: k.kind });
    } else {
      invalid.push(`${group}/${k.kind}`);
    }
  }
  return { kinds, invalid };
}

function evaluateListener(
  ctx: TranslationContext,
  gateway: Gateway,
  listener: Listener,
  index: number,
  set?: ListenerSetOrigin,
): ListenerState {
  if (typeof listener !== 'object' || listener === null || typeof listener.name !== 'string') {
    throw new Error('a listener must be an object with a name');
  }
  const protocol =
    typeof listener.protocol === 'string' && Object.hasOwn(ROUTE_KINDS_BY_PROTOCOL, listener.protocol)
      ? (listener.protocol as SupportedProtocol)
      : undefined;
  const state: ListenerState = {
    index,
    spec: listener,
    name: listener.name,
    id: set ? `${set.key}/${listener.name}` : listener.name,
    ...(set ? { set } : {}),
    port: listener.port,
    protocol,
    hostname: listener.hostname || undefined,
    supportedKinds: [],
    accepted: true,
    acceptedReason: 'Accepted',
    acceptedMessage: 'Listener is valid',
    certificates: [],
    attachedRoutes: 0,
  };
  const reject = (reason: string, message: string) => rejectListener(state, reason, message);

  if (!protocol) {
    const what = KNOWN_UNSUPPORTED.has(listener.protocol) ? 'is not supported by Portico yet' : 'is not supported';
    reject('UnsupportedProtocol', `protocol ${listener.protocol} ${what}; use HTTP, HTTPS, TLS, TCP or UDP`);
  }
  if (!Number.isInteger(listener.port) || listener.port < 1 || listener.port > 65535) {
    reject('PortUnavailable', `port ${listener.port} is not a valid port number`);
  } else if (ctx.reservedPorts.has(listener.port)) {
    reject(
      'PortUnavailable',
      `port ${listener.port} is used by ${ctx.reservedPorts.get(listener.port)} of the Envoy serving this Gateway; choose another port`,
    );
  }
  if (state.hostname !== undefined && (typeof state.hostname !== 'string' || !isValidHostname(state.hostname))) {
    reject('UnsupportedValue', `hostname ${JSON.stringify(state.hostname)} is not a valid DNS name or wildcard`);
    // Never programmed; kept out of hostname logic so that nothing downstream sees a non-string.
    state.hostname = undefined;
  }

  const { kinds, invalid } = evaluateKinds(listener, protocol);
  state.supportedKinds = kinds;
  if (invalid.length > 0) {
    state.refsProblem = {
      reason: 'InvalidRouteKinds',
      message: `route kinds ${invalid.join(', ')} are not supported on ${listener.protocol} listeners`,
    };
  }

  if ((protocol === 'TCP' || protocol === 'UDP') && state.hostname !== undefined) {
    reject('UnsupportedValue', `${protocol} listeners cannot have a hostname; remove it`);
  }
  if (protocol === 'HTTPS') {
    const tls = listener.tls;
    if (!tls) {
      reject('UnsupportedValue', 'HTTPS listeners need tls.certificateRefs');
    } else if ((tls.mode ?? 'Terminate') !== 'Terminate') {
      reject('UnsupportedValue', `tls.mode ${tls.mode} is not valid for HTTPS listeners; use Terminate`);
    } else {
      terminateTls(ctx, gateway, listener, state, reject);
    }
  }
  if (protocol === 'TLS') {
    const mode = listener.tls?.mode;
    if (mode === 'Passthrough' || mode === 'Terminate') {
      state.tlsMode = mode;
      if (mode === 'Terminate') terminateTls(ctx, gateway, listener, state, reject);
    } else {
      reject(
        'UnsupportedValue',
        mode === undefined
          ? 'TLS listeners need tls.mode (Passthrough or Terminate)'
          : `tls.mode ${JSON.stringify(mode)} is not valid; use Passthrough or Terminate`,
      );
    }
  }
  const owner = set
    ? { kind: 'ListenerSet' as const, namespace: set.namespace, name: set.name }
    : { kind: 'Gateway' as const, namespace: gateway.metadata.namespace ?? 'default', name: gateway.metadata.name };
  const preRouting = translateListenerFilters(ctx, owner, state.id, listener, reject, (reason, message) => {
    if (!state.refsProblem || state.refsProblem.reason === 'InvalidRouteKinds') state.refsProblem = { reason, message };
  });
  if (preRouting && preRouting.filters.length > 0) state.preRouting = preRouting;
  return state;
}

/** A listener whose shape the translator could not read (the file provider has no schema validation). */
function malformedListener(listener: unknown, index: number, err: unknown, set?: ListenerSetOrigin): ListenerState {
  const l = (typeof listener === 'object' && listener !== null ? listener : {}) as Partial<Listener>;
  const name = typeof l.name === 'string' ? l.name : `listeners[${index}]`;
  return {
    index,
    spec: { name: '', port: 0, protocol: '' },
    name,
    id: set ? `${set.key}/${name}` : name,
    ...(set ? { set } : {}),
    port: 0,
    protocol: undefined,
    hostname: undefined,
    supportedKinds: [],
    accepted: false,
    acceptedReason: 'Invalid',
    acceptedMessage: `listener could not be read (${err instanceof Error ? err.message : String(err)}); check it against the Gateway schema`,
    certificates: [],
    attachedRoutes: 0,
  };
}

/**
 * The listeners of a ListenerSet attached to `gateway`, numbered from `firstIndex` in the merged
 * list, with their conflicts among themselves and with `earlier`.
 */
export function evaluateListenerSetListeners(
  ctx: TranslationContext,
  gateway: Gateway,
  set: ListenerSetOrigin,
  specs: readonly unknown[],
  firstIndex: number,
  earlier: readonly ListenerState[],
): ListenerState[] {
  const listeners = evaluateEach(ctx, gateway, specs, firstIndex, set);
  // Precedence first: a listener that loses to an earlier one is out before its siblings compare,
  // so it cannot take a sibling down with it.
  markConflictsWithEarlier(listeners, earlier);
  markConflicts(listeners);
  for (const l of listeners) {
    // A ListenerSet's conflicted listener reports the conflict as the reason (ListenerSet conformance).
    if (l.conflict && !l.accepted && l.acceptedReason === 'Invalid') l.acceptedReason = l.conflict.reason;
    // A ListenerSet listener that terminates TLS without any usable certificate is not accepted.
    if (terminatesTls(l) && l.certificates.length === 0) {
      rejectListener(l, 'Invalid', l.refsProblem?.message ?? 'the listener has no usable TLS certificate');
    }
  }
  return listeners;
}

/** Listener names used more than once; the API requires unique names (status is keyed by name). */
export function duplicateListenerNames(gateway: Gateway): string[] {
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const l of list(gateway.spec?.listeners)) {
    const name = isObject(l) ? l.name : undefined;
    if (typeof name !== 'string') continue;
    if (seen.has(name)) dups.add(name);
    seen.add(name);
  }
  return [...dups].sort();
}

/** Each listener spec evaluated on its own (a malformed one becomes a not-accepted listener). */
function evaluateEach(
  ctx: TranslationContext,
  gateway: Gateway,
  specs: readonly unknown[],
  firstIndex: number,
  set?: ListenerSetOrigin,
): ListenerState[] {
  return specs.map((l, i) => {
    try {
      return evaluateListener(ctx, gateway, l as Listener, firstIndex + i, set);
    } catch (err) {
      return malformedListener(l, firstIndex + i, err, set);
    }
  });
}

export function evaluateListeners(ctx: TranslationContext, gateway: Gateway): ListenerState[] {
  const specs = Array.isArray(gateway.spec?.listeners) ? gateway.spec.listeners : [];
  const listeners = evaluateEach(ctx, gateway, specs, 0);
  markConflicts(listeners);
  markOverlappingTls(listeners);
  return listeners;
}
