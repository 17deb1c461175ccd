/**
 * A Gateway's IR with the ClientTrafficPolicy settings of its listeners laid in.
 *
 * Envoy has one listener per port, and on an HTTP port one connection manager for every Gateway
 * listener there: what is set per Envoy listener (PROXY protocol, buffer limit, keepalive) and on
 * a shared HTTP chain comes from the policy of the port's first Gateway listener (Envoy Gateway
 * builds the port from its first listener too). Each HTTPS, TLS and TCP Gateway listener has
 * chains of its own, which take its own policy. A policy whose listener is not the first on a
 * shared port is told so in its status (`notes`).
 *
 * Tenancy: the port's first listener decides for the whole port only when every listener there is
 * the same owner's (the Gateway's own listeners come first, so a Gateway listener's policy is the
 * Gateway owner's; ListenerSets' listeners only when they are all of one namespace). Otherwise a
 * ListenerSet's owner could choose, for another namespace's listeners, the header its clients'
 * addresses are read from, headers set before routing, or PROXY protocol: the port then keeps
 * the Gateway's own policy (its owner's), or Portico's defaults, and the policy is told so.
 */
import type { IrFilterChain, IrGateway, IrListener } from '../../../ir/types.js';
import { isProgrammed, transportOf, type ServedListener } from '../listeners/listener-state.js';
import type { GatewayState } from '../gateway-state.js';
import { filterChainName } from '../names.js';
import type { ClientTrafficParts } from './client-traffic-ir.js';

/** Per policy key, what of it does not apply where. */
export type ClientTrafficNotes = Map<string, Set<string>>;

function note(notes: ClientTrafficNotes, policy: string, text: string): void {
  let set = notes.get(policy);
  if (!set) notes.set(policy, (set = new Set()));
  set.add(text);
}

/** The Gateway listener whose chain it is: named for it (`<gateway>/<id>`, or below it), else the port's first. */
function ownerOfChain(gw: string, chain: IrFilterChain, onPort: readonly ServedListener[]): ServedListener {
  let owner: ServedListener | undefined;
  for (const l of onPort) {
    const name = filterChainName(gw, l.id);
    if (chain.name !== name && !chain.name.startsWith(`${name}/`)) continue;
    if (!owner || l.id.length > owner.id.length) owner = l;
  }
  return owner ?? onPort[0]!;
}

function withChainParts(chain: IrFilterChain, parts: ClientTrafficParts | undefined): IrFilterChain {
  if (!parts) return chain;
  const out: IrFilterChain = { ...chain };
  if (parts.connectionLimit) out.connectionLimit = parts.connectionLimit;
  if (parts.tls && chain.tls) {
    out.tls = {
      ...chain.tls,
      ...(parts.tls.params ? { params: parts.tls.params } : {}),
      ...(parts.tls.alpnProtocols ? { alpnProtocols: parts.tls.alpnProtocols } : {}),
    };
  }
  if (parts.hcm && chain.http) out.http = { ...chain.http, clientTraffic: parts.hcm };
  if (parts.tcpIdleTimeoutMs !== undefined && chain.tcp) {
    out.tcp = { ...chain.tcp, idleTimeoutMs: parts.tcpIdleTimeoutMs };
  }
  return out;
}

export function withClientTraffic(
  ir: IrGateway,
  state: GatewayState,
  partsOf: (listener: ServedListener) => ClientTrafficParts | undefined,
  notes: ClientTrafficNotes,
  /** The settings of the policy on the Gateway itself (its owner's), if any. */
  gatewayParts?: ClientTrafficParts,
): IrGateway {
  const programmed = state.listeners.filter(isProgrammed).filter((l) => transportOf(l.protocol) === 'tcp');
  let changed = false;
  const listeners = ir.listeners.map((listener): IrListener => {
    if (listener.udp) return listener;
    const onPort = programmed.filter((l) => l.port === listener.port).sort((a, b) => a.index - b.index);
    const first = onPort[0];
    if (!first) return listener;
    const ownParts = partsOf(first);
    const owner = first.set?.namespace;
    const oneOwner = owner === undefined || onPort.every((l) => l.set?.namespace === owner);
    const firstParts = oneOwner ? ownParts : gatewayParts;
    const sharedChain = listener.protocol === 'HTTP';
    if (!oneOwner && ownParts && ownParts !== gatewayParts && (sharedChain || ownParts.listener)) {
      note(
        notes,
        ownParts.policy,
        `its ${sharedChain ? '' : 'listener-wide '}settings do not apply to port ${first.port}: listeners of other namespaces' ListenerSets share it, and a port shared by several owners takes only the Gateway's own policy`,
      );
    }
    for (const l of onPort.slice(1)) {
      const parts = partsOf(l);
      if (!parts || parts.policy === firstParts?.policy || parts === ownParts) continue;
      const what = sharedChain
        ? 'its settings'
        : 'its listener-wide settings (PROXY protocol, bufferLimit, tcpKeepalive)';
      if (sharedChain || parts.listener) {
        const from = firstParts ? `policy ${firstParts.policy}` : "Portico's defaults";
        note(
          notes,
          parts.policy,
          `${what} do not apply to listener ${l.id}: it shares port ${l.port} with listener ${first.id}, and the port takes ${from} from it`,
        );
      }
    }
    const chains = listener.filterChains.map((chain) =>
      withChainParts(chain, sharedChain ? firstParts : partsOf(ownerOfChain(ir.name, chain, onPort))),
    );
    const same = chains.every((c, i) => c === listener.filterChains[i]) && !firstParts?.listener;
    if (same) return listener;
    changed = true;
    return {
      ...listener,
      filterChains: chains,
      ...(firstParts?.listener ? { clientTraffic: firstParts.listener } : {}),
    };
  });
  return changed ? { ...ir, listeners } : ir;
}
