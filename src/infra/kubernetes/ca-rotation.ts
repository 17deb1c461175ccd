/**
 * The staged rotation of the xDS CA (`portico certgen --rotate STEP`), with no Envoy cut off:
 *
 *   begin   a new CA is made and trusted next to the old one, by the server (`ca.crt` of
 *           `portico-xds-server`: client certificates of either CA) and by every Envoy (Portico
 *           copies `ca.crt` of `portico-xds-ca` into each Gateway's Secret: a server certificate
 *           of either CA). Nothing is signed by the new CA yet.
 *   switch  the new CA signs: the server certificate is reissued by it, and Portico reissues each
 *           Gateway's certificate. Both CAs are still trusted, so an Envoy holding an old
 *           certificate, or one that has not seen its new one yet, still connects.
 *   finish  the old CA is trusted no more.
 *
 * Each step is safe only once the one before has reached every Envoy and the server. What the
 * API server shows is checked here (`switch` refuses while a Gateway's Secret lacks the new CA,
 * `finish` while a Gateway's certificate is not signed by it); the kubelet's update of the Secret
 * mounts that follows (by default up to about 2 minutes: the kubelet's sync period and its Secret
 * cache) is not visible to the API, and is the operator's wait.
 */
import { X509Certificate } from 'node:crypto';
import { bundleHolds, joinPem, splitPem } from './ca-bundle.js';
import { certificateNames, issueCa, issueServerCertificate } from './certs.js';
import type { CaBundle, TlsBundle, XdsCertificates } from './certs.js';

