/**
 * Gateway listeners: protocol, hostname, TLS certificates, allowed route kinds and conflicts
 * between listeners that share a port. The result says, per listener, whether routes may attach
 * and whether it is programmed, with the conditions the spec asks for.
 */
import { translateListenerFilters, type PreRouting } from './listener-filters.js';
import type { Gateway, Listener, ListenerStatus, RouteGroupKind } from '../../resources/types.js';
import { GATEWAY_GROUP } from '../../resources/types.js';
import type { IrSecret } from '../../ir/types.js';
import type { TranslationContext } from './context.js';
import {
  condition,
  LISTENER_CONDITIONS,
  materializeConditions,
  withForeignConditions,
  type ConditionInput,
} from './conditions.js';
import { hostnameCovers, isValidHostname } from './hostnames.js';
import { resolveCertificateRef } from './certificates.js';
import { caBundle, type Validity } from './envoy-tls-rules.js';
import { clusterTrustBundlePem, isClusterTrustBundleRef } from './cluster-trust-bundles.js';
import { checkCoreReference } from './reference-grants.js';
import { isObject, list } from './shape.js';

export type SupportedProtocol = 'HTTP' | 'HTTPS' | 'TLS' | 'TCP' | 'UDP';

/** Route kinds each supported listener protocol accepts. */
const ROUTE_KINDS: Record<SupportedProtocol, readonly string[]> = {
  HTTP: ['HTTPRoute', 'GRPCRoute'],
  HTTPS: ['HTTPRoute', 'GRPCRoute'],
  TLS: ['TLSRoute'],
  TCP: ['TCPRoute'],
  UDP: ['UDPRoute'],
};

/**
 * Protocols that can share a port: HTTPS and TLS listeners are told apart by SNI on one Envoy
 * listener; HTTP and TCP take a port of their own (spec: a port shared with a TCP listener makes
 * every listener on it indistinct).
 */
const PORT_FAMILY: Record<SupportedProtocol, string> = {
  HTTP: 'HTTP',
  HTTPS: 'TLS',
  TLS: 'TLS',
  TCP: 'TCP',
  UDP: 'UDP',
};

/** UDP and TCP ports are separate: a UDP listener shares its port number with any TCP one. */
export function transportOf(protocol: SupportedProtocol | undefined): 'udp' | 'tcp' {
  return protocol === 'UDP' ? 'udp' : 'tcp';
}

/** Protocols defined by the Gateway API that Portico does not serve yet. */
const KNOWN_UNSUPPORTED = new Set<string>();

/** The ListenerSet a listener comes from (listeners of the Gateway itself have none). */
export interface ListenerSetOrigin {
  /** `<namespace>/<name>` */
  key: string;
  namespace: string;
  name: string;
}

export interface ListenerState {
  /** Position in the Gateway's merged list: its own `spec.listeners`, then its ListenerSets'. */
  index: number;
  spec: Listener;
  name: string;
  /** Unique within the Gateway, for Envoy names: the name, or `<set namespace>/<set name>/<name>`. */
  id: string;
  set?: ListenerSetOrigin;
  port: number;
  protocol: SupportedProtocol | undefined;
  /** TLS listeners: terminate TLS at Envoy, or pass the connection through as it is (by SNI). */
  tlsMode?: 'Terminate' | 'Passthrough';
  hostname: string | undefined;
  /** Route kinds that may attach (for `supportedKinds` and attachment). */
  supportedKinds: RouteGroupKind[];
  /** Accepted: the listener is valid and not conflicted; routes may attach. */
  accepted: boolean;
  acceptedReason: string;
  acceptedMessage: string;
  conflict?: { reason: 'ProtocolConflict' | 'HostnameConflict'; message: string };
  refsProblem?: { reason: string; message: string };
  /** Other HTTPS listeners on the same port whose hostnames overlap this one's (HTTP/2 connection coalescing risk). */
  overlappingTls?: string[];
  /** Usable certificates, in the listener's order. */
  certificates: IrSecret[];
  /** Usable certificates that are expired or not yet valid, said in ResolvedRefs' message. */
  certificateNotes?: string[];
  /** Validity periods of the usable certificates (the message changes when one begins or ends). */
  certificateValidity?: Validity[];
  /** Client certificate validation (`spec.tls.frontend`): the CAs to trust, and whether a certificate is required. */
  clientValidation?: { trustedCa: string; required: boolean };
  /** Its validation lets clients without a valid certificate through (AllowInsecureFallback). */
  insecureFrontendValidation?: boolean;
  attachedRoutes: number;
  /** Pre-routing filters (`filters.requests`) and the clusters they call (`listener-filters.ts`). */
  preRouting?: PreRouting;
}

