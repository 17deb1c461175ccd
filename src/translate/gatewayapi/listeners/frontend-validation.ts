import type { Gateway } from '../../../resources/types.js';
import { readGateway } from '../../../resources/read/gateway.js';
import type { GatewayListener } from '../../../resources/read/listener.js';
import type { TranslationContext } from '../context.js';
import { caBundle } from '../envoy-tls-rules.js';
import { clusterTrustBundlePem, isClusterTrustBundleRef } from '../references/cluster-trust-bundles.js';
import { checkCoreReference } from '../references/reference-grants.js';
import type { ListenerState } from './listener-state.js';

/**
 * Client certificate validation (`spec.tls.frontend`) for an HTTPS listener, by its port: the per-port
 * entry for the port, else the default. CA bundles come from ConfigMaps (`ca.crt`) in the Gateway's
 * namespace, or in another one a ReferenceGrant opens, and from ClusterTrustBundles. An invalid ref is reported on the listener
 * (ResolvedRefs=False); when none is valid the listener is not accepted (NoValidCACertificate) —
 * never served without the check it was configured with.
 */
export function clientValidation(
  ctx: TranslationContext,
  gateway: Gateway,
  listener: GatewayListener,
  state: ListenerState,
  reject: (reason: string, message: string) => void,
): void {
  const frontend = readGateway(gateway).frontendTls;
  if (frontend === undefined) return;
  const port = listener.writtenPort;
  const check = frontend.perPort.find((p) => p.port === listener.port)?.check ?? frontend.default;
  if (check.kind === 'none') return;
  if (check.kind === 'malformed') {
    reject(
      'UnsupportedValue',
      `spec.tls.frontend for port ${port} is malformed; the listener is not served without the client check`,
    );
    return;
  }
  if (check.kind === 'unsupportedMode') {
    reject('UnsupportedValue', `spec.tls.frontend validation mode ${check.mode} is not supported`);
    return;
  }
  const { mode, caCertificateRefs } = check;
  const gatewayNamespace = gateway.metadata.namespace ?? 'default';
  const bundles: string[] = [];
  const problems: { reason: string; message: string }[] = [];
  if (caCertificateRefs.length === 0) {
    problems.push({
      reason: 'InvalidCACertificateRef',
      message: 'spec.tls.frontend validation has no caCertificateRefs',
    });
  }
  for (const ref of caCertificateRefs) {
    if ('problem' in ref) {
      problems.push({ reason: 'InvalidCACertificateRef', message: ref.problem });
      continue;
    }
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
    // The same memo as a BackendTLSPolicy's CA reads: a ConfigMap is parsed once, whoever reads it.
    const bundle = configMap
      ? ctx.remember('caBundle', configMap, (c) => caBundle(c.data?.['ca.crt']))
      : { problem: 'does not exist' };
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
