/**
 * XTelemetryPolicy (experimental in Gateway API v1.7.0, GEP-4768): tracing for the Gateways a
 * policy targets, as Envoy's OpenTelemetry tracer on every HTTP connection manager of the Gateway.
 *
 * - One policy per Gateway (the spec's precedence: the older by creation timestamp, then the first
 *   by `<namespace>/<name>`); the others that target it are `Conflicted` there.
 * - `provider.backendRef` is resolved like a route's backendRef (a Service port, a ReferenceGrant
 *   across namespaces, its BackendTLSPolicy) into an HTTP/2 cluster: spans are exported with
 *   OTLP over gRPC, the protocol of every OTLP collector's default port (4317).
 * - `samplingRate` is Envoy's random sampling. Envoy also honours a trace parent's "not sampled"
 *   and applies that same rate to sampled parents, so `parentBasedSampling` can only be what
 *   Envoy does (absent, ImplementationDefault, or Enabled at the same rate as `samplingRate`);
 *   anything else is refused (`Invalid`, saying why) rather than sampled otherwise than asked.
 * - Attributes: Literal and Header as Envoy custom tags; Attribute keys of the GEP-5253 dictionary
 *   that a request header carries (`http.request.method` is `:method`…); any other key is left out
 *   and named in the policy's status, as GEP-4768 allows.
 * Pure: what cannot be used is a verdict, never an exception.
 */
import type { IrCluster, IrTracingAttribute } from '../../../ir/types.js';
import type { KubeObject, TelemetryFraction, XTelemetryPolicy } from '../../../resources/types.js';
import { GATEWAY_GROUP } from '../../../resources/types.js';
import { resolveBackendRef, unreadableBackendRef } from '../backends.js';
import { readBackendObjectReference } from '../../../resources/read/backend-ref.js';
import type { TranslationContext } from '../context.js';
import { compareTimestamps } from '../routes/precedence.js';
import { isObject, list } from '../shape.js';
import { checkHeaderName } from '../validation.js';

/** What a policy's tracing block asks for, checked; the same for every Gateway it targets. */
export type TelemetryVerdict =
  | { type: 'invalid'; message: string }
  /** Tracing off: mode Disabled, or ImplementationDefault (Portico traces nothing by default). */
  | { type: 'off'; message: string }
  /** Enabled, but the collector reference does not resolve: nothing is traced. */
  | { type: 'unresolved'; reason: string; message: string }
  | {
      type: 'tracing';
      cluster: IrCluster;
      /** Absent: the Gateway's `<namespace>/<name>`. */
      serviceName?: string;
      samplingPercent: number;
      attributes: IrTracingAttribute[];
      exportHeaders: { name: string; value: string }[];
      spanName?: string;
      /** Said in the Accepted condition's message: attributes left out. */
      notes: string[];
    };

/** The CRD's patterns, checked again: file input is validated, but the translator trusts nothing. */
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

/**
 * GEP-5253 dictionary keys Envoy can give a span from what it has: the request header that holds
 * the value (read when the span ends), or a constant. Others (the response status code, client
 * address, URL path without its query…) have no such source in Envoy's custom tags.
 */
function dictionarySource(key: string): { requestHeader: string } | { literal: string } | undefined {
  switch (key) {
    case 'http.request.method':
    case 'http.request.method_original':
      return { requestHeader: ':method' };
    case 'url.scheme':
      return { requestHeader: ':scheme' };
    case 'user_agent.original':
      return { requestHeader: 'user-agent' };
    // Spans come from Envoy's HTTP connection manager: every traced request is HTTP.
    case 'network.protocol.name':
      return { literal: 'http' };
  }
  const prefix = 'http.request.header.';
  if (key.startsWith(prefix) && checkHeaderName(key.slice(prefix.length)) === undefined) {
    return { requestHeader: key.slice(prefix.length).toLowerCase() };
  }
  return undefined;
}

/** A fraction as a percentage, or why it is not one. */
function percentOf(fraction: unknown, at: string): number | string {
  if (!isObject(fraction)) return `${at} must be an object`;
  const { numerator, denominator = 100 } = fraction as Partial<TelemetryFraction>;
  if (!Number.isInteger(numerator) || (numerator as number) < 0) return `${at}.numerator must be an integer ≥ 0`;
  if (!Number.isInteger(denominator) || denominator < 1) return `${at}.denominator must be an integer ≥ 1`;
  if ((numerator as number) > denominator) return `${at}: numerator must be less than or equal to denominator`;
  return ((numerator as number) / denominator) * 100;
}

