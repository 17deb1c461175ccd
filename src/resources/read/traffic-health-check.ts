/**
 * A BackendTrafficPolicy's `healthCheck` (Envoy Gateway's HealthCheck), read: `active` probes Envoy
 * sends to each endpoint (HTTP, TCP or gRPC) and `passive` outlier detection on the answers to real
 * requests. Absent fields take Envoy Gateway's defaults (its CRD's); the bounds are Envoy's (a
 * threshold of at least 1, a timeout and interval above zero, statuses 100–599).
 */
import { SectionFields } from './traffic-fields.js';
import { valid, type FieldError, type ValidationResult } from './validation-result.js';

/** What a TCP probe sends or expects: text (sent as its UTF-8 bytes) or bytes (base64 in the object). */
export type HealthCheckPayload = { text: string } | { binary: string };

export interface ActiveHealthCheckRead {
  timeoutMs: number;
  intervalMs: number;
  unhealthyThreshold: number;
  healthyThreshold: number;
  http?: { path: string; method?: string; expectedStatuses: number[] };
  tcp?: { send?: HealthCheckPayload; receive?: HealthCheckPayload };
  grpc?: { service?: string };
}

export interface PassiveHealthCheckRead {
  splitExternalLocalOriginErrors: boolean;
  intervalMs: number;
  consecutiveLocalOriginFailures: number;
  consecutiveGatewayErrors: number;
  consecutive5XxErrors: number;
  baseEjectionTimeMs: number;
  maxEjectionPercent: number;
}

export interface HealthCheckRead {
  active?: ActiveHealthCheckRead;
  passive?: PassiveHealthCheckRead;
}

const AT = 'spec.healthCheck';
/** Envoy's RequestMethod, less CONNECT (which its health checker refuses). */
export const HEALTH_CHECK_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH'] as const;
/** A header value (Envoy sends the path on the request line): no control characters, no spaces. */
// eslint-disable-next-line no-control-regex
const PATH_RE = /^[^\u0000-\u0020\u007f]+$/;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function readPayload(p: SectionFields | undefined): HealthCheckPayload | undefined {
  if (!p) return undefined;
  p.only(['type', 'text', 'binary']);
  const type = p.oneOf('type', ['Text', 'Binary'] as const);
  if (type === 'Text') {
    const text = p.string('text', 4096);
    if (text === undefined)
      p.problem(`${p.at.replace(/^spec\./, '')}.text must be set (1 to 4096 characters) when type is Text`);
    return text === undefined ? undefined : { text };
  }
  if (type === 'Binary') {
    const binary = p.string('binary', 8192, BASE64_RE, 'must be non-empty base64');
    if (binary === undefined && !p.has('binary'))
      p.problem(`${p.at.replace(/^spec\./, '')}.binary must be set when type is Binary`);
    return binary === undefined ? undefined : { binary };
  }
  return undefined;
}

function readActive(a: SectionFields): ActiveHealthCheckRead | undefined {
  a.only(['type', 'timeout', 'interval', 'unhealthyThreshold', 'healthyThreshold', 'http', 'tcp', 'grpc']);
  const type = a.oneOf('type', ['HTTP', 'TCP', 'GRPC'] as const);
  const out: ActiveHealthCheckRead = {
    timeoutMs: a.durationMs('timeout', 1000)!,
    intervalMs: a.durationMs('interval', 3000)!,
    unhealthyThreshold: a.int('unhealthyThreshold', 3, 1)!,
    healthyThreshold: a.int('healthyThreshold', 1, 1)!,
  };
  for (const [other, of] of [
    ['http', 'HTTP'],
    ['tcp', 'TCP'],
    ['grpc', 'GRPC'],
  ] as const) {
    if (a.has(other) && type !== undefined && type !== of)
      a.problem(`healthCheck.active.${other} is only for type ${of} (type is ${type})`);
  }
  if (type === 'HTTP') {
    const h = a.sub('http');
    if (!h) {
      if (!a.has('http')) a.problem('healthCheck.active.http must be set when type is HTTP');
      return undefined;
    }
    h.only(['path', 'method', 'expectedStatuses']);
    const path = h.string('path', 1024, PATH_RE, 'must be 1 to 1024 characters without spaces or control characters');
    if (path === undefined && !h.has('path')) h.problem('healthCheck.active.http.path must be set');
    const method = h.oneOf('method', HEALTH_CHECK_METHODS, false);
    const statuses = h.fields.expectedStatuses;
    let expectedStatuses: number[] = [];
    if (statuses !== undefined && statuses !== null) {
      if (
        !Array.isArray(statuses) ||
        statuses.some((s) => typeof s !== 'number' || !Number.isInteger(s) || s < 100 || s > 599)
      )
        h.problem('healthCheck.active.http.expectedStatuses must be a list of HTTP statuses from 100 to 599');
      else expectedStatuses = [...new Set(statuses as number[])].sort((x, y) => x - y);
    }
    if (path !== undefined) out.http = { path, ...(method ? { method } : {}), expectedStatuses };
  } else if (type === 'TCP') {
    const t = a.has('tcp') ? a.sub('tcp') : undefined;
    t?.only(['send', 'receive']);
    const send = readPayload(t?.sub('send'));
    const receive = readPayload(t?.sub('receive'));
    out.tcp = { ...(send ? { send } : {}), ...(receive ? { receive } : {}) };
  } else if (type === 'GRPC') {
    const g = a.has('grpc') ? a.sub('grpc') : undefined;
    g?.only(['service']);
    const service = g?.string('service', 1024);
    out.grpc = service !== undefined ? { service } : {};
  }
  return out;
}

function readPassive(p: SectionFields): PassiveHealthCheckRead {
  p.only([
    'splitExternalLocalOriginErrors',
    'interval',
    'consecutiveLocalOriginFailures',
    'consecutiveGatewayErrors',
    'consecutive5XxErrors',
    'baseEjectionTime',
    'maxEjectionPercent',
  ]);
  return {
    splitExternalLocalOriginErrors: p.bool('splitExternalLocalOriginErrors', false),
    intervalMs: p.durationMs('interval', 3000)!,
    consecutiveLocalOriginFailures: p.int('consecutiveLocalOriginFailures', 5)!,
    consecutiveGatewayErrors: p.int('consecutiveGatewayErrors', 0)!,
    consecutive5XxErrors: p.int('consecutive5XxErrors', 5)!,
    baseEjectionTimeMs: p.durationMs('baseEjectionTime', 30_000)!,
    maxEjectionPercent: p.int('maxEjectionPercent', 10, 0, 100)!,
  };
}

export function readHealthCheck(value: unknown): ValidationResult<HealthCheckRead> {
  const problems: FieldError[] = [];
  const h = SectionFields.of(value, AT, problems);
  if (!h) return { valid: false, errors: problems };
  h.only(['active', 'passive']);
  const out: HealthCheckRead = {};
  const active = h.sub('active');
  const passive = h.sub('passive');
  if (active) {
    const read = readActive(active);
    if (read) out.active = read;
  }
  if (passive) out.passive = readPassive(passive);
  if (!h.has('active') && !h.has('passive')) h.problem('healthCheck needs active, passive or both');
  return problems.length > 0 ? { valid: false, errors: problems } : valid(out);
}
