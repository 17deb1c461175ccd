/**
 * A BackendTrafficPolicy's `faultInjection` (Envoy Gateway's FaultInjection), read: a delay before
 * a share of requests is forwarded, and/or an abort answering a share of them with an HTTP status
 * (200–599, Envoy's bounds) or a gRPC status (0–16). Shares are percentages (0–100, default 100).
 */
import { parseGatewayDuration } from './duration.js';
import { fieldsOf, valid, type FieldError, type ValidationResult } from './validation-result.js';

export interface FaultInjectionRead {
  delay?: { fixedDelayMs: number; percentage: number };
  abort?: ({ httpStatus: number } | { grpcStatus: number }) & { percentage: number };
}

const AT = 'spec.faultInjection';

function readPercentage(f: Record<string, unknown>, at: string, problems: FieldError[]): number {
  const p = f.percentage;
  if (p === undefined || p === null) return 100;
  if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 100) {
    problems.push({
      path: `${at}.percentage`,
      message: `${at.slice('spec.'.length)}.percentage must be a number from 0 to 100`,
    });
    return 100;
  }
  return p;
}

function readStatus(v: unknown, min: number, max: number, path: string, problems: FieldError[]): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
  problems.push({ path, message: `${path.split('.').at(-1)!} must be an integer from ${min} to ${max}` });
  return undefined;
}

export function readFaultInjection(value: unknown): ValidationResult<FaultInjectionRead> {
  const f = fieldsOf(value);
  if (!f) return { valid: false, errors: [{ path: AT, message: 'faultInjection must be an object' }] };
  const problems: FieldError[] = [];
  const out: FaultInjectionRead = {};
  if (f.delay !== undefined && f.delay !== null) {
    const d = fieldsOf(f.delay);
    const ms = parseGatewayDuration(d?.fixedDelay);
    if (!d || ms === undefined || ms === 0) {
      // Envoy's FaultDelay.fixed_delay must be longer than 0: a 0s delay would have the whole route configuration refused.
      problems.push({
        path: `${AT}.delay.fixedDelay`,
        message: 'faultInjection.delay.fixedDelay must be set to a duration longer than 0s, such as 100ms or 2s',
      });
    } else out.delay = { fixedDelayMs: ms, percentage: readPercentage(d, `${AT}.delay`, problems) };
  }
  if (f.abort !== undefined && f.abort !== null) {
    const a = fieldsOf(f.abort) ?? {};
    const percentage = readPercentage(a, `${AT}.abort`, problems);
    const hasHttp = a.httpStatus !== undefined && a.httpStatus !== null;
    const hasGrpc = a.grpcStatus !== undefined && a.grpcStatus !== null;
    if (hasHttp === hasGrpc) {
      problems.push({ path: `${AT}.abort`, message: 'abort takes exactly one of httpStatus and grpcStatus' });
    } else if (hasHttp) {
      // Envoy's FaultAbort.http_status: [200, 600).
      const httpStatus = readStatus(a.httpStatus, 200, 599, `${AT}.abort.httpStatus`, problems);
      if (httpStatus !== undefined) out.abort = { httpStatus, percentage };
    } else {
      const grpcStatus = readStatus(a.grpcStatus, 0, 16, `${AT}.abort.grpcStatus`, problems);
      if (grpcStatus !== undefined) out.abort = { grpcStatus, percentage };
    }
  }
  if (!out.delay && !out.abort && problems.length === 0)
    problems.push({ path: AT, message: 'faultInjection needs a delay, an abort, or both' });
  return problems.length > 0 ? { valid: false, errors: problems } : valid(out);
}