export function isProgrammed(l: ListenerState): boolean {
  return (
    l.accepted &&
    l.protocol !== undefined &&
    l.supportedKinds.length > 0 &&
    (!terminatesTls(l) || l.certificates.length > 0)
  );
}

/** Envoy terminates TLS for this listener, with its certificates. */
export function terminatesTls(l: ListenerState): boolean {
  return l.protocol === 'HTTPS' || (l.protocol === 'TLS' && l.tlsMode === 'Terminate');
}

function evaluateKinds(listener: Listener, protocol: SupportedProtocol | undefined) {
  const allowed = protocol ? ROUTE_KINDS[protocol] : [];
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
    typeof listener.protocol === 'string' && Object.hasOwn(ROUTE_KINDS, listener.protocol)
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
  const reject = (reason: string, message: string) => {
    if (!state.accepted) return;
    state.accepted = false;
    state.acceptedReason = reason;
    state.acceptedMessage = message;
  };

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

/** The certificates of a listener where Envoy terminates TLS, and the client validation it asks for. */
function terminateTls(
  ctx: TranslationContext,
  gateway: Gateway,
  listener: Listener,
  state: ListenerState,
  reject: (reason: string, message: string) => void,
): void {
  const refs = Array.isArray(listener.tls?.certificateRefs) ? listener.tls.certificateRefs : [];
  if (refs.length === 0) {
    state.refsProblem ??= {
      reason: 'InvalidCertificateRef',
      message: `${listener.protocol} listener has no certificateRefs`,
    };
  }
  for (const ref of refs) {
    const owner = state.set
      ? { kind: 'ListenerSet' as const, namespace: state.set.namespace }
      : { kind: 'Gateway' as const, namespace: gateway.metadata.namespace ?? 'default' };
    const result = resolveCertificateRef(ctx, owner, ref);
    if (result.ok) {
      if (state.certificates.some((c) => c.name === result.secret.name)) continue;
      state.certificates.push(result.secret);
      if (result.note) (state.certificateNotes ??= []).push(result.note);
      (state.certificateValidity ??= []).push(result.validity);
    } else if (!state.refsProblem || state.refsProblem.reason === 'InvalidRouteKinds') {
      state.refsProblem = { reason: result.reason, message: result.message };
    }
  }
  // spec.tls.frontend speaks of listeners "handling HTTPS traffic".
  if (listener.protocol === 'HTTPS') clientValidation(ctx, gateway, listener.port, state, reject);
}

/**
 * Client certificate validation (`spec.tls.frontend`) for an HTTPS listener on `port`: the per-port
 * entry for the port, else the default. CA bundles come from ConfigMaps (`ca.crt`) in the Gateway's
 * namespace, or in another one a ReferenceGrant opens, and from ClusterTrustBundles. An invalid ref is reported on the listener
 * (ResolvedRefs=False); when none is valid the listener is not accepted (NoValidCACertificate) —
 * never served without the check it was configured with.
 */
function clientValidation(
  ctx: TranslationContext,
  gateway: Gateway,
  port: number,
  state: ListenerState,
  reject: (reason: string, message: string) => void,
): void {
  type Validation = { caCertificateRefs?: unknown; mode?: unknown };
  type FrontendConfig = { validation?: Validation };
  const frontend = (gateway.spec as { tls?: { frontend?: unknown } } | undefined)?.tls?.frontend as
    { default?: FrontendConfig; perPort?: unknown } | undefined;
  if (typeof frontend !== 'object' || frontend === null) return;
  const perPort = Array.isArray(frontend.perPort)
    ? (frontend.perPort as { port?: unknown; tls?: FrontendConfig }[])
    : [];
  const entry = perPort.find((p) => typeof p === 'object' && p !== null && p.port === port);
  const config: unknown = entry ? entry.tls : frontend.default;
  if (config === undefined || config === null) return;
  // A malformed entry (no schema check in files) must not turn a configured check off.
  const validation: unknown = isObject(config) ? (config as FrontendConfig).validation : 'malformed';
  if (validation === undefined || validation === null) return;
  if (!isObject(validation)) {
    reject(
      'UnsupportedValue',
      `spec.tls.frontend for port ${port} is malformed; the listener is not served without the client check`,
    );
    return;
  }
  const refsGiven = (validation as Validation).caCertificateRefs;
  const mode = (validation as Validation).mode ?? 'AllowValidOnly';
  if (mode !== 'AllowValidOnly' && mode !== 'AllowInsecureFallback') {
    reject('UnsupportedValue', `spec.tls.frontend validation mode ${JSON.stringify(mode)} is not supported`);
    return;
  }
  const gatewayNamespace = gateway.metadata.namespace ?? 'default';
  const bundles: string[] = [];
  const problems: { reason: string; message: string }[] = [];
  if (!Array.isArray(refsGiven) || refsGiven.length === 0) {
    problems.push({
      reason: 'InvalidCACertificateRef',
      message: 'spec.tls.frontend validation has no caCertificateRefs',
    });
  }
  for (const r of list(refsGiven as unknown[])) {
    if (!isObject(r) || typeof (r as { name?: unknown }).name !== 'string') {
      problems.push({ reason: 'InvalidCACertificateRef', message: 'a caCertificateRef has no name' });
      continue;
    }
    const ref = r as { group?: string; kind?: string; name: string; namespace?: string };
    if (isClusterTrustBundleRef(ref)) {
      // Cluster-scoped: "the namespace field MUST be unset" (the CRD's rule; a file is not checked).
      const bundle =
        ref.namespace === undefined
          ? clusterTrustBundlePem(ctx, ref.name)
          : {
              problem: `ClusterTrustBundle ${ref.name} is cluster-scoped: its caCertificateRef must not set namespace`,
            };
      if (typeof bundle === 'string') bundles.push(bundle);
      else problems.push({ reason: 'InvalidCACertificateRef', message: bundle.problem });
      continue;
    }
    const check = checkCoreReference(
      ctx,
      { kind: 'Gateway', namespace: gatewayNamespace },
      { ...ref, kind: ref.kind ?? 'ConfigMap' },
      'ConfigMap',
      'caCertificateRef',
    );
    if (!check.ok) {
      problems.push({
        reason: check.problem === 'kind' ? 'InvalidCACertificateKind' : 'RefNotPermitted',
        message: check.message,
      });
      continue;
    }
    const configMap = ctx.configMaps.get(`${check.namespace}/${ref.name}`);
    const bundle = configMap ? caBundle(configMap.data?.['ca.crt']) : { problem: 'does not exist' };
    if (typeof bundle !== 'string') {
      problems.push({ reason: 'InvalidCACertificateRef', message: `ConfigMap ${check.label} ${bundle.problem}` });
      continue;
    }
    bundles.push(bundle);
  }
  if (problems.length > 0) {
    state.refsProblem = { reason: problems[0]!.reason, message: problems.map((p) => p.message).join('; ') };
  }
  if (bundles.length === 0) {
    reject(
      'NoValidCACertificate',
      `no caCertificateRef of spec.tls.frontend gives a usable CA certificate for port ${port}; the listener is not served without the client check`,
    );
    return;
  }
  state.clientValidation = { trustedCa: bundles.join(''), required: mode === 'AllowValidOnly' };
  if (mode === 'AllowInsecureFallback') state.insecureFrontendValidation = true;
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

/** Marks listeners that are not distinct: all of them, never a winner (spec: "Handling indistinct Listeners"). */
function markConflicts(listeners: ListenerState[]): void {
  const byPort = new Map<string, ListenerState[]>();
  for (const l of listeners) {
    if (!l.accepted || !l.protocol) continue;
    const key = `${l.port}/${transportOf(l.protocol)}`;
    const list = byPort.get(key) ?? [];
    list.push(l);
    byPort.set(key, list);
  }
  for (const group of byPort.values()) {
    const port = group[0]!.port;
    const protocols = new Set(group.map((l) => l.protocol));
    const families = new Set(group.map((l) => PORT_FAMILY[l.protocol!]));
    if (families.size > 1) {
      for (const l of group) {
        l.conflict = {
          reason: 'ProtocolConflict',
          message: `port ${port} is used by listeners with different protocols (${[...protocols].sort().join(', ')})`,
        };
      }
      continue;
    }
    const byHost = new Map<string, ListenerState[]>();
    for (const l of group) {
      const key = l.hostname ?? '';
      byHost.set(key, [...(byHost.get(key) ?? []), l]);
    }
    for (const [host, same] of byHost) {
      if (same.length < 2) continue;
      const names = same.map((l) => l.name).join(', ');
      // HTTPS and TLS listeners told apart only by protocol: the protocols are what collide.
      const mixed = new Set(same.map((l) => l.protocol)).size > 1;
      for (const l of same) {
        l.conflict = mixed
          ? {
              reason: 'ProtocolConflict',
              message: `listeners ${names} on port ${port} share the hostname ${host === '' ? '(none)' : host} with different protocols (${[...new Set(same.map((x) => x.protocol))].sort().join(', ')}); SNI cannot tell them apart`,
            }
          : {
              reason: 'HostnameConflict',
              message: `listeners ${names} on port ${port} share the hostname ${host === '' ? '(none)' : host}`,
            };
      }
    }
  }
  for (const l of listeners) {
    if (l.conflict && l.accepted) {
      l.accepted = false;
      l.acceptedReason = 'Invalid';
      l.acceptedMessage = l.conflict.message;
    }
  }
}

/**
 * A ListenerSet's listeners against the listeners already in the Gateway's merged list (the
 * Gateway's own, then earlier ListenerSets'): the earlier one keeps its port and hostname, the
 * later one is Conflicted (GEP-1713 precedence; within one owner no listener wins).
 */
function markConflictsWithEarlier(listeners: ListenerState[], earlier: readonly ListenerState[]): void {
  for (const l of listeners) {
    // Another tenant's ListenerSet is not named to this one (the spec asks for care with siblings).
    const describe = (e: ListenerState) =>
      !e.set
        ? `the Gateway's listener ${e.name}`
        : e.set.namespace === l.set?.namespace
          ? `listener ${e.name} of ListenerSet ${e.set.key}`
          : 'a listener of an earlier ListenerSet';
    if (!l.accepted || !l.protocol) continue;
    for (const e of earlier) {
      if (!e.accepted || !e.protocol || e.port !== l.port || transportOf(e.protocol) !== transportOf(l.protocol)) {
        continue;
      }
      if (PORT_FAMILY[e.protocol] !== PORT_FAMILY[l.protocol]) {
        l.conflict = {
          reason: 'ProtocolConflict',
          message: `port ${l.port} is used by ${describe(e)} with protocol ${e.protocol}, which takes precedence`,
        };
      } else if ((e.hostname ?? '') === (l.hostname ?? '')) {
        l.conflict = {
          reason: e.protocol === l.protocol ? 'HostnameConflict' : 'ProtocolConflict',
          message: `${describe(e)} on port ${l.port} has the same hostname ${l.hostname ?? '(none)'} and takes precedence`,
        };
      } else continue;
      l.accepted = false;
      l.acceptedReason = 'Invalid';
      l.acceptedMessage = l.conflict.message;
      break;
    }
  }
}

/**
 * The listeners of a ListenerSet attached to `gateway`, numbered from `firstIndex` in the merged
 * list, with their conflicts among themselves and with `earlier`.
 */
export function evaluateListenerSetListeners(
  ctx: TranslationContext,
  gateway: Gateway,
  set: ListenerSetOrigin,
  specs: unknown[],
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
    if (l.accepted && terminatesTls(l) && l.certificates.length === 0) {
      l.accepted = false;
      l.acceptedReason = 'Invalid';
      l.acceptedMessage = l.refsProblem?.message ?? 'the listener has no usable TLS certificate';
    }
  }
  return listeners;
}

/**
 * HTTPS listeners on one port whose hostnames overlap (`*.example.com` and `a.example.com`, or one
 * without a hostname) get `OverlappingTLSConfig`: a browser may reuse an HTTP/2 connection across them.
 */
function markOverlappingTls(listeners: ListenerState[]): void {
  const https = listeners.filter((l) => l.accepted && l.protocol === 'HTTPS');
  for (const a of https) {
    const overlaps = https.filter(
      (b) =>
        b !== a &&
        b.port === a.port &&
        (a.hostname === undefined ||
          b.hostname === undefined ||
          hostnameCovers(a.hostname, b.hostname) ||
          hostnameCovers(b.hostname, a.hostname)),
    );
    if (overlaps.length > 0) a.overlappingTls = overlaps.map((b) => b.name);
  }
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

/** Marks HTTPS listeners of the merged list whose hostnames overlap on a port. */
export function markOverlappingTlsListeners(listeners: ListenerState[]): void {
  for (const l of listeners) delete l.overlappingTls;
  markOverlappingTls(listeners);
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
  const prevListeners = list(previous as unknown[] | undefined).filter((l) => isObject(l)) as ListenerStatus[];
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
