/**
 * A BackendTrafficPolicy's `circuitBreaker` (Envoy Gateway's CircuitBreaker), read: the limits on
 * connections and requests Envoy keeps open to a backend cluster. Each limit is Envoy's uint32; an
 * absent one takes Envoy Gateway's default (1024), `maxRequestsPerConnection` none (unlimited).
 */
import { fieldsOf, valid, type FieldError, type ValidationResult } from './validation-result.js';

export interface CircuitBreakerRead {
  maxConnections: number;
  maxPendingRequests: number;
  maxParallelRequests: number;
  maxParallelRetries: number;
  maxRequestsPerConnection?: number;
}

const AT = 'spec.circuitBreaker';
const UINT32_MAX = 4_294_967_295;
/** Envoy Gateway's default for each limit that is not set (Envoy's own is also 1024). */
const DEFAULT_LIMIT = 1024;

/** A uint32 field of `fields` (absent: `fallback`), or a problem naming it. */
export function readUint32(
  fields: Record<string, unknown>,
  name: string,
  at: string,
  problems: FieldError[],
  fallback?: number,
): number | undefined {
  const v = fields[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > UINT32_MAX) {
    problems.push({ path: `${at}.${name}`, message: `${name} must be an integer from 0 to ${UINT32_MAX}` });
    return undefined;
  }
  return v;
}

export function readCircuitBreaker(value: unknown): ValidationResult<CircuitBreakerRead> {
  const c = fieldsOf(value);
  if (!c) return { valid: false, errors: [{ path: AT, message: 'circuitBreaker must be an object' }] };
  const problems: FieldError[] = [];
  const read = (name: string, fallback?: number) => readUint32(c, name, AT, problems, fallback);
  const out = {
    maxConnections: read('maxConnections', DEFAULT_LIMIT),
    maxPendingRequests: read('maxPendingRequests', DEFAULT_LIMIT),
    maxParallelRequests: read('maxParallelRequests', DEFAULT_LIMIT),
    maxParallelRetries: read('maxParallelRetries', DEFAULT_LIMIT),
    maxRequestsPerConnection: read('maxRequestsPerConnection'),
  };
  for (const name of Object.keys(c)) {
    if (!(name in out)) problems.push({ path: `${AT}.${name}`, message: `circuitBreaker.${name} is not supported` });
  }
  if (problems.length > 0) return { valid: false, errors: problems };
  const { maxRequestsPerConnection, ...limits } = out;
  return valid({
    ...(limits as Omit<CircuitBreakerRead, 'maxRequestsPerConnection'>),
    ...(maxRequestsPerConnection !== undefined ? { maxRequestsPerConnection } : {}),
  });
}
