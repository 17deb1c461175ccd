/**
 * BackendTLSPolicy: TLS from Envoy to a Service's endpoints, with the server's certificate checked
 * against CA certificates from ConfigMaps (key `ca.crt`), ClusterTrustBundles or the system's, and its name against the
 * policy's hostname (or its subjectAltNames). The hostname is also the SNI.
 *
 * What is decided here is pure and per policy: whether it is valid (`evaluatePolicy`), which one
 * applies to a Service port when several target it (`policyFor`: a port's own before the whole
 * Service's, then the oldest, then by name; the others are Conflicted), and the TLS settings of a
 * cluster. A policy that applies but cannot be used fails closed: requests to that backend get a
 * 5xx, never a plain-text connection.
 */
import { isIP } from 'node:net';
import type { IrUpstreamTls } from '../../ir/types.js';
import type { ServicePortRead } from '../../resources/read/service.js';
import type { BackendTLSPolicy, Service } from '../../resources/types.js';
import {
  readBackendTlsPolicy,
  type BackendTlsValidation,
  type PolicyTarget,
} from '../../resources/read/backend-tls-policy.js';
import { objectKey, type TranslationContext } from './context.js';
import { caBundle } from './envoy-tls-rules.js';
import { clusterTrustBundlePem } from './references/cluster-trust-bundles.js';
import { olderFirst } from './routes/precedence.js';

/** A target naming a core Service. */
export type ServiceTarget = Extract<PolicyTarget, { kind: 'Service' }>;

/** Where Envoy finds the system's CA certificates (Debian and Ubuntu, the Envoy images' base). */
export const SYSTEM_CA_FILE = '/etc/ssl/certs/ca-certificates.crt';

/**
 * TLS to a server named by URL outside the cluster (a remote JWKS, an OIDC token endpoint):
 * verified against the system's CAs for the host the URL names. An IP address is sent as no SNI
 * (RFC 6066) and matched as an IP SAN.
 */
export function systemTrustedTls(host: string): IrUpstreamTls {
  const address = isIP(host) !== 0;
  return {
    sni: address ? '' : host,
    ca: { file: SYSTEM_CA_FILE },
    subjectAltNames: [{ type: address ? 'IP_ADDRESS' : 'DNS', value: host }],
  };
}

export interface PolicyVerdict {
  /** Accepted=False reason and message, when the policy is not valid. */
  invalid?: { reason: 'Invalid' | 'NoValidCACertificate'; message: string };
  /** ResolvedRefs=False reason and message, when a CA certificate reference does not resolve. */
  unresolved?: { reason: 'InvalidCACertificateRef' | 'InvalidKind'; message: string };
  /** The cluster's TLS settings, when the policy can be used. */
  tls?: IrUpstreamTls;
}

/**
 * Whether the policy is valid on its own (targets aside), and the TLS settings it gives. The CA
 * certificates' checks are remembered per ConfigMap and ClusterTrustBundle object; the lookups are
 * made every time, so that a cache sees them.
 */
export function evaluatePolicy(ctx: TranslationContext, policy: BackendTLSPolicy): PolicyVerdict {
  const read = readBackendTlsPolicy(policy).validation;
  if (!read.valid) return { invalid: { reason: 'Invalid', message: read.errors[0]!.message } };
  return resolveTlsValidation(ctx, read.result, policy.metadata.namespace ?? 'default');
}

/**
 * A read `validation` (a BackendTLSPolicy's, an XBackend's `tls.validation`) with its CA
 * certificates resolved; ConfigMaps are looked up in `namespace`, the object's.
 */
export function resolveTlsValidation(
  ctx: TranslationContext,
  validation: BackendTlsValidation,
  namespace: string,
): PolicyVerdict {
  const { hostname, subjectAltNames, ca } = validation;
  if ('wellKnown' in ca) return { tls: { sni: hostname, ca: { file: SYSTEM_CA_FILE }, subjectAltNames } };
  const bundles: string[] = [];
  const problems: { reason: 'InvalidCACertificateRef' | 'InvalidKind'; message: string }[] = [];
  for (const ref of ca.refs) {
    if (ref.kind === 'unsupported') {
      problems.push({ reason: 'InvalidKind', message: ref.message });
      continue;
    }
    if (ref.kind === 'ClusterTrustBundle') {
      // Cluster-scoped: found by name, whatever the policy's namespace (GEP-5075).
      const bundle = clusterTrustBundlePem(ctx, ref.name);
      if (typeof bundle === 'string') bundles.push(bundle);
      else problems.push({ reason: 'InvalidCACertificateRef', message: bundle.problem });
      continue;
    }
    const configMap = ctx.configMaps.get(objectKey(namespace, ref.name));
    if (!configMap) {
      problems.push({
        reason: 'InvalidCACertificateRef',
        message: `ConfigMap ${namespace}/${ref.name} does not exist`,
      });
      continue;
    }
    const bundle = ctx.remember('caBundle', configMap, (c) => caBundle(c.data?.['ca.crt']));
    if (typeof bundle !== 'string') {
      problems.push({
        reason: 'InvalidCACertificateRef',
        message: `ConfigMap ${namespace}/${ref.name} ${bundle.problem}`,
      });
      continue;
    }
    bundles.push(bundle);
  }
  const verdict: PolicyVerdict = {};
  if (problems.length > 0) {
    verdict.unresolved = { reason: problems[0]!.reason, message: problems.map((p) => p.message).join('; ') };
  }
  if (bundles.length === 0) {
    verdict.invalid = { reason: 'NoValidCACertificate', message: 'no caCertificateRef gives a usable CA certificate' };
    return verdict;
  }
  verdict.tls = { sni: hostname, ca: { pem: bundles.join('') }, subjectAltNames };
  return verdict;
}

/** The policy's targets that are core Service `name` (in the policy's namespace). */
export function serviceTargets(policy: BackendTLSPolicy, name: string): ServiceTarget[] {
  return readBackendTlsPolicy(policy).targets.filter(
    (t): t is ServiceTarget => t.kind === 'Service' && t.name === name,
  );
}

/**
 * The policies that select `(Service, sectionName)` ordered by precedence: the first one takes
 * that target, the others are Conflicted there.
 */
export function policiesSelecting(
  ctx: TranslationContext,
  namespace: string,
  service: string,
  sectionName: string | undefined,
): BackendTLSPolicy[] {
  const policies = ctx.backendTLSPolicies.get(objectKey(namespace, service)) ?? [];
  return policies.filter((p) => serviceTargets(p, service).some((t) => t.sectionName === sectionName)).sort(olderFirst);
}

/** The policy that applies to a Service port: the port's own (by port name), else the whole Service's. */
export function policyFor(
  ctx: TranslationContext,
  namespace: string,
  service: Service,
  port: ServicePortRead,
): BackendTLSPolicy | undefined {
  const name = service.metadata.name;
  if (!ctx.backendTLSPolicies.has(objectKey(namespace, name))) return undefined;
  if (port.name) {
    const own = policiesSelecting(ctx, namespace, name, port.name)[0];
    if (own) return own;
  }
  return policiesSelecting(ctx, namespace, name, undefined)[0];
}
