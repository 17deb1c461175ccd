/**
 * XBackendTrafficPolicy (gateway.networking.x-k8s.io/v1alpha1, Gateway API v1.7.0 experimental,
 * GEP-3388), read: the Services it targets (`targetRefs`, group "" kind Service, in its namespace)
 * and its `retryConstraint`: a retry budget (`budget.percent` of the active requests, default 20)
 * with a floor (`minRetryRate`, default 10 per 1s). `sessionPersistence` is not implemented (the
 * HTTPRoute rule's sessionPersistence is): a policy that sets it is refused as a whole.
 */
import { parseGatewayDuration } from './duration.js';
import { readOnce } from './read-once.js';
import { fieldsOf, itemsOf, valid, type FieldError, type ValidationResult } from './validation-result.js';

export interface XBackendTrafficTarget {
  /** A Service of the policy's namespace; undefined: a targetRef of another kind (`written` says which). */
  service?: string;
  written: string;
}

export interface RetryConstraintRead {
  budgetPercent: number;
  budgetIntervalMs: number;
  minRetryCount: number;
  minRetryIntervalMs: number;
}

export interface ValidatedXBackendTrafficPolicy {
  targets: XBackendTrafficTarget[];
  /** Absent from the result: no retryConstraint. */
  settings: ValidationResult<{ retryConstraint?: RetryConstraintRead }>;
}

const HOUR_MS = 3_600_000;

function readTargets(value: unknown): XBackendTrafficTarget[] {
  return itemsOf(value).map((item) => {
    const t = fieldsOf(item) ?? {};
    const group = typeof t.group === 'string' ? t.group : '';
    const kind = typeof t.kind === 'string' ? t.kind : '';
    const name = typeof t.name === 'string' && t.name.length > 0 ? t.name : undefined;
    const written = `${group === '' ? '' : `${group}/`}${kind} ${name ?? '(no name)'}`;
    return group === '' && kind === 'Service' && name !== undefined ? { service: name, written } : { written };
  });
}

function durationMs(
  f: Record<string, unknown>,
  name: string,
  fallback: number,
  min: number,
  path: string,
  problems: FieldError[],
): number {
  if (f[name] === undefined || f[name] === null) return fallback;
  const ms = parseGatewayDuration(f[name]);
  if (ms === undefined || ms < min || ms > HOUR_MS) {
    problems.push({
      path,
      message: `${path.replace(/^spec\./, '')} must be a duration from ${min === 0 ? 'above 0s' : '1s'} to 1h`,
    });
    return fallback;
  }
  return ms;
}

function readRetryConstraint(value: unknown, problems: FieldError[]): RetryConstraintRead | undefined {
  const at = 'spec.retryConstraint';
  const r = fieldsOf(value);
  if (!r) {
    problems.push({ path: at, message: 'retryConstraint must be an object' });
    return undefined;
  }
  const budget = fieldsOf(r.budget) ?? {};
  const rate = fieldsOf(r.minRetryRate) ?? {};
  const percent = budget.percent ?? 20;
  if (typeof percent !== 'number' || !Number.isInteger(percent) || percent < 0 || percent > 100)
    problems.push({
      path: `${at}.budget.percent`,
      message: 'retryConstraint.budget.percent must be an integer from 0 to 100',
    });
  const count = rate.count ?? 10;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 1_000_000)
    problems.push({
      path: `${at}.minRetryRate.count`,
      message: 'retryConstraint.minRetryRate.count must be an integer from 1 to 1000000',
    });
  return {
    budgetPercent: percent as number,
    budgetIntervalMs: durationMs(budget, 'interval', 10_000, 1000, `${at}.budget.interval`, problems),
    minRetryCount: count as number,
    minRetryIntervalMs: durationMs(rate, 'interval', 1000, 1, `${at}.minRetryRate.interval`, problems),
  };
}

export const readXBackendTrafficPolicy: (policy: { spec?: unknown }) => ValidatedXBackendTrafficPolicy = readOnce(
  (spec) => {
    const fields = fieldsOf(spec) ?? {};
    const problems: FieldError[] = [];
    const out: { retryConstraint?: RetryConstraintRead } = {};
    for (const [field, value] of Object.entries(fields)) {
      if (field === 'targetRefs' || value === undefined || value === null) continue;
      if (field === 'retryConstraint') {
        const read = readRetryConstraint(value, problems);
        if (read) out.retryConstraint = read;
      } else if (field === 'sessionPersistence') {
        problems.push({
          path: 'spec.sessionPersistence',
          message:
            "sessionPersistence is not implemented in XBackendTrafficPolicy: set it on the HTTPRoute rule (the rule's sessionPersistence)",
        });
      } else {
        problems.push({ path: `spec.${field}`, message: `${field} is not an XBackendTrafficPolicy field` });
      }
    }
    return {
      targets: readTargets(fields.targetRefs),
      settings: problems.length > 0 ? { valid: false, errors: problems } : valid(out),
    };
  },
);
