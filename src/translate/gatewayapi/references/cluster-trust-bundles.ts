/**
 * ClusterTrustBundles (certificates.k8s.io, cluster-scoped) as CA certificates: BackendTLSPolicy
 * `validation.caCertificateRefs` and Gateway `spec.tls.frontend` validation may name one instead of
 * a ConfigMap (GEP-5075, feature ClusterTrustBundle). Its `spec.trustBundle` is a PEM bundle, held
 * to what Envoy's TLS library takes, as a ConfigMap's `ca.crt` is.
 */
import { CLUSTER_TRUST_BUNDLE_GROUP } from '../../../resources/read/cluster-trust-bundle.js';
import type { TranslationContext } from '../context.js';
import { caBundle } from '../envoy-tls-rules.js';

/** Whether a caCertificateRef names a ClusterTrustBundle. */
export function isClusterTrustBundleRef(ref: { group?: unknown; kind?: unknown }): boolean {
  return ref.group === CLUSTER_TRUST_BUNDLE_GROUP && ref.kind === 'ClusterTrustBundle';
}

/** The bundle's CA certificates, or what is wrong with it (a sentence naming it). */
export function clusterTrustBundlePem(ctx: TranslationContext, name: string): string | { problem: string } {
  const bundle = ctx.clusterTrustBundles.get(name);
  if (!bundle) return { problem: `ClusterTrustBundle ${name} does not exist` };
  const pem = ctx.remember('trustBundle', bundle, (b) => caBundle(b.spec?.trustBundle, 'spec.trustBundle'));
  return typeof pem === 'string' ? pem : { problem: `ClusterTrustBundle ${name} ${pem.problem}` };
}