export const ROTATION_STEPS = ['begin', 'switch', 'finish'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

/** A Gateway's xDS Secret as the API server has it (`namespace/name`). */
export interface GatewaySecret {
  name: string;
  bundle: Partial<TlsBundle>;
}

export interface RotationInput {
  step: RotationStep;
  existing: Partial<XdsCertificates>;
  /** The Gateways' Secrets, where they can be read (a cluster); undefined for `--out-dir`. */
  gatewaySecrets?: readonly GatewaySecret[];
  /** Names for a reissued server certificate; those of the current one when absent. */
  dnsNames?: readonly string[];
  /** Validity of a reissued server certificate (a new CA: ten times). */
  days: number;
  openssl?: string;
}

export type RotationResult =
  | { kind: 'write'; certificates: XdsCertificates; message: string }
  | { kind: 'done'; message: string }
  | { kind: 'refused'; message: string };

/** Where the rotation stands, from the CA Secret alone. */
export function rotationStage(ca: CaBundle): 'none' | 'begun' | 'switched' {
  if (ca['next.crt'] && ca['next.key']) return 'begun';
  return splitPem(ca['ca.crt']).length > 1 ? 'switched' : 'none';
}

/** Lists at most a few names, with how many more there are. */
function some(names: readonly string[]): string {
  const shown = names.slice(0, 5).join(', ');
  return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown;
}

export async function rotate(input: RotationInput): Promise<RotationResult> {
  const { ca, server } = input.existing;
  if (!ca?.['tls.crt'] || !ca['tls.key'] || !server) {
    return { kind: 'refused', message: 'there is no CA to rotate: run portico certgen first' };
  }
  const stage = rotationStage(ca);
  const trusted = joinPem(ca['ca.crt'] || ca['tls.crt']);
  switch (input.step) {
    case 'begin': {
      if (stage === 'switched') {
        return { kind: 'refused', message: 'a rotation is past its switch: run --rotate finish first' };
      }
      const next =
        stage === 'begun' ? { cert: ca['next.crt']!, key: ca['next.key']! } : await issueCa({ days: input.days });
      const trust = joinPem(ca['tls.crt'], next.cert);
      return {
        kind: 'write',
        certificates: {
          ca: {
            'ca.crt': trust,
            'tls.crt': ca['tls.crt'],
            'tls.key': ca['tls.key'],
            'next.crt': next.cert,
            'next.key': next.key,
          },
          server: { ...server, 'ca.crt': trust },
        },
        message:
          `step 1 of 3${stage === 'begun' ? ' (again; the same new CA)' : ''}: a new CA is trusted next to the ` +
          "old one; nothing is signed by it yet. Portico copies both into every Gateway's Secret. Next: once " +
          "the kubelet has updated Portico's mounts, then the Gateways' (by default up to about 2 minutes " +
          'each), run --rotate switch',
      };
    }
    case 'switch': {
      if (stage === 'switched') return { kind: 'done', message: 'the new CA signs already; next: --rotate finish' };
      if (stage === 'none') return { kind: 'refused', message: 'no rotation has begun: run --rotate begin first' };
      const next = { cert: ca['next.crt']!, key: ca['next.key']! };
      // Those of this CA's Envoys (another installation's trust neither CA).
      const lagging = (input.gatewaySecrets ?? [])
        .filter((s) => bundleHolds(s.bundle['ca.crt'] ?? '', ca['tls.crt']))
        .filter((s) => !bundleHolds(s.bundle['ca.crt'] ?? '', next.cert))
        .map((s) => s.name);
      if (lagging.length > 0) {
        return {
          kind: 'refused',
          message:
            `${lagging.length} Gateway xDS Secret(s) do not trust the new CA yet (${some(lagging)}): is Portico ` +
            'running with the mounted portico-xds-ca? Run --rotate switch again once it has updated them',
        };
      }
      const trust = joinPem(trusted, next.cert);
      const signing = { ...next, trust };
      const dnsNames = input.dnsNames ?? certificateNames(server['tls.crt']);
      const renewed = await issueServerCertificate(signing, {
        dnsNames,
        days: input.days,
        ...(input.openssl ? { openssl: input.openssl } : {}),
      });
      return {
        kind: 'write',
        certificates: { ca: { 'ca.crt': trust, 'tls.crt': next.cert, 'tls.key': next.key }, server: renewed },
        message:
          'step 2 of 3: the new CA signs (a new server certificate for ' +
          `${dnsNames.join(', ')}; Portico reissues every Gateway's certificate); both CAs are still trusted. ` +
          "Next: once every Gateway's certificate is reissued and mounted (by default up to about 2 minutes " +
          'after Portico has seen the new CA), run --rotate finish',
      };
    }
    case 'finish': {
      if (stage === 'none') return { kind: 'done', message: 'no rotation to finish: one CA is trusted' };
      if (stage === 'begun')
        return { kind: 'refused', message: 'the new CA does not sign yet: run --rotate switch first' };
      const signer = new X509Certificate(ca['tls.crt']);
      const ours = (s: GatewaySecret): boolean =>
        splitPem(trusted).some((cert) => bundleHolds(s.bundle['ca.crt'] ?? '', cert));
      const stale = (input.gatewaySecrets ?? [])
        .filter(ours)
        .filter((s) => {
          try {
            return !new X509Certificate(s.bundle['tls.crt'] ?? '').verify(signer.publicKey);
          } catch {
            return true;
          }
        })
        .map((s) => s.name);
      if (stale.length > 0) {
        return {
          kind: 'refused',
          message:
            `${stale.length} Gateway xDS Secret(s) hold a certificate the new CA did not sign (${some(stale)}): ` +
            'run --rotate finish again once Portico has reissued them',
        };
      }
      if (!new X509Certificate(server['tls.crt']).verify(signer.publicKey)) {
        return { kind: 'refused', message: 'the server certificate is not signed by the new CA: run --rotate switch' };
      }
      const only = joinPem(ca['tls.crt']);
      return {
        kind: 'write',
        certificates: {
          ca: { 'ca.crt': only, 'tls.crt': ca['tls.crt'], 'tls.key': ca['tls.key'] },
          server: { ...server, 'ca.crt': only },
        },
        message: 'step 3 of 3: the old CA is trusted no more; the rotation is done',
      };
    }
  }
}
