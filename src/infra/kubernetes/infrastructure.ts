/**
 * `spec.infrastructure.labels` and `annotations` of a Gateway (GEP-1867, feature
 * GatewayInfrastructure): what Portico adds to every object it provisions for the Gateway
 * (ServiceAccount, ConfigMap, Deployment and its Pod template, Service, xDS client Secret).
 *
 * Rules:
 * - Portico's own keys win: the `gateway.networking.k8s.io/` prefix is reserved by Gateway API
 *   (GEP-1762: the gateway-name label must name the Gateway), and the labels Portico selects its
 *   Pods and finds its objects by (`app.kubernetes.io/managed-by`, `app.kubernetes.io/component`)
 *   and the `portico.dev/` prefix are Portico's. Such keys are left out.
 * - A key or value the API server would refuse is left out too (the CRD checks keys and label
 *   values on write, but an object stored under an older CRD, or read from a file, may not have
 *   been): one bad label must not stop every object of the Gateway from being applied.
 * - Removing a key from the Gateway removes it from the objects: they are server-side applied by
 *   one field manager, and a field that manager no longer applies is removed.
 *
 * Pure.
 */
import type { KubeObject } from '../../resources/types.js';
import { isPlainObject } from '../../shared/plain-object.js';

export interface InfrastructureMetadata {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Keys left out, each with why (logged by the provisioner). */
  dropped: string[];
}

/** Prefixes and keys a Gateway cannot set on what Portico provisions. */
const RESERVED_PREFIXES = ['gateway.networking.k8s.io/', 'portico.dev/'];
const RESERVED_KEYS = new Set(['app.kubernetes.io/managed-by', 'app.kubernetes.io/component']);

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A qualified name as Kubernetes checks label and annotation keys: `[prefix/]name`. */
export function isQualifiedName(key: string): boolean {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return name.length <= 63 && NAME.test(name);
}

function reserved(key: string): boolean {
  return RESERVED_KEYS.has(key) || RESERVED_PREFIXES.some((p) => key.startsWith(p));
}

function entries(value: unknown): [string, unknown][] {
  return isPlainObject(value) ? Object.entries(value) : [];
}

export function infrastructureMetadata(gateway: KubeObject): InfrastructureMetadata {
  const infrastructure = (gateway.spec as { infrastructure?: { labels?: unknown; annotations?: unknown } } | undefined)
    ?.infrastructure;
  const out: InfrastructureMetadata = { labels: {}, annotations: {}, dropped: [] };
  const take = (kind: 'label' | 'annotation', key: string, value: unknown): boolean => {
    if (reserved(key)) out.dropped.push(`${kind} ${key}: the key is reserved for Gateway API and Portico`);
    else if (!isQualifiedName(key)) out.dropped.push(`${kind} ${key}: not a valid ${kind} key`);
    else if (typeof value !== 'string') out.dropped.push(`${kind} ${key}: the value is not a string`);
    else if (kind === 'label' && (value.length > 63 || !LABEL_VALUE.test(value))) {
      out.dropped.push(`label ${key}: ${JSON.stringify(value)} is not a valid label value`);
    } else return true;
    return false;
  };
  for (const [key, value] of entries(infrastructure?.labels)) {
    if (take('label', key, value)) out.labels[key] = value as string;
  }
  for (const [key, value] of entries(infrastructure?.annotations)) {
    if (take('annotation', key, value)) out.annotations[key] = value as string;
  }
  return out;
}
