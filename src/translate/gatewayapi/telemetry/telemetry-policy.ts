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
import type { KubeObject, XTelemetryPolicy } from '../../../resources/types.js';
import { GATEWAY_GROUP } from '../../../resources/types.js';
import { readTelemetryPolicy, type TracingAttributeRead } from '../../../resources/read/telemetry-policy.js';
import { resolveBackendRef, unreadableBackendRef } from '../backends.js';
import type { TranslationContext } from '../context.js';
import { compareTimestamps } from '../routes/precedence.js';
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

/** The attributes Envoy can put on a span, and a note for each it cannot (its key has no source). */
function spanAttributes(read: readonly TracingAttributeRead[], notes: string[]): IrTracingAttribute[] {
  const out: IrTracingAttribute[] = [];
  for (const a of read) {
    if (a.source === 'Literal') out.push({ name: a.name, literal: a.value });
    else if (a.source === 'Header') out.push({ name: a.name, requestHeader: a.headerName.toLowerCase() });
    else {
      const source = dictionarySource(a.key);
      if (source) out.push({ name: a.name, ...source });
      else notes.push(`attribute ${a.name} (${a.key}) is left out: Envoy has no value for that key`);
    }
  }
  return out;
}

/** The policy's tracing block, checked and (when enabled) its collector resolved. */
export function evaluateTelemetryPolicy(ctx: TranslationContext, policy: XTelemetryPolicy): TelemetryVerdict {
  const tracing = readTelemetryPolicy(policy).tracing;
  if (!tracing.valid) return { type: 'invalid', message: tracing.errors.map((e) => e.message).join('; ') };
  const t = tracing.result;
  if (t.mode !== 'Enabled') {
    return t.mode === 'Disabled'
      ? { type: 'off', message: 'tracing is Disabled' }
      : { type: 'off', message: 'tracing mode is ImplementationDefault: Portico traces nothing by default' };
  }
  const notes: string[] = [];
  const attributes = spanAttributes(t.attributes, notes);
  const resolved = t.backendRef.valid
    ? resolveBackendRef(ctx, policy as KubeObject, t.backendRef.result, 'grpc')
    : unreadableBackendRef(t.backendRef.errors);
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
    ...(t.serviceName !== undefined ? { serviceName: t.serviceName } : {}),
    samplingPercent: t.samplingPercent,
    attributes,
    exportHeaders: t.exportHeaders,
    ...(t.spanName !== undefined ? { spanName: t.spanName } : {}),
    notes,
  };
}

/**
 * The spec's precedence between policies (GEP-713; XTelemetryPolicy, SecurityPolicy): the older
 * policy, then the first by `<namespace>/<name>`.
 */
export function comparePolicies(a: Pick<KubeObject, 'metadata'>, b: Pick<KubeObject, 'metadata'>): number {
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
    // targetRefs are local: the policy's namespace.
    const targets = readTelemetryPolicy(policy).targets;
    if (!targets.some((t) => t.group === GATEWAY_GROUP && t.kind === 'Gateway' && t.name === name)) continue;
    if (!winner || comparePolicies(policy, winner) < 0) winner = policy;
  }
  return winner;
}
