/**
 * Gateway listeners, each on its own: protocol, port, hostname, allowed route kinds, TLS and
 * pre-routing filters; then the conflicts between those that share a port. A ListenerSet's
 * listeners are evaluated the same way, after the Gateway's own and earlier sets'.
 */
import type { Gateway, RouteGroupKind } from '../../../resources/types.js';
import { GATEWAY_GROUP } from '../../../resources/types.js';
import { readGateway } from '../../../resources/read/gateway.js';
import type { GatewayListener, ListenerEntry } from '../../../resources/read/listener.js';
import type { TranslationContext } from '../context.js';
import { translateListenerFilters } from './listener-filters.js';
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
function evaluateKinds(listener: GatewayListener, protocol: SupportedProtocol | undefined) {
  const allowed = protocol ? ROUTE_KINDS_BY_PROTOCOL[protocol] : [];
  if (listener.kinds === undefined) {
    return { kinds: allowed.map((kind) => ({ group: GATEWAY_GROUP, kind })), invalid: [] as string[] };
  }
  const kinds: RouteGroupKind[] = [];
  const invalid: string[] = [];
  for (const { group, kind } of listener.kinds) {
    if (group === GATEWAY_GROUP && allowed.includes(kind)) {
      if (!kinds.some((x) => x.kind === kind)) kinds.push({ group, kind });
    } else {
      invalid.push(`${group}/${kind}`);
    }
  }
  return { kinds, invalid };
}

const PROTOCOLS: readonly SupportedProtocol[] = ['HTTP', 'HTTPS', 'TLS', 'TCP', 'UDP'];

function evaluateListener(
  ctx: TranslationContext,
  gateway: Gateway,
  listener: GatewayListener,
  index: number,
  set?: ListenerSetOrigin,
): ListenerState {
  const protocol = PROTOCOLS.find((p) => p === listener.protocol);
  const state: ListenerState = {
    index,
    allowedNamespaces: listener.allowedNamespaces,
    name: listener.name,
    id: set ? `${set.key}/${listener.name}` : listener.name,
    ...(set ? { set } : {}),
    port: listener.port,
    protocol,
    hostname: listener.hostname,
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
    reject('UnsupportedProtocol', `protocol ${listener.writtenProtocol} ${what}; use HTTP, HTTPS, TLS, TCP or UDP`);
  }
  if (listener.port === undefined) {
    reject('PortUnavailable', `port ${listener.writtenPort} is not a valid port number`);
  } else if (ctx.reservedPorts.has(listener.port)) {
    reject(
      'PortUnavailable',
      `port ${listener.port} is used by ${ctx.reservedPorts.get(listener.port)} of the Envoy serving this Gateway; choose another port`,
    );
  }
  if (listener.invalidHostname !== undefined) {
    reject('UnsupportedValue', `hostname ${listener.invalidHostname} is not a valid DNS name or wildcard`);
  }

  const { kinds, invalid } = evaluateKinds(listener, protocol);
  state.supportedKinds = kinds;
  if (invalid.length > 0) {
    state.refsProblem = {
      reason: 'InvalidRouteKinds',
      message: `route kinds ${invalid.join(', ')} are not supported on ${listener.writtenProtocol} listeners`,
    };
  }

  if ((protocol === 'TCP' || protocol === 'UDP') && state.hostname !== undefined) {
    reject('UnsupportedValue', `${protocol} listeners cannot have a hostname; remove it`);
  }
  const tls = listener.tls;
  if (protocol === 'HTTPS') {
    if (!tls) {
      reject('UnsupportedValue', 'HTTPS listeners need tls.certificateRefs');
    } else if ((tls.mode ?? 'Terminate') !== 'Terminate') {
      reject('UnsupportedValue', `tls.mode ${tls.mode} is not valid for HTTPS listeners; use Terminate`);
    } else {
      terminateTls(ctx, gateway, listener, tls, state, reject);
    }
  }
  if (protocol === 'TLS') {
    const mode = tls?.mode;
    if (tls && (mode === 'Passthrough' || mode === 'Terminate')) {
      state.tlsMode = mode;
      if (mode === 'Terminate') terminateTls(ctx, gateway, listener, tls, state, reject);
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
  const preRouting = translateListenerFilters(
    ctx,
    owner,
    state.id,
    protocol,
    listener.filters,
    reject,
    (reason, message) => {
      if (!state.refsProblem || state.refsProblem.reason === 'InvalidRouteKinds')
        state.refsProblem = { reason, message };
    },
  );
  if (preRouting && preRouting.filters.length > 0) state.preRouting = preRouting;
  return state;
}

/** A listener whose shape the translator cannot read (the file provider has no schema validation). */
function malformedListener(
  name: string | undefined,
  errors: readonly { message: string }[],
  index: number,
  set?: ListenerSetOrigin,
): ListenerState {
  const shown = name ?? `listeners[${index}]`;
  return {
    index,
    allowedNamespaces: { from: 'Same', selector: undefined },
    name: shown,
    id: set ? `${set.key}/${shown}` : shown,
    ...(set ? { set } : {}),
    port: undefined,
    protocol: undefined,
    hostname: undefined,
    supportedKinds: [],
    accepted: false,
    acceptedReason: 'Invalid',
    acceptedMessage: `listener could not be read (${errors.map((e) => e.message).join('; ')}); check it against the Gateway schema`,
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
  specs: readonly ListenerEntry[],
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

/** Each listener evaluated on its own (one that could not be read becomes a not-accepted listener). */
function evaluateEach(
  ctx: TranslationContext,
  gateway: Gateway,
  entries: readonly ListenerEntry[],
  firstIndex: number,
  set?: ListenerSetOrigin,
): ListenerState[] {
  return entries.map(({ name, listener }, i) =>
    listener.valid
      ? evaluateListener(ctx, gateway, listener.result, firstIndex + i, set)
      : malformedListener(name, listener.errors, firstIndex + i, set),
  );
}

export function evaluateListeners(ctx: TranslationContext, gateway: Gateway): ListenerState[] {
  const listeners = evaluateEach(ctx, gateway, readGateway(gateway).listeners, 0);
  markConflicts(listeners);
  markOverlappingTls(listeners);
  return listeners;
}
