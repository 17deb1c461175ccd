/**
 * Conflicts between listeners that share a port: indistinct listeners of one owner (none wins),
 * a ListenerSet's listeners against earlier ones (the earlier wins), and HTTPS listeners whose
 * hostnames overlap (a warning, not a conflict).
 */
import { hostnameCovers } from '../hostnames.js';
import { rejectListener, transportOf, type ListenerState, type SupportedProtocol } from './listener-state.js';

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

/** Marks listeners that are not distinct: all of them, never a winner (spec: "Handling indistinct Listeners"). */
export function markConflicts(listeners: ListenerState[]): void {
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
    if (l.conflict) rejectListener(l, 'Invalid', l.conflict.message);
  }
}

/**
 * A ListenerSet's listeners against the listeners already in the Gateway's merged list (the
 * Gateway's own, then earlier ListenerSets'): the earlier one keeps its port and hostname, the
 * later one is Conflicted (GEP-1713 precedence; within one owner no listener wins).
 */
export function markConflictsWithEarlier(listeners: ListenerState[], earlier: readonly ListenerState[]): void {
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
      rejectListener(l, 'Invalid', l.conflict.message);
      break;
    }
  }
}

/**
 * HTTPS listeners on one port whose hostnames overlap (`*.example.com` and `a.example.com`, or one
 * without a hostname) get `OverlappingTLSConfig`: a browser may reuse an HTTP/2 connection across them.
 */
export function markOverlappingTls(listeners: ListenerState[]): void {
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

/** Marks HTTPS listeners of the merged list whose hostnames overlap on a port. */
export function markOverlappingTlsListeners(listeners: ListenerState[]): void {
  for (const l of listeners) delete l.overlappingTls;
  markOverlappingTls(listeners);
}
