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
import type { IrUpstreamTls } from '../../ir/types.js';
import type { BackendTLSPolicy, PolicyTargetReference, Service, ServicePort } from '../../resources/types.js';
import { objectKey, type TranslationContext } from './context.js';
import { caBundle } from './envoy-tls-rules.js';
import { clusterTrustBundlePem, isClusterTrustBundleRef } from './references/cluster-trust-bundles.js';
import { isValidHostname } from './hostnames.js';
import { olderFirst } from './routes/precedence.js';
import { isObject, list } from './shape.js';

/** Where Envoy finds the system's CA certificates (Debian and Ubuntu, the Envoy images' base). */
export const SYSTEM_CA_FILE = '/etc/ssl/certs/ca-certificates.crt';

export interface PolicyVerdict {
  /** Accepted=False reason and message, when the policy is not valid. */
  invalid?: { reason: 'Invalid' | 'NoValidCACertificate'; message: string };
  /** ResolvedRefs=False reason and message, when a CA certificate reference does not resolve. */
  unresolved?: { reason: 'InvalidCACertificateRef' | 'InvalidKind'; message: string };
  /** The cluster's TLS settings, when the policy can be used. */
  tls?: IrUpstreamTls;
}

const verdicts = new WeakMap<
  object,
  { configMaps: unknown; bundles: unknown; namespace: string | undefined; verdict: PolicyVerdict }
>();

/** Whether the policy is valid on its own (targets aside), and the TLS settings it gives. */
export function evaluatePolicy(ctx: TranslationContext, policy: BackendTLSPolicy): PolicyVerdict {
  const key = policy.spec ?? policy;
  const known = verdicts.get(key);
  // The namespace too: it is where the ConfigMaps are looked up (one spec object can be shared).
  if (
    known &&
    known.configMaps === ctx.configMaps &&
    known.bundles === ctx.clusterTrustBundles &&
    known.namespace === policy.metadata.namespace
  ) {
    return known.verdict;
  }
  const verdict = evaluate(ctx, policy);
  verdicts.set(key, {
    configMaps: ctx.configMaps,
    bundles: ctx.clusterTrustBundles,
    namespace: policy.metadata.namespace,
    verdict,
  });
  return verdict;
}

function evaluate(ctx: TranslationContext, policy: BackendTLSPolicy): PolicyVerdict {
  const validation = policy.spec?.validation;
  if (!isObject(validation)) return { invalid: { reason: 'Invalid', message: 'spec.validation is required' } };
  const hostname: unknown = validation!.hostname;
  if (typeof hostname !== 'string' || !isValidHostname(hostname) || hostname.startsWith('*')) {
    return {
      invalid: { reason: 'Invalid', message: `validation.hostname ${JSON.stringify(hostname)} is not a DNS name` },
    };
  }
  const refs = list(validation!.caCertificateRefs);
  const wellKnown = validation!.wellKnownCACertificates ?? '';
  if (refs.length > 0 && wellKnown !== '') {
    return {
      invalid: { reason: 'Invalid', message: 'set either caCertificateRefs or wellKnownCACertificates, not both' },
    };
  }
  if (refs.length === 0 && wellKnown === '') {
    return { invalid: { reason: 'Invalid', message: 'set caCertificateRefs or wellKnownCACertificates' } };
  }
  const subjectAltNames: IrUpstreamTls['subjectAltNames'] = [];
  for (const san of list(validation!.subjectAltNames)) {
    if (isObject(san) && san.type === 'Hostname' && typeof san.hostname === 'string' && isValidHostname(san.hostname)) {
      subjectAltNames.push({ type: 'DNS', value: san.hostname });
    } else if (
      isObject(san) &&
      san.type === 'URI' &&
      typeof san.uri === 'string' &&
      /^[a-zA-Z][\w+.-]*:.+/.test(san.uri)
    ) {
      subjectAltNames.push({ type: 'URI', value: san.uri });
    } else {
      return {
        invalid: { reason: 'Invalid', message: `subjectAltNames entry ${JSON.stringify(san)} is not valid` },
      };
    }
  }
  // Without subjectAltNames, the hostname is what the certificate must carry.
  if (subjectAltNames.length === 0) subjectAltNames.push({ type: 'DNS', value: hostname });
  if (wellKnown !== '') {
    if (wellKnown !== 'System') {
      return {
        invalid: {
          reason: 'Invalid',
          message: `wellKnownCACertificates ${JSON.stringify(wellKnown)} is not supported; use System or caCertificateRefs`,
        },
      };
    }
    return { tls: { sni: hostname, ca: { file: SYSTEM_CA_FILE }, subjectAltNames } };
  }
  const bundles: string[] = [];
  const problems: { reason: 'InvalidCACertificateRef' | 'InvalidKind'; message: string }[] = [];
  const namespace = policy.metadata.namespace ?? 'default';
  for (const ref of refs) {
    const name = isObject(ref) && typeof ref.name === 'string' ? ref.name : undefined;
    if (isObject(ref) && name !== undefined && isClusterTrustBundleRef(ref)) {
      // Cluster-scoped: found by name, whatever the policy's namespace (GEP-5075).
      const bundle = clusterTrustBundlePem(ctx, name);
      if (typeof bundle === 'string') bundles.push(bundle);
      else problems.push({ reason: 'InvalidCACertificateRef', message: bundle.problem });
      continue;
    }
    if (!isObject(ref) || (ref.group ?? '') !== '' || ref.kind !== 'ConfigMap' || name === undefined) {
      const kind = isObject(ref) ? `${ref.group ? `${String(ref.group)}/` : ''}${String(ref.kind)}` : 'invalid';
      problems.push({
        reason: 'InvalidKind',
        message: `caCertificateRef ${String(name)} has kind ${kind}; Portico reads CA certificates from ConfigMaps and ClusterTrustBundles (certificates.k8s.io)`,
      });
      continue;
    }
    const configMap = ctx.configMaps.get(objectKey(namespace, name));
    if (!configMap) {
      problems.push({ reason: 'InvalidCACertificateRef', message: `ConfigMap ${namespace}/${name} does not exist` });
      continue;
    }
    const bundle = caBundle(configMap.data?.['ca.crt']);
    if (typeof bundle !== 'string') {
      problems.push({ reason: 'InvalidCACertificateRef', message: `ConfigMap ${namespace}/${name} ${bundle.problem}` });
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

/** The policy's targetRefs that name core Service `name` (in the policy's namespace). */
export function serviceTargets(policy: BackendTLSPolicy, name: string): PolicyTargetReference[] {
  return list(policy.spec?.targetRefs).filter(
    (r) => isObject(r) && (r.group ?? '') === '' && r.kind === 'Service' && r.name === name,
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
  return policies
    .filter((p) => serviceTargets(p, service).some((r) => (r.sectionName || undefined) === sectionName))
    .sort(olderFirst);
}

/** The policy that applies to a Service port: the port's own (by port name), else the whole Service's. */
export function policyFor(
  ctx: TranslationContext,
  namespace: string,
  service: Service,
  port: ServicePort,
): BackendTLSPolicy | undefined {
  const name = service.metadata.name;
  if (!ctx.backendTLSPolicies.has(objectKey(namespace, name))) return undefined;
  if (port.name) {
    const own = policiesSelecting(ctx, namespace, name, port.name)[0];
    if (own) return own;
  }
  return policiesSelecting(ctx, namespace, name, undefined)[0];
}
