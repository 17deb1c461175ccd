/**
 * BackendTLSPolicy, read: its targets and its `validation` (what Envoy checks the backend's
 * certificate against). XBackend's `tls.validation` has the same fields and is read here too.
 *
 * `validation` is valid or not as a whole (a policy that is not is Accepted=False/Invalid with
 * the first reason, as the checks run in the order of the spec's fields). Targets are read one by
 * one: a target that is not an object is no target; one naming another kind is kept, so that
 * status can say it is not a Service.
 */
import { CLUSTER_TRUST_BUNDLE_GROUP } from './cluster-trust-bundle.js';
import { isValidHostname } from './hostname.js';
import { readOnce } from './read-once.js';
import { fieldsOf, invalid, itemsOf, valid, type ValidationResult } from './validation-result.js';

export type PolicyTarget =
  | {
      kind: 'Service';
      /** Undefined when the ref has no name. */
      name: string | undefined;
      /** The name as a message writes it. */
      writtenName: string;
      /** The port it names, if any ('' is none). */
      sectionName: string | undefined;
    }
  /** A ref to another kind: `apps/Deployment web`, as a message writes it. */
  | { kind: 'other'; written: string };

/** A CA certificate reference, as the translator can use it, or the sentence saying why it cannot. */
export type CaCertificateRef =
  { kind: 'ConfigMap' | 'ClusterTrustBundle'; name: string } | { kind: 'unsupported'; message: string };

export interface SubjectAltNameMatch {
  type: 'DNS' | 'URI';
  value: string;
}

export interface BackendTlsValidation {
  /** The SNI, and the name the certificate must carry when no subjectAltNames are given. */
  hostname: string;
  /** Never empty: the hostname's when the policy gives none. */
  subjectAltNames: SubjectAltNameMatch[];
  /** Where the trusted CA certificates come from. */
  ca: { wellKnown: 'System' } | { refs: CaCertificateRef[] };
}

export interface ValidatedBackendTlsPolicy {
  targets: PolicyTarget[];
  validation: ValidationResult<BackendTlsValidation>;
}

export const readBackendTlsPolicy: (policy: { spec?: unknown }) => ValidatedBackendTlsPolicy = readOnce((spec) => {
  const fields = fieldsOf(spec);
  return {
    targets: readTargets(fields?.targetRefs),
    validation: readBackendTlsValidation(fields?.validation, 'spec.validation'),
  };
});

function readTargets(value: unknown): PolicyTarget[] {
  const targets: PolicyTarget[] = [];
  for (const item of itemsOf(value)) {
    const ref = fieldsOf(item);
    if (!ref) continue;
    if ((ref.group ?? '') !== '' || ref.kind !== 'Service') {
      targets.push({
        kind: 'other',
        written: `${ref.group ? `${String(ref.group)}/` : ''}${String(ref.kind)} ${String(ref.name)}`,
      });
      continue;
    }
    const section = ref.sectionName || undefined;
    targets.push({
      kind: 'Service',
      name: typeof ref.name === 'string' ? ref.name : undefined,
      writtenName: String(ref.name),
      sectionName: section === undefined ? undefined : String(section),
    });
  }
  return targets;
}

const URI_RE = /^[a-zA-Z][\w+.-]*:.+/;

/** `validation` (of a BackendTLSPolicy, or of an XBackend's `tls`); `path` names it in errors. */
export function readBackendTlsValidation(value: unknown, path: string): ValidationResult<BackendTlsValidation> {
  const validation = fieldsOf(value);
  if (!validation) return invalid(path, 'spec.validation is required');
  const hostname = validation.hostname;
  if (typeof hostname !== 'string' || !isValidHostname(hostname) || hostname.startsWith('*')) {
    return invalid(`${path}.hostname`, `validation.hostname ${JSON.stringify(hostname)} is not a DNS name`);
  }
  const refs = itemsOf(validation.caCertificateRefs);
  const wellKnown = validation.wellKnownCACertificates ?? '';
  if (refs.length > 0 && wellKnown !== '') {
    return invalid(path, 'set either caCertificateRefs or wellKnownCACertificates, not both');
  }
  if (refs.length === 0 && wellKnown === '') {
    return invalid(path, 'set caCertificateRefs or wellKnownCACertificates');
  }
  const subjectAltNames: SubjectAltNameMatch[] = [];
  for (const [i, item] of itemsOf(validation.subjectAltNames).entries()) {
    const san = fieldsOf(item);
    if (san?.type === 'Hostname' && typeof san.hostname === 'string' && isValidHostname(san.hostname)) {
      subjectAltNames.push({ type: 'DNS', value: san.hostname });
    } else if (san?.type === 'URI' && typeof san.uri === 'string' && URI_RE.test(san.uri)) {
      subjectAltNames.push({ type: 'URI', value: san.uri });
    } else {
      return invalid(`${path}.subjectAltNames[${i}]`, `subjectAltNames entry ${JSON.stringify(item)} is not valid`);
    }
  }
  // Without subjectAltNames, the hostname is what the certificate must carry.
  if (subjectAltNames.length === 0) subjectAltNames.push({ type: 'DNS', value: hostname });
  if (wellKnown !== '') {
    if (wellKnown !== 'System') {
      return invalid(
        `${path}.wellKnownCACertificates`,
        `wellKnownCACertificates ${JSON.stringify(wellKnown)} is not supported; use System or caCertificateRefs`,
      );
    }
    return valid({ hostname, subjectAltNames, ca: { wellKnown: 'System' } });
  }
  return valid({ hostname, subjectAltNames, ca: { refs: refs.map(readCaCertificateRef) } });
}

function readCaCertificateRef(item: unknown): CaCertificateRef {
  const ref = fieldsOf(item);
  const name = typeof ref?.name === 'string' ? ref.name : undefined;
  if (ref && name !== undefined) {
    if (ref.group === CLUSTER_TRUST_BUNDLE_GROUP && ref.kind === 'ClusterTrustBundle') {
      return { kind: 'ClusterTrustBundle', name };
    }
    if ((ref.group ?? '') === '' && ref.kind === 'ConfigMap') return { kind: 'ConfigMap', name };
  }
  const kind = ref ? `${ref.group ? `${String(ref.group)}/` : ''}${String(ref.kind)}` : 'invalid';
  return {
    kind: 'unsupported',
    message: `caCertificateRef ${String(name)} has kind ${kind}; Portico reads CA certificates from ConfigMaps and ClusterTrustBundles (certificates.k8s.io)`,
  };
}
