/**
 * ClientTrafficPolicy (gateway.portico.dev/v1alpha1, Envoy Gateway's field names), read: what it
 * targets (Gateways, ListenerSets, one listener of either by `sectionName`) and how Envoy should
 * treat the clients' connections and requests there, section by section.
 *
 * Targets are read one by one: a targetRef of a kind it cannot attach to is reported on that target
 * alone. The settings are valid or not as a whole: a policy with a section that does not read, or
 * a field Portico does not implement yet, is Invalid and applies nowhere (its listeners keep
 * Portico's defaults), its status naming the field.
 */
import type { LabelSelector } from '../gateway-api.js';
import { GATEWAY_GROUP } from '../types.js';
import { readLabelSelector } from './label-selector.js';
import { readOnce } from './read-once.js';
import {
  readClientIpDetection,
  readConnection,
  readProxyProtocol,
  readTcpKeepalive,
  readTimeout,
  type ClientIpDetectionRead,
  type ConnectionRead,
  type ProxyProtocolRead,
  type TcpKeepaliveRead,
  type TimeoutRead,
} from './client-traffic-connection.js';
import {
  readHeaders,
  readHttp1,
  readHttp2,
  readPath,
  readTls,
  type HeadersRead,
  type Http1Read,
  type Http2Read,
  type PathRead,
  type TlsRead,
} from './client-traffic-http.js';
import { fieldsOf, itemsOf, valid, type FieldError, type ValidationResult } from './validation-result.js';

export const CLIENT_TRAFFIC_TARGET_KINDS = ['Gateway', 'ListenerSet'] as const;
export type ClientTrafficTargetKind = (typeof CLIENT_TRAFFIC_TARGET_KINDS)[number];

export interface ClientTrafficTargetRef {
  kind: ClientTrafficTargetKind;
  name: string;
  sectionName?: string;
}

export interface ClientTrafficUnsupportedTarget {
  group: string;
  kind: string;
  name: string;
  message: string;
}

export interface ClientTrafficTargetSelector {
  kind: ClientTrafficTargetKind;
  selector: LabelSelector | undefined;
}

/** The settings a policy asks for, section by section (absent: not set). */
export interface ClientTrafficFeatures {
  clientIPDetection?: ClientIpDetectionRead;
  timeout?: TimeoutRead;
  connection?: ConnectionRead;
  tcpKeepalive?: TcpKeepaliveRead;
  proxyProtocol?: ProxyProtocolRead;
  headers?: HeadersRead;
  http1?: Http1Read;
  http2?: Http2Read;
  path?: PathRead;
  tls?: TlsRead;
}

export interface ValidatedClientTrafficPolicy {
  targetRefs: ClientTrafficTargetRef[];
  targetSelectors: ClientTrafficTargetSelector[];
  unsupportedTargets: ClientTrafficUnsupportedTarget[];
  features: ValidationResult<ClientTrafficFeatures>;
}

type SectionReaders = {
  [K in keyof ClientTrafficFeatures]-?: (value: unknown) => ValidationResult<NonNullable<ClientTrafficFeatures[K]>>;
};

const SECTION_READERS: SectionReaders = {
  clientIPDetection: readClientIpDetection,
  timeout: readTimeout,
  connection: readConnection,
  tcpKeepalive: readTcpKeepalive,
  proxyProtocol: readProxyProtocol,
  headers: readHeaders,
  http1: readHttp1,
  http2: readHttp2,
  path: readPath,
  tls: readTls,
};

/** Sections of Envoy Gateway's ClientTrafficPolicy Portico does not translate yet: a policy setting one is Invalid. */
export const NOT_YET_SUPPORTED: readonly string[] = ['http3', 'grpc', 'healthCheck', 'scheme'];

const TARGET_FIELDS: ReadonlySet<string> = new Set(['targetRef', 'targetRefs', 'targetSelectors']);

