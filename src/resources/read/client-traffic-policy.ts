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
import { readPolicyTargets, TARGET_FIELDS, type PolicyTargets } from './policy-targets.js';
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
import { fieldsOf, valid, type FieldError, type ValidationResult } from './validation-result.js';

export const CLIENT_TRAFFIC_TARGET_KINDS = ['Gateway', 'ListenerSet'] as const;
export type ClientTrafficTargetKind = (typeof CLIENT_TRAFFIC_TARGET_KINDS)[number];

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

export interface ValidatedClientTrafficPolicy extends PolicyTargets<ClientTrafficTargetKind> {
  /** Every problem of the spec outside its targets, with its path. */
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

export const readClientTrafficPolicy: (policy: { spec?: unknown }) => ValidatedClientTrafficPolicy = readOnce(
  (spec) => {
    const fields = fieldsOf(spec) ?? {};
    return {
      ...readPolicyTargets(fields, CLIENT_TRAFFIC_TARGET_KINDS, 'ClientTrafficPolicy'),
      features: readFeatures(spec, fields),
    };
  },
);

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
      problems.push({
        path: `spec.${field}`,
        message: `spec.${field} is not a ClientTrafficPolicy field Portico supports`,
      });
    }
  }
  return problems.length > 0 ? { valid: false, errors: problems } : valid(features);
}
