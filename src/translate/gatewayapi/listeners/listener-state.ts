/**
 * What Portico knows of one listener once evaluated: its protocol, hostname, certificates,
 * allowed route kinds, conflicts and problems; and whether routes reach Envoy through it.
 */
import type { RouteGroupKind } from '../../../resources/types.js';
import type { AllowedNamespaces } from '../../../resources/read/listener.js';
import type { IrSecret } from '../../../ir/types.js';
import type { PreRouting } from './listener-filters.js';
import type { Validity } from '../envoy-tls-rules.js';

export type SupportedProtocol = 'HTTP' | 'HTTPS' | 'TLS' | 'TCP' | 'UDP';

/** Route kinds (of the kind table's routes) each supported listener protocol accepts. */
export const ROUTE_KINDS_BY_PROTOCOL: Record<SupportedProtocol, readonly string[]> = {
  HTTP: ['HTTPRoute', 'GRPCRoute'],
  HTTPS: ['HTTPRoute', 'GRPCRoute'],
  TLS: ['TLSRoute'],
  TCP: ['TCPRoute'],
  UDP: ['UDPRoute'],
};

/** UDP and TCP ports are separate: a UDP listener shares its port number with any TCP one. */
export function transportOf(protocol: SupportedProtocol | undefined): 'udp' | 'tcp' {
  return protocol === 'UDP' ? 'udp' : 'tcp';
}

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
  /** The namespaces routes may attach from (`allowedRoutes.namespaces`). */
  allowedNamespaces: AllowedNamespaces;
  name: string;
  /** Unique within the Gateway, for Envoy names: the name, or `<set namespace>/<set name>/<name>`. */
  id: string;
  set?: ListenerSetOrigin;
  /** Undefined when the listener has no valid port (it is then not accepted). */
  port: number | undefined;
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

/** A listener routes reach Envoy through: accepted, so its port is a valid one. */
export type ServedListener = ListenerState & { port: number };

export function isProgrammed(l: ListenerState): l is ServedListener {
  return (
    l.accepted &&
    l.port !== undefined &&
    l.protocol !== undefined &&
    l.supportedKinds.length > 0 &&
    (!terminatesTls(l) || l.certificates.length > 0)
  );
}

/**
 * Takes a listener out (Accepted=False): the one place a listener stops being accepted. The first
 * reason found is the one reported; a listener already out keeps it.
 */
export function rejectListener(l: ListenerState, reason: string, message: string): void {
  if (!l.accepted) return;
  l.accepted = false;
  l.acceptedReason = reason;
  l.acceptedMessage = message;
}

/** Envoy terminates TLS for this listener, with its certificates. */
export function terminatesTls(l: ListenerState): boolean {
  return l.protocol === 'HTTPS' || (l.protocol === 'TLS' && l.tlsMode === 'Terminate');
}
