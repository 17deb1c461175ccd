/**
 * TLS certificate references of HTTPS listeners: Secrets of type kubernetes.io/tls, in the
 * Gateway's namespace or allowed by a ReferenceGrant, holding a certificate and key Envoy takes
 * (`envoy-tls-rules.ts`: one it refuses would make it reject every secret of the update).
 */
import type { Secret, SecretObjectReference } from '../../../resources/types.js';
import type { IrSecret } from '../../../ir/types.js';
import { objectKey, type TranslationContext } from '../context.js';
import { checkCoreReference } from './reference-grants.js';
import { secretName } from '../names.js';
import { checkServingPair, validityNote, type Validity } from '../envoy-tls-rules.js';

export type CertificateResult =
  | {
      ok: true;
      secret: IrSecret;
      /** Said in the listener's status: the certificate is expired or not yet valid (Envoy serves it anyway). */
      note?: string;
      /** When the certificate becomes valid and expires. */
      validity: Validity;
    }
  | { ok: false; reason: 'InvalidCertificateRef' | 'RefNotPermitted'; message: string };

function secretField(secret: Secret, key: string): string | undefined {
  const fromString = secret.stringData?.[key];
  if (typeof fromString === 'string') return fromString;
  const encoded = secret.data?.[key];
  if (typeof encoded !== 'string') return undefined;
  return Buffer.from(encoded, 'base64').toString('utf8');
}

/**
 * `owner` is the object the listener belongs to: its Gateway, or a ListenerSet (whose listeners
 * reach Secrets of their own namespace, and others through ReferenceGrants from ListenerSets).
 * `what` names the field in messages (the Gateway's backend client certificate uses this too).
 */
export function resolveCertificateRef(
  ctx: TranslationContext,
  owner: { kind: 'Gateway' | 'ListenerSet'; namespace: string },
  ref: SecretObjectReference,
  what = 'certificateRef',
): CertificateResult {
  const check = checkCoreReference(ctx, owner, ref, 'Secret', what);
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
  // Parsing keys is not free, and many listeners may share a Secret: remembered per Secret object.
  const verdict = ctx.remember('servingPair', secret, () => checkServingPair(certificateChain, privateKey));
  if (!verdict.ok) {
    return { ok: false, reason: 'InvalidCertificateRef', message: `Secret ${label}: ${verdict.problem.message}` };
  }
  const note = ctx.certificateTime && validityNote(`Secret ${label}`, verdict.validity, ctx.certificateTime);
  return {
    ok: true,
    ...(note ? { note } : {}),
    validity: verdict.validity,
    secret: {
      name: secretName(namespace, ref.name),
      source: { kind: 'Secret', namespace, name: ref.name },
      certificateChain,
      privateKey,
    },
  };
}