function attributesOf(raw: unknown, problems: string[], notes: string[]): IrTracingAttribute[] {
  if (raw !== undefined && !Array.isArray(raw)) {
    problems.push('attributes must be a list');
    return [];
  }
  const out: IrTracingAttribute[] = [];
  const names = new Set<string>();
  for (const [i, item] of list(raw as unknown[]).entries()) {
    const at = `attributes[${i}]`;
    if (!isObject(item)) {
      problems.push(`${at} must be an object`);
      continue;
    }
    const a = item as {
      name?: unknown;
      sourceType?: unknown;
      headerName?: unknown;
      literalValue?: unknown;
      attributeKey?: unknown;
    };
    if (typeof a.name !== 'string' || !ATTRIBUTE_NAME_RE.test(a.name)) {
      problems.push(`${at}.name ${JSON.stringify(a.name)} is not an attribute name`);
      continue;
    }
    if (names.has(a.name)) {
      problems.push(`${at}: attribute ${a.name} is listed more than once`);
      continue;
    }
    names.add(a.name);
    if (a.sourceType === 'Literal' && typeof a.literalValue === 'string' && a.literalValue !== '') {
      out.push({ name: a.name, literal: a.literalValue });
    } else if (a.sourceType === 'Header' && typeof a.headerName === 'string' && !checkHeaderName(a.headerName)) {
      out.push({ name: a.name, requestHeader: a.headerName.toLowerCase() });
    } else if (a.sourceType === 'Attribute' && typeof a.attributeKey === 'string' && a.attributeKey !== '') {
      const source = dictionarySource(a.attributeKey);
      if (source) out.push({ name: a.name, ...source });
      else notes.push(`attribute ${a.name} (${a.attributeKey}) is left out: Envoy has no value for that key`);
    } else {
      problems.push(
        `${at}: sourceType ${JSON.stringify(a.sourceType)} needs its own field (headerName, literalValue or attributeKey) set`,
      );
    }
  }
  return out;
}

function exportHeadersOf(raw: unknown, problems: string[]): { name: string; value: string }[] {
  if (raw !== undefined && !Array.isArray(raw)) {
    problems.push('provider.headers must be a list');
    return [];
  }
  const out: { name: string; value: string }[] = [];
  for (const [i, item] of list(raw as unknown[]).entries()) {
    const at = `provider.headers[${i}]`;
    const h = isObject(item) ? (item as { name?: unknown; value?: unknown }) : {};
    if (typeof h.name !== 'string' || checkHeaderName(h.name)) {
      problems.push(`${at}.name ${JSON.stringify(h.name)} is not a header name`);
      continue;
    }
    const name = h.name.toLowerCase();
    if (RESERVED_EXPORT_HEADERS.has(name) || name.startsWith('grpc-')) {
      problems.push(`${at}: ${name} is set by gRPC itself on export calls`);
      continue;
    }
    if (typeof h.value !== 'string' || !HEADER_VALUE_RE.test(h.value)) {
      problems.push(`${at}.value must be printable ASCII`);
      continue;
    }
    // HTTPHeader: the first of equivalent (case-insensitive) names counts, later ones are ignored.
    if (!out.some((o) => o.name === name)) out.push({ name, value: h.value });
  }
  return out;
}

