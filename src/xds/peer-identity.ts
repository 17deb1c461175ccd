/**
 * The identity an xDS client proved with its TLS client certificate, and whether it may be served
 * the Gateway it claims.
 *
 * Portico issues each Gateway's Envoys a certificate (src/infra/kubernetes/certs.ts) naming the
 * Gateway in one URI SAN, `spiffe://portico.dev/ns/<namespace>/gateway/<name>`. A stream is served
 * only the Gateway its certificate names: `node.cluster` is a claim, the certificate is the proof.
 * Each name is one path segment, percent-encoded, so no name (dots, slashes, anything) can make one
 * URI read as another Gateway's.
 *
 * Pure: no I/O, no grpc-js (server.ts reads the peer certificate and hands its SAN string here).
 */
import type { GatewayKey } from './contract.js';

export const IDENTITY_TRUST_DOMAIN = 'portico.dev';
const PREFIX = `spiffe://${IDENTITY_TRUST_DOMAIN}/`;
/** Characters `encodeURIComponent` leaves, plus its escapes: a segment Portico wrote. */
const SEGMENT = /^(?:[A-Za-z0-9\-_.!~*'()]|%[0-9A-F]{2})+$/;

/** The URI SAN of a Gateway's xDS client certificate. */
export function gatewayIdentityUri(gateway: GatewayKey): string {
  const slash = gateway.indexOf('/');
  if (slash <= 0 || slash === gateway.length - 1) throw new Error(`not a <namespace>/<name> Gateway key: ${gateway}`);
  const namespace = gateway.slice(0, slash);
  const name = gateway.slice(slash + 1);
  return `${PREFIX}ns/${encodeURIComponent(namespace)}/gateway/${encodeURIComponent(name)}`;
}

/** The Gateway a URI names, if it is a Portico Gateway identity (exactly the form above). */
export function gatewayOfIdentityUri(uri: string): GatewayKey | undefined {
  if (!uri.startsWith(PREFIX)) return undefined;
  const parts = uri.slice(PREFIX.length).split('/');
  if (parts.length !== 4 || parts[0] !== 'ns' || parts[2] !== 'gateway') return undefined;
  const [, namespace, , name] = parts as [string, string, string, string];
  if (!SEGMENT.test(namespace) || !SEGMENT.test(name)) return undefined;
  try {
    const key = `${decodeURIComponent(namespace)}/${decodeURIComponent(name)}`;
    // Only the canonical encoding: one Gateway, one URI.
    return gatewayIdentityUri(key) === uri ? key : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The entries of a Node.js `subjectaltname` string (`DNS:a, URI:b`). Node writes a value that
 * holds a separator or a quote as a JSON string (`URI:"a, b"`), so a value is read as JSON when it
 * is quoted: no SAN can smuggle a second entry in through a comma.
 */
export function subjectAltNames(text: string): { type: string; value: string }[] | undefined {
  const out: { type: string; value: string }[] = [];
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon < 0) return undefined;
    const type = text.slice(i, colon);
    let j = colon + 1;
    let value: string;
    if (text[j] === '"') {
      let k = j + 1;
      while (k < text.length && text[k] !== '"') k += text[k] === '\\' ? 2 : 1;
      if (k >= text.length) return undefined;
      try {
        value = JSON.parse(text.slice(j, k + 1)) as string;
      } catch {
        return undefined;
      }
      j = k + 1;
    } else {
      const end = text.indexOf(', ', j);
      value = text.slice(j, end < 0 ? text.length : end);
      j = end < 0 ? text.length : end;
    }
    out.push({ type, value });
    if (j >= text.length) break;
    if (!text.startsWith(', ', j)) return undefined;
    i = j + 2;
  }
  return out;
}

/** What a client proved: a Gateway, or why it proved none. */
export type PeerIdentity =
  { kind: 'gateway'; gateway: GatewayKey } | { kind: 'none'; reason: DenialReason; detail: string };

/** Why a stream is refused (the `reason` label of the denial counter). */
export type DenialReason = 'no_certificate' | 'no_gateway_identity' | 'ambiguous_identity' | 'gateway_mismatch';

/** The identity of a verified peer certificate (Node's `PeerCertificate`, or undefined without one). */
export function peerIdentity(certificate: { subjectaltname?: string } | undefined): PeerIdentity {
  if (!certificate) return { kind: 'none', reason: 'no_certificate', detail: 'the client presented no certificate' };
  const entries = subjectAltNames(certificate.subjectaltname ?? '') ?? [];
  const gateways = new Set<GatewayKey>();
  let portico = 0;
  for (const { type, value } of entries) {
    if (type !== 'URI' || !value.startsWith(PREFIX)) continue;
    portico++;
    const gateway = gatewayOfIdentityUri(value);
    if (gateway !== undefined) gateways.add(gateway);
  }
  if (portico > 1 || (portico === 1 && gateways.size === 0)) {
    return {
      kind: 'none',
      reason: 'ambiguous_identity',
      detail: `the certificate's ${PREFIX} URI SANs do not name exactly one Gateway`,
    };
  }
  const [gateway] = gateways;
  if (gateway === undefined) {
    return {
      kind: 'none',
      reason: 'no_gateway_identity',
      detail: `the certificate names no Gateway (a URI SAN ${PREFIX}ns/<namespace>/gateway/<name>)`,
    };
  }
  return { kind: 'gateway', gateway };
}

/** Why `identity` may not be served `claimed` (`node.cluster`); undefined when it may. */
export function deniedClaim(
  identity: PeerIdentity,
  claimed: GatewayKey,
): { reason: DenialReason; message: string } | undefined {
  if (identity.kind === 'none') {
    return {
      reason: identity.reason,
      message: `xDS stream refused for ${JSON.stringify(claimed)}: ${identity.detail}`,
    };
  }
  if (identity.gateway === claimed) return undefined;
  return {
    reason: 'gateway_mismatch',
    message: `xDS stream refused: node.cluster ${JSON.stringify(claimed)} is not the Gateway of the client certificate (${identity.gateway})`,
  };
}
