/**
 * XTelemetryPolicy (GEP-4768), read: the Gateways it targets and its tracing block, checked as
 * the CRD checks it (file input is validated, but the translator trusts nothing).
 *
 * `tracing` is valid or not as a whole: every problem found is kept, in the order of the spec's
 * fields, and the policy's Invalid condition names them all. Two things are not problems of the
 * block: the collector reference (`provider.backendRef`) is read as any backend reference, and one
 * that has a name but does not read is the policy's ResolvedRefs business; which Attribute keys
 * Envoy can give a value for is the translator's knowledge.
 */
import type { BackendObjectReference } from '../types.js';
import { readBackendObjectReference } from './backend-object-reference.js';
import { isHeaderName } from './header-name.js';
import { readOnce } from './read-once.js';
import { fieldsOf, itemsOf, valid, type FieldError, type ValidationResult } from './validation-result.js';

/** A targetRef with a string name; a group or kind that is not a string is ''. */
export interface TelemetryTarget {
  group: string;
  kind: string;
  name: string;
}

/** One attribute put on every span, by where its value comes from. */
export type TracingAttributeRead =
  | { name: string; source: 'Literal'; value: string }
  /** A valid header name, as written. */
  | { name: string; source: 'Header'; headerName: string }
  /** A key of the GEP-5253 dictionary (any non-empty string: which Envoy can give is not the reader's to say). */
  | { name: string; source: 'Attribute'; key: string };

export interface TracingEnabled {
  mode: 'Enabled';
  /** The collector; it has a string name (one without is a problem of the block). */
  backendRef: ValidationResult<BackendObjectReference>;
  serviceName: string | undefined;
  /** `samplingRate` as a percentage (absent: 100). */
  samplingPercent: number;
  spanName: string | undefined;
  attributes: TracingAttributeRead[];
  /** `provider.headers`: lowercase names, the first of equivalent names only. */
  exportHeaders: { name: string; value: string }[];
}

export type TelemetryTracing = { mode: 'Disabled' | 'ImplementationDefault' } | TracingEnabled;

export interface ValidatedTelemetryPolicy {
  targets: TelemetryTarget[];
  tracing: ValidationResult<TelemetryTracing>;
}

export const readTelemetryPolicy: (policy: { spec?: unknown }) => ValidatedTelemetryPolicy = readOnce((spec) => {
  const fields = fieldsOf(spec);
  return { targets: readTargets(fields?.targetRefs), tracing: readTracing(fields?.tracing) };
});

function readTargets(value: unknown): TelemetryTarget[] {
  const targets: TelemetryTarget[] = [];
  for (const item of itemsOf(value)) {
    const ref = fieldsOf(item);
    if (!ref || typeof ref.name !== 'string') continue;
    targets.push({
      group: typeof ref.group === 'string' ? ref.group : '',
      kind: typeof ref.kind === 'string' ? ref.kind : '',
      name: ref.name,
    });
  }
  return targets;
}

/** The CRD's patterns. */
const SERVICE_NAME_RE = /^[a-zA-Z0-9_.:/-]{1,253}$/;
const SPAN_NAME_RE = /^[a-zA-Z0-9_.:/-]+( [a-zA-Z0-9_.:/-]+)*$/;
const ATTRIBUTE_NAME_RE = /^[a-zA-Z0-9_.:/-]{1,256}$/;
const HEADER_VALUE_RE = /^[!-~]+([\t ]?[!-~]+)*$/;

/**
 * Export metadata a user may not set: gRPC's own headers (a wrong `content-type` or `te` breaks
 * every export call) and HTTP/2's connection-specific ones, which it forbids.
 */