/** The policy's tracing block, checked and (when enabled) its collector resolved. */
export function evaluateTelemetryPolicy(ctx: TranslationContext, policy: XTelemetryPolicy): TelemetryVerdict {
  const tracing: unknown = isObject(policy.spec) ? policy.spec?.tracing : undefined;
  if (!isObject(tracing)) return { type: 'invalid', message: 'spec.tracing must be set' };
  const t = tracing as NonNullable<XTelemetryPolicy['spec']>['tracing'] & Record<string, unknown>;
  const mode = t.mode ?? 'ImplementationDefault';
  if (mode !== 'Enabled' && mode !== 'Disabled' && mode !== 'ImplementationDefault') {
    return {
      type: 'invalid',
      message: `tracing.mode ${JSON.stringify(mode)} is not Enabled, Disabled or ImplementationDefault`,
    };
  }
  if (mode !== 'Enabled') {
    const set = ['provider', 'samplingRate', 'parentBasedSampling', 'serviceName', 'spanName', 'attributes'].filter(
      (f) => t[f] !== undefined,
    );
    if (set.length > 0) return { type: 'invalid', message: `tracing.${set[0]} can only be set when mode is Enabled` };
    return mode === 'Disabled'
      ? { type: 'off', message: 'tracing is Disabled' }
      : { type: 'off', message: 'tracing mode is ImplementationDefault: Portico traces nothing by default' };
  }
  const problems: string[] = [];
  const notes: string[] = [];
  const sampling = t.samplingRate === undefined ? 100 : percentOf(t.samplingRate, 'tracing.samplingRate');
  if (typeof sampling === 'string') problems.push(sampling);
  const parent: unknown = t.parentBasedSampling;
  if (parent !== undefined) {
    const p = isObject(parent) ? (parent as { mode?: unknown; samplingRate?: unknown }) : { mode: 'malformed' };
    const parentMode = p.mode ?? 'ImplementationDefault';
    if (parentMode === 'Disabled') {
      problems.push(
        'parentBasedSampling mode Disabled is not supported: Envoy always honours a trace parent that is not sampled; leave parentBasedSampling out, or set it to Enabled',
      );
    } else if (parentMode === 'Enabled') {
      const rate = p.samplingRate === undefined ? 100 : percentOf(p.samplingRate, 'parentBasedSampling.samplingRate');
      if (typeof rate === 'string') problems.push(rate);
      else if (typeof sampling === 'number' && rate !== sampling) {
        problems.push(
          `parentBasedSampling.samplingRate (${rate}%) must equal samplingRate (${sampling}%): Envoy samples requests with a sampled trace parent at the same rate as new traces`,
        );
      }
    } else if (parentMode !== 'ImplementationDefault') {
      problems.push(
        `parentBasedSampling.mode ${JSON.stringify(parentMode)} is not Enabled, Disabled or ImplementationDefault`,
      );
    } else if (p.samplingRate !== undefined) {
      problems.push('parentBasedSampling.samplingRate can only be set when its mode is Enabled');
    }
  }
  if (t.serviceName !== undefined && (typeof t.serviceName !== 'string' || !SERVICE_NAME_RE.test(t.serviceName))) {
    problems.push(`tracing.serviceName ${JSON.stringify(t.serviceName)} is not a service name`);
  }
  if (
    t.spanName !== undefined &&
    (typeof t.spanName !== 'string' || t.spanName.length > 256 || !SPAN_NAME_RE.test(t.spanName))
  ) {
    problems.push(`tracing.spanName ${JSON.stringify(t.spanName)} is not a span name`);
  }
  const attributes = attributesOf(t.attributes, problems, notes);
  const provider: unknown = t.provider;
  const backendRef = isObject(provider) ? (provider as { backendRef?: unknown }).backendRef : undefined;
  if (!isObject(backendRef) || typeof (backendRef as { name?: unknown }).name !== 'string') {
    problems.push('tracing.provider.backendRef is required when mode is Enabled');
  }
  const exportHeaders = isObject(provider)
    ? exportHeadersOf((provider as { headers?: unknown }).headers, problems)
    : [];
  if (problems.length > 0) return { type: 'invalid', message: problems.join('; ') };

  const target = readBackendObjectReference(backendRef, 'tracing.provider.backendRef');
  const resolved = target.valid
    ? resolveBackendRef(ctx, policy as KubeObject, target.result, 'grpc')
    : unreadableBackendRef(target.errors);
  if (!resolved.ok) {
    return {
      type: 'unresolved',
      reason: resolved.reason,
      message: `tracing.provider.backendRef: ${resolved.message}; nothing is traced until it resolves`,
    };
  }
  return {
    type: 'tracing',
    cluster: resolved.cluster,
    ...(typeof t.serviceName === 'string' ? { serviceName: t.serviceName } : {}),
    samplingPercent: sampling as number,
    attributes,
    exportHeaders,
    ...(typeof t.spanName === 'string' ? { spanName: t.spanName } : {}),
    notes,
  };
}

/** Whether a targetRef names this Gateway (targetRefs are local: the policy's namespace). */
export function targetsGateway(ref: unknown, name: string): boolean {
  if (!isObject(ref)) return false;
  const r = ref as { group?: unknown; kind?: unknown; name?: unknown };
  return r.group === GATEWAY_GROUP && r.kind === 'Gateway' && r.name === name;
}

/** The spec's precedence: the older policy, then the first by `<namespace>/<name>`. */
export function comparePolicies(a: XTelemetryPolicy, b: XTelemetryPolicy): number {
  const byAge = compareTimestamps(a.metadata.creationTimestamp, b.metadata.creationTimestamp);
  if (byAge !== 0) return byAge;
  const ka = `${a.metadata.namespace ?? 'default'}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace ?? 'default'}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** The policy that applies to a Gateway (the first by precedence of those targeting it), if any. */
export function policyForGateway(
  policies: readonly XTelemetryPolicy[],
  namespace: string,
  name: string,
): XTelemetryPolicy | undefined {
  let winner: XTelemetryPolicy | undefined;
  for (const policy of policies) {
    if ((policy.metadata.namespace ?? 'default') !== namespace) continue;
    const refs: unknown = isObject(policy.spec) ? policy.spec?.targetRefs : undefined;
    if (!Array.isArray(refs) || !refs.some((r) => targetsGateway(r, name))) continue;
    if (!winner || comparePolicies(policy, winner) < 0) winner = policy;
  }
  return winner;
}