export const readClientTrafficPolicy: (policy: { spec?: unknown }) => ValidatedClientTrafficPolicy = readOnce(
  (spec) => {
    const fields = fieldsOf(spec) ?? {};
    const unsupportedTargets: ClientTrafficUnsupportedTarget[] = [];
    // `targetRef` (one, deprecated in Envoy Gateway) and `targetRefs` together.
    const refs = [...(fields.targetRef !== undefined ? [fields.targetRef] : []), ...itemsOf(fields.targetRefs)];
    return {
      targetRefs: readTargetRefs(refs, unsupportedTargets),
      targetSelectors: readTargetSelectors(fields.targetSelectors),
      unsupportedTargets,
      features: readFeatures(spec, fields),
    };
  },
);

function isTargetKind(kind: unknown): kind is ClientTrafficTargetKind {
  return CLIENT_TRAFFIC_TARGET_KINDS.some((k) => k === kind);
}

function readTargetRefs(items: readonly unknown[], unsupported: ClientTrafficUnsupportedTarget[]): ClientTrafficTargetRef[] {
  const refs: ClientTrafficTargetRef[] = [];
  for (const item of items) {
    const ref = fieldsOf(item);
    if (!ref || typeof ref.name !== 'string' || ref.name === '') continue;
    const group = typeof ref.group === 'string' ? ref.group : '';
    const kind = typeof ref.kind === 'string' ? ref.kind : '';
    if (group !== GATEWAY_GROUP || !isTargetKind(kind)) {
      unsupported.push({
        group,
        kind,
        name: ref.name,
        message: `targetRef ${group ? `${group}/` : ''}${kind} ${ref.name}: a ClientTrafficPolicy attaches to a Gateway or ListenerSet (${GATEWAY_GROUP})`,
      });
      continue;
    }
    const sectionName = typeof ref.sectionName === 'string' && ref.sectionName !== '' ? ref.sectionName : undefined;
    if (refs.some((r) => r.kind === kind && r.name === ref.name && r.sectionName === sectionName)) continue;
    refs.push({ kind, name: ref.name, ...(sectionName !== undefined ? { sectionName } : {}) });
  }
  return refs;
}

function readTargetSelectors(value: unknown): ClientTrafficTargetSelector[] {
  const out: ClientTrafficTargetSelector[] = [];
  for (const item of itemsOf(value)) {
    const s = fieldsOf(item);
    if (!s || !isTargetKind(s.kind) || (s.group !== undefined && s.group !== GATEWAY_GROUP)) continue;
    const selector = s.namespaces === undefined ? readLabelSelector(s) : undefined;
    out.push({ kind: s.kind, selector });
  }
  return out;
}

function readFeatures(spec: unknown, fields: Record<string, unknown>): ValidationResult<ClientTrafficFeatures> {
  if (fieldsOf(spec) === undefined)
    return { valid: false, errors: [{ path: 'spec', message: 'spec must be an object' }] };
  const problems: FieldError[] = [];
  const features: ClientTrafficFeatures = {};
  // `proxyProtocol` wins over the deprecated `enableProxyProtocol` (Envoy Gateway).
  const enable = fields.enableProxyProtocol;
  if (enable !== undefined && enable !== null && typeof enable !== 'boolean') {
    problems.push({ path: 'spec.enableProxyProtocol', message: 'spec.enableProxyProtocol must be true or false' });
  } else if (enable === true && (fields.proxyProtocol === undefined || fields.proxyProtocol === null)) {
    features.proxyProtocol = { optional: false };
  }
  for (const [field, value] of Object.entries(fields)) {
    if (TARGET_FIELDS.has(field) || field === 'enableProxyProtocol' || value === undefined || value === null) continue;
    if (field in SECTION_READERS) {
      const read = SECTION_READERS[field as keyof ClientTrafficFeatures](value);
      if (read.valid) (features as Record<string, unknown>)[field] = read.result;
      else problems.push(...read.errors);
    } else if (NOT_YET_SUPPORTED.includes(field)) {
      problems.push({ path: `spec.${field}`, message: `spec.${field} is not supported yet` });
    } else {
      problems.push({ path: `spec.${field}`, message: `spec.${field} is not a ClientTrafficPolicy field Portico supports` });
    }
  }
  return problems.length > 0 ? { valid: false, errors: problems } : valid(features);
}
