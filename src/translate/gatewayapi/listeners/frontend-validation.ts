import type { Gateway } from '../../../resources/types.js';
import type { TranslationContext } from '../context.js';
import { caBundle } from '../envoy-tls-rules.js';
import { clusterTrustBundlePem, isClusterTrustBundleRef } from '../references/cluster-trust-bundles.js';
import { checkCoreReference } from '../references/reference-grants.js';
import { isObject, list } from '../shape.js';
import type { ListenerState } from './listener-state.js';

/**
 * Client certificate validation (`spec.tls.frontend`) for an HTTPS listener on `port`: the per-port
 * entry for the port, else the default. CA bundles come from ConfigMaps (`ca.crt`) in the Gateway's
 * namespace, or in another one a ReferenceGrant opens, and from ClusterTrustBundles. An invalid ref is reported on the listener
 * (ResolvedRefs=False); when none is valid the listener is not accepted (NoValidCACertificate) —
 * never served without the check it was configured with.
 */
export function clientValidation(
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
