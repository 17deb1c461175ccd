/**
 * A BackendTrafficPolicy's `timeout` (Envoy Gateway's Timeout), read: `tcp.connectTimeout` (how long
 * Envoy waits for a connection to a backend; above zero, default 10s), `http.connectionIdleTimeout`
 * (an idle upstream connection is closed after it; 0 disables; Envoy's default 1h),
 * `http.maxConnectionDuration` (an upstream connection is drained after it; 0 or absent: none) and
 * `http.requestTimeout` (the whole request, on the routes; an HTTPRoute rule's `timeouts.request`
 * stays ahead of it).
 */
import { SectionFields } from './traffic-fields.js';
import { valid, type FieldError, type ValidationResult } from './validation-result.js';

export interface TimeoutRead {
  connectTimeoutMs?: number;
  connectionIdleTimeoutMs?: number;
  maxConnectionDurationMs?: number;
  requestTimeoutMs?: number;
}

export function readTimeout(value: unknown): ValidationResult<TimeoutRead> {
  const problems: FieldError[] = [];
  const t = SectionFields.of(value, 'spec.timeout', problems);
  if (!t) return { valid: false, errors: problems };
  t.only(['tcp', 'http']);
  const out: TimeoutRead = {};
  const tcp = t.sub('tcp');
  if (tcp) {
    tcp.only(['connectTimeout']);
    const ms = tcp.durationMs('connectTimeout');
    if (ms !== undefined) out.connectTimeoutMs = ms;
  }
  const http = t.sub('http');
  if (http) {
    http.only(['connectionIdleTimeout', 'maxConnectionDuration', 'requestTimeout']);
    const idle = http.durationMs('connectionIdleTimeout', undefined, false);
    const max = http.durationMs('maxConnectionDuration', undefined, false);
    const request = http.durationMs('requestTimeout', undefined, false);
    if (idle !== undefined) out.connectionIdleTimeoutMs = idle;
    if (max !== undefined) out.maxConnectionDurationMs = max;
    if (request !== undefined) out.requestTimeoutMs = request;
  }
  if (problems.length === 0 && Object.keys(out).length === 0)
    t.problem(
      'timeout needs at least one of tcp.connectTimeout, http.connectionIdleTimeout, http.maxConnectionDuration, http.requestTimeout',
    );
  return problems.length > 0 ? { valid: false, errors: problems } : valid(out);
}