const RESERVED_EXPORT_HEADERS: ReadonlySet<string> = new Set([
  'content-type',
  'te',
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

/** Fields that only an Enabled block may set, in the order a message names the first set. */
const ENABLED_ONLY = ['provider', 'samplingRate', 'parentBasedSampling', 'serviceName', 'spanName', 'attributes'];

const MODES = ['Enabled', 'Disabled', 'ImplementationDefault'] as const;

function readTracing(value: unknown): ValidationResult<TelemetryTracing> {
  const t = fieldsOf(value);
  if (!t) return invalidAt('spec.tracing', 'spec.tracing must be set');
  const written = t.mode ?? 'ImplementationDefault';
  const mode = MODES.find((m) => m === written);
  if (mode === undefined) {
    return invalidAt(
      'spec.tracing.mode',
      `tracing.mode ${JSON.stringify(written)} is not Enabled, Disabled or ImplementationDefault`,
    );
  }
  if (mode !== 'Enabled') {
    const set = ENABLED_ONLY.find((f) => t[f] !== undefined);
    if (set !== undefined)
      return invalidAt(`spec.tracing.${set}`, `tracing.${set} can only be set when mode is Enabled`);
    return valid({ mode });
  }
  const problems: FieldError[] = [];
  const problem = (path: string, message: string): void => {
    problems.push({ path, message });
  };
  const sampling = t.samplingRate === undefined ? 100 : percentOf(t.samplingRate, 'tracing.samplingRate');
  if (typeof sampling === 'string') problem('spec.tracing.samplingRate', sampling);
  if (t.parentBasedSampling !== undefined) {
    const message = parentProblem(t.parentBasedSampling, sampling);
    if (message !== undefined) problem('spec.tracing.parentBasedSampling', message);
  }
  const serviceName = t.serviceName;
  if (serviceName !== undefined && (typeof serviceName !== 'string' || !SERVICE_NAME_RE.test(serviceName))) {
    problem('spec.tracing.serviceName', `tracing.serviceName ${JSON.stringify(serviceName)} is not a service name`);
  }
  const spanName = t.spanName;
  if (
    spanName !== undefined &&
    (typeof spanName !== 'string' || spanName.length > 256 || !SPAN_NAME_RE.test(spanName))
  ) {
    problem('spec.tracing.spanName', `tracing.spanName ${JSON.stringify(spanName)} is not a span name`);
  }
  const attributes = readAttributes(t.attributes, problems);
  const provider = fieldsOf(t.provider);
  const backendRef = fieldsOf(provider?.backendRef);
  if (!backendRef || typeof backendRef.name !== 'string') {
    problem('spec.tracing.provider.backendRef', 'tracing.provider.backendRef is required when mode is Enabled');
  }
  const exportHeaders = provider ? readExportHeaders(provider.headers, problems) : [];
  if (problems.length > 0) return { valid: false, errors: problems };
  return valid({
    mode,
    // The path is part of the ResolvedRefs message when the reference does not read.
    backendRef: readBackendObjectReference(backendRef, 'tracing.provider.backendRef'),
    serviceName: typeof serviceName === 'string' ? serviceName : undefined,
    samplingPercent: sampling as number,
    spanName: typeof spanName === 'string' ? spanName : undefined,
    attributes,
    exportHeaders,
  });
}

function invalidAt<T>(path: string, message: string): ValidationResult<T> {
  return { valid: false, errors: [{ path, message }] };
}

/** A fraction (`denominator` defaults to 100) as a percentage, or the sentence saying why it is not one. */
function percentOf(value: unknown, at: string): number | string {
  const fraction = fieldsOf(value);
  if (!fraction) return `${at} must be an object`;
  const { numerator, denominator = 100 } = fraction;
  if (!isInteger(numerator) || numerator < 0) return `${at}.numerator must be an integer ≥ 0`;
  if (!isInteger(denominator) || denominator < 1) return `${at}.denominator must be an integer ≥ 1`;
  if (numerator > denominator) return `${at}: numerator must be less than or equal to denominator`;
  return (numerator / denominator) * 100;
}

function isInteger(value: unknown): value is number {
  return Number.isInteger(value);
}

/**
 * Envoy honours a trace parent's "not sampled" and samples sampled parents at `samplingRate`:
 * `parentBasedSampling` can only say that (absent, ImplementationDefault, or Enabled at the same
 * rate). `sampling` is samplingRate's percentage, or its problem.
 */
function parentProblem(value: unknown, sampling: number | string): string | undefined {
  const p = fieldsOf(value) ?? { mode: 'malformed' };
  const mode = p.mode ?? 'ImplementationDefault';
  if (mode === 'Disabled') {
    return 'parentBasedSampling mode Disabled is not supported: Envoy always honours a trace parent that is not sampled; leave parentBasedSampling out, or set it to Enabled';
  }
  if (mode === 'Enabled') {
    const rate = p.samplingRate === undefined ? 100 : percentOf(p.samplingRate, 'parentBasedSampling.samplingRate');
    if (typeof rate === 'string') return rate;
    if (typeof sampling === 'number' && rate !== sampling) {
      return `parentBasedSampling.samplingRate (${rate}%) must equal samplingRate (${sampling}%): Envoy samples requests with a sampled trace parent at the same rate as new traces`;
    }
    return undefined;
  }
  if (mode !== 'ImplementationDefault') {
    return `parentBasedSampling.mode ${JSON.stringify(mode)} is not Enabled, Disabled or ImplementationDefault`;
  }
  if (p.samplingRate !== undefined) return 'parentBasedSampling.samplingRate can only be set when its mode is Enabled';
  return undefined;
}

function readAttributes(value: unknown, problems: FieldError[]): TracingAttributeRead[] {
  if (value !== undefined && !Array.isArray(value)) {
    problems.push({ path: 'spec.tracing.attributes', message: 'attributes must be a list' });
    return [];
  }
  const out: TracingAttributeRead[] = [];
  const names = new Set<string>();
  for (const [i, item] of itemsOf(value).entries()) {
    const at = `attributes[${i}]`;
    const path = `spec.tracing.${at}`;
    const a = fieldsOf(item);
    if (!a) {
      problems.push({ path, message: `${at} must be an object` });
      continue;
    }
    const name = a.name;
    if (typeof name !== 'string' || !ATTRIBUTE_NAME_RE.test(name)) {
      problems.push({ path: `${path}.name`, message: `${at}.name ${JSON.stringify(name)} is not an attribute name` });
      continue;
    }
    if (names.has(name)) {
      problems.push({ path: `${path}.name`, message: `${at}: attribute ${name} is listed more than once` });
      continue;
    }
    names.add(name);
    if (a.sourceType === 'Literal' && typeof a.literalValue === 'string' && a.literalValue !== '') {
      out.push({ name, source: 'Literal', value: a.literalValue });
    } else if (a.sourceType === 'Header' && isHeaderName(a.headerName)) {
      out.push({ name, source: 'Header', headerName: a.headerName });
    } else if (a.sourceType === 'Attribute' && typeof a.attributeKey === 'string' && a.attributeKey !== '') {
      out.push({ name, source: 'Attribute', key: a.attributeKey });
    } else {
      problems.push({
        path,
        message: `${at}: sourceType ${JSON.stringify(a.sourceType)} needs its own field (headerName, literalValue or attributeKey) set`,
      });
    }
  }
  return out;
}

function readExportHeaders(value: unknown, problems: FieldError[]): { name: string; value: string }[] {
  if (value !== undefined && !Array.isArray(value)) {
    problems.push({ path: 'spec.tracing.provider.headers', message: 'provider.headers must be a list' });
    return [];
  }
  const out: { name: string; value: string }[] = [];
  for (const [i, item] of itemsOf(value).entries()) {
    const at = `provider.headers[${i}]`;
    const path = `spec.tracing.${at}`;
    const h = fieldsOf(item) ?? {};
    if (!isHeaderName(h.name)) {
      problems.push({ path: `${path}.name`, message: `${at}.name ${JSON.stringify(h.name)} is not a header name` });
      continue;
    }
    const name = h.name.toLowerCase();
    if (RESERVED_EXPORT_HEADERS.has(name) || name.startsWith('grpc-')) {
      problems.push({ path: `${path}.name`, message: `${at}: ${name} is set by gRPC itself on export calls` });
      continue;
    }
    if (typeof h.value !== 'string' || !HEADER_VALUE_RE.test(h.value)) {
      problems.push({ path: `${path}.value`, message: `${at}.value must be printable ASCII` });
      continue;
    }
    // HTTPHeader: the first of equivalent (case-insensitive) names counts, later ones are ignored.
    if (!out.some((o) => o.name === name)) out.push({ name, value: h.value });
  }
  return out;
}
