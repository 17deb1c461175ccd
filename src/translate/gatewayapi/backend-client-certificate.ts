/**
 * The Gateway's client certificate for TLS to backends (`spec.tls.backend.clientCertificateRef`,
 * GatewayBackendClientCertificate): a kubernetes.io/tls Secret, read and checked as listener
 * certificates are. Envoy presents it on every connection it opens with TLS to a backend (a
 * BackendTLSPolicy's). A reference that cannot be used leaves the Gateway Accepted, with
 * ResolvedRefs=False saying why (InvalidClientCertificateRef, or RefNotPermitted without a
 * ReferenceGrant), and the backends are reached without a client certificate.
 */
import type { Gateway } from '../../resources/types.js';
import { readGateway } from '../../resources/read/gateway.js';
import type { IrCluster, IrSecret } from '../../ir/types.js';
import type { TranslationContext } from './context.js';
import { resolveCertificateRef } from './references/certificates.js';

export type BackendClientCertificate =
  { secret: IrSecret } | { problem: { reason: 'InvalidClientCertificateRef' | 'RefNotPermitted'; message: string } };

/** What `spec.tls.backend` gives; undefined when the Gateway sets no client certificate. */
export function backendClientCertificate(
  ctx: TranslationContext,
  gateway: Gateway,
): BackendClientCertificate | undefined {
  const ref = readGateway(gateway).backendClientCertificateRef;
  if (ref === undefined) return undefined;
  if (!ref.valid) return { problem: { reason: 'InvalidClientCertificateRef', message: ref.errors[0]!.message } };
  const result = resolveCertificateRef(
    ctx,
    { kind: 'Gateway', namespace: gateway.metadata.namespace ?? 'default' },
    ref.result,
    'spec.tls.backend.clientCertificateRef',
  );
  if (result.ok) return { secret: result.secret };
  const field = 'spec.tls.backend.clientCertificateRef';
  return {
    problem: {
      reason: result.reason === 'RefNotPermitted' ? 'RefNotPermitted' : 'InvalidClientCertificateRef',
      // The message says which reference is invalid, and why (the spec asks for both).
      message: result.message.startsWith(field) ? result.message : `${field}: ${result.message}`,
    },
  };
}

/**
 * The cluster presenting `secretName` when it opens TLS; clusters without TLS are left as they are.
 * A new object each call: the assembly keeps it the same object while its parts are (`composite`).
 */
export function presentingClientCertificate(cluster: IrCluster, secretName: string): IrCluster {
  if (!cluster.tls) return cluster;
  return { ...cluster, tls: { ...cluster.tls, clientCertificateSecretName: secretName } };
}
