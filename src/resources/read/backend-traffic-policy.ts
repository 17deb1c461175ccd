/**
 * BackendTrafficPolicy (gateway.portico.dev/v1alpha1, Envoy Gateway's field names), read: what it
 * targets, and how Envoy should treat the backends behind them, section by section.
 *
 * Targets are read one by one (`policy-targets.ts`). The sections are valid or not as a whole
 * (`features`): a policy with a section that does not read is not applied at all (Accepted=False,
 * Invalid), and the routes it targets keep being served as without it.
 *
 * Seam for the features: each section has its reader in `SECTION_READERS` (its own module,
 * `traffic-<section>.ts`) and its typed reading in `TrafficFeatures`.
 */
import { readPolicyTargets, TARGET_FIELDS, type PolicyTargets } from './policy-targets.js';
import { readCircuitBreaker, type CircuitBreakerRead } from './traffic-circuit-breaker.js';
import { readFaultInjection, type FaultInjectionRead } from './traffic-fault-injection.js';
import { compressionReader, type CompressionRead } from './traffic-compression.js';
import { readRequestBuffer, type RequestBufferRead } from './traffic-request-buffer.js';
import { readResponseOverride, type ResponseOverrideRuleRead } from './traffic-response-override.js';
import { readRateLimit, type RateLimitRead } from './traffic-rate-limit.js';
import { readOnce } from './read-once.js';
import { fieldsOf, valid, type FieldError, type ValidationResult } from './validation-result.js';

/** The kinds a BackendTrafficPolicy attaches to (sectionName: a listener of the first two, a rule name of routes). */
export const TRAFFIC_TARGET_KINDS = [
  'Gateway',
  'ListenerSet',
  'HTTPRoute',
  'GRPCRoute',
  'TCPRoute',
  'UDPRoute',
] as const;
export type TrafficTargetKind = (typeof TRAFFIC_TARGET_KINDS)[number];

/** What a policy asks of its backends, section by section (absent: the section is not set). */
export interface TrafficFeatures {
  circuitBreaker?: CircuitBreakerRead;
  faultInjection?: FaultInjectionRead;
  /** Deprecated in Envoy Gateway for `compressor`, which wins when both are set. */
  compression?: CompressionRead[];
  compressor?: CompressionRead[];
  requestBuffer?: RequestBufferRead;
  responseOverride?: ResponseOverrideRuleRead[];
  rateLimit?: RateLimitRead;
}

export interface ValidatedBackendTrafficPolicy extends PolicyTargets<TrafficTargetKind> {
  /** Every problem of the spec outside its targets, with its path. */
  features: ValidationResult<TrafficFeatures>;
}

type SectionReaders = {
  [K in keyof TrafficFeatures]-?: (value: unknown) => ValidationResult<NonNullable<TrafficFeatures[K]>>;
};

/** The sections Portico translates, each with its reader. */
const SECTION_READERS: SectionReaders = {
  circuitBreaker: readCircuitBreaker,
  faultInjection: readFaultInjection,
  compression: compressionReader('compression'),
  compressor: compressionReader('compressor'),
  requestBuffer: readRequestBuffer,
  responseOverride: readResponseOverride,
  rateLimit: readRateLimit,
};

export const readBackendTrafficPolicy: (policy: { spec?: unknown }) => ValidatedBackendTrafficPolicy = readOnce(
  (spec) => {
    const fields = fieldsOf(spec) ?? {};
    return {
      ...readPolicyTargets(fields, TRAFFIC_TARGET_KINDS, 'BackendTrafficPolicy'),
      features: readFeatures(spec, fields),
    };
  },
);

function readFeatures(spec: unknown, fields: Record<string, unknown>): ValidationResult<TrafficFeatures> {
  if (fieldsOf(spec) === undefined)
    return { valid: false, errors: [{ path: 'spec', message: 'spec must be an object' }] };
  const problems: FieldError[] = [];
  const features: TrafficFeatures = {};
  for (const [field, value] of Object.entries(fields)) {
    if (TARGET_FIELDS.has(field) || value === undefined || value === null) continue;
    if (field in SECTION_READERS) {
      const read = SECTION_READERS[field as keyof TrafficFeatures](value);
      if (read.valid) (features as Record<string, unknown>)[field] = read.result;
      else problems.push(...read.errors);
    } else {
      problems.push({
        path: `spec.${field}`,
        message: `${field} is not a BackendTrafficPolicy field Portico supports`,
      });
    }
  }
  return problems.length > 0 ? { valid: false, errors: problems } : valid(features);
}
