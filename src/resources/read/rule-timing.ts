/**
 * An HTTPRoute rule's `timeouts` and `retry`, read: the durations in milliseconds and the retry
 * policy, or why not, with the messages the translator gave before the reader. A `timeouts` or
 * `retry` that is no object asks for nothing (as `retry: {}` asks for one attempt, the API's
 * default); the CRD refuses such values.
 */
import { parseGatewayDuration } from './duration.js';
import { fieldsOf, valid, type FieldError, type ValidationResult } from './validation-result.js';

export interface RuleTimeouts {
  requestMs: number | undefined;
  backendRequestMs: number | undefined;
}

export interface RuleRetry {
  /** Retriable status codes, sorted, each once. */
  codes: number[];
  numRetries: number;
  backoffMs?: number;
}

export function readRuleTimeouts(given: unknown, path: string): ValidationResult<RuleTimeouts | undefined> {
  const timeouts = fieldsOf(given);
  if (!timeouts) return valid(undefined);
  const errors: FieldError[] = [];
  const duration = (field: 'request' | 'backendRequest'): number | undefined => {
    const value = timeouts[field];
    if (value === undefined) return undefined;
    const ms = parseGatewayDuration(value);
    if (ms === undefined)
      errors.push({ path: `${path}.${field}`, message: `timeouts.${field}: invalid duration ${String(value)}` });
    return ms;
  };
  const requestMs = duration('request');
  const backendRequestMs = duration('backendRequest');
  // As the CRD's own rule: a backendRequest of 0s (no per-try timeout) under a request timeout
  // is valid, and the request timeout still bounds the whole exchange.
  if (requestMs !== undefined && requestMs > 0 && backendRequestMs !== undefined && backendRequestMs > requestMs) {
    errors.push({
      path: `${path}.backendRequest`,
      message: 'timeouts.backendRequest must not be longer than timeouts.request',
    });
  }
  if (errors.length > 0) return { valid: false, errors };
  if (requestMs === undefined && backendRequestMs === undefined) return valid(undefined);
  return valid({ requestMs, backendRequestMs });
}

export function readRuleRetry(given: unknown, path: string): ValidationResult<RuleRetry | undefined> {
  if (!given) return valid(undefined);
  const retry = fieldsOf(given) ?? {};
  const errors: FieldError[] = [];
  const codes: number[] = [];
  const listed = retry.codes ?? [];
  if (!Array.isArray(listed)) {
    errors.push({ path: `${path}.codes`, message: 'retry: codes must be a list of status codes' });
  } else {
    for (const c of listed as unknown[]) {
      if (typeof c !== 'number' || !Number.isInteger(c) || c < 400 || c > 599) {
        errors.push({ path: `${path}.codes`, message: `retry: status code ${String(c)} is not retriable (400-599)` });
      } else if (!codes.includes(c)) codes.push(c);
    }
  }
  const attempts = retry.attempts ?? 1;
  if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 0 || attempts > 100) {
    errors.push({ path: `${path}.attempts`, message: `retry: invalid attempts ${String(attempts)}` });
  }
  let backoffMs: number | undefined;
  if (retry.backoff !== undefined) {
    backoffMs = parseGatewayDuration(retry.backoff);
    // Envoy's retry back-off needs a base interval above zero.
    if (backoffMs === undefined || backoffMs < 1) {
      errors.push({ path: `${path}.backoff`, message: `retry: invalid backoff ${String(retry.backoff)}` });
    }
  }
  if (errors.length > 0) return { valid: false, errors };
  const out: RuleRetry = { codes: codes.sort((a, b) => a - b), numRetries: attempts as number };
  if (backoffMs !== undefined) out.backoffMs = backoffMs;
  return valid(out);
}
