/**
 * TLS certificate references of HTTPS listeners: Secrets of type kubernetes.io/tls, in the
 * Gateway's namespace or allowed by a ReferenceGrant, holding a certificate and key that parse
 * and belong together (Envoy rejects the whole listener otherwise).
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { Secret, SecretObjectReference } from '../../resources/types.js';
import type { IrSecret } from '../../ir/types.js';
import { objectKey, type TranslationContext } from './context.js';
import { checkCoreReference } from './reference-grants.js';
import { secretName } from './names.js';

export type CertificateResult =
  { ok: true; secret: IrSecret } | { ok: false; reason: 'InvalidCertificateRef' | 'RefNotPermitted'; message: string };

function secretField(secret: Secret, key: string): string | undefined {
  const fromString = secret.stringData?.[key];
  if (typeof fromString === 'string') return fromString;
  const encoded = secret.data?.[key];
  if (typeof encoded !== 'string') return undefined;
  return Buffer.from(encoded, 'base64').toString('utf8');
}

/** Why a certificate/key pair would be rejected by Envoy, or undefined if it is usable. */
export function checkKeyPair(certificateChain: string, privateKey: string): string | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certificateChain);
  } catch {
    return 'tls.crt is not a PEM-encoded X.509 certificate';
  }
  try {
    const key = createPrivateKey(privateKey);
    if (!cert.checkPrivateKey(key)) return 'tls.key does not match the certificate in tls.crt';
  } catch {
    return 'tls.key is not a PEM-encoded private key';
  }
  return undefined;
}

/**
 * `owner` is the object the listener belongs to: its Gateway, or a ListenerSet (whose listeners
 * reach Secrets of their own namespace, and others through ReferenceGrants from ListenerSets).
 */
export function resolveCertificateRef(
  ctx: TranslationContext,
  owner: { kind: 'Gateway' | 'ListenerSet'; namespace: string },
  ref: SecretObjectReference,
): CertificateResult {
  const check = checkCoreReference(ctx, owner, ref, 'Secret', 'certificateRef');
  if (!check.ok) {
    return {
      ok: false,
      reason: check.problem === 'kind' ? 'InvalidCertificateRef' : 'RefNotPermitted',
      message: check.message,
    };
  }
  const { namespace, label } = check;
  const secret = ctx.secrets.get(objectKey(namespace, ref.name));
  if (!secret) return { ok: false, reason: 'InvalidCertificateRef', message: `Secret ${label} does not exist` };
  if (secret.type !== 'kubernetes.io/tls') {
    return {
      ok: false,
      reason: 'InvalidCertificateRef',
      message: `Secret ${label} is of type ${secret.type ?? 'Opaque'}, not kubernetes.io/tls`,
    };
  }
  const certificateChain = secretField(secret, 'tls.crt');
  const privateKey = secretField(secret, 'tls.key');
  if (!certificateChain || !privateKey) {
    return { ok: false, reason: 'InvalidCertificateRef', message: `Secret ${label} must hold tls.crt and tls.key` };
  }
  const problem = checkKeyPair(certificateChain, privateKey);
  if (problem) return { ok: false, reason: 'InvalidCertificateRef', message: `Secret ${label}: ${problem}` };
  return {
    ok: true,
    secret: {
      name: secretName(namespace, ref.name),
      source: { kind: 'Secret', namespace, name: ref.name },
      certificateChain,
      privateKey,
    },
  };
}
