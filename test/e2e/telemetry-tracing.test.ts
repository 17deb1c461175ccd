/**
 * XTelemetryPolicy tracing (GEP-4768) through a real Envoy and the real OpenTelemetry Collector
 * (v0.165.0, built from its Go modules by hack/otelcol/build.sh into .cache/otelcol): Envoy's
 * OpenTelemetry tracer exports OTLP over gRPC to the collector's OTLP receiver, and the collector's
 * OTLP/HTTP exporter (JSON) posts the spans to a small receiver in this test, which reads them.
 * - a request through Envoy produces a server span named by `spanName`, from the service
 *   `serviceName`, with the policy's attributes (Literal, Header, and `http.request.method` from
 *   the dictionary), and the backend gets the span's trace context;
 * - a request with a sampled trace parent joins the parent's trace (the span's trace ID and parent
 *   span ID are the client's), and the backend gets a W3C traceparent of that trace whose parent
 *   is Envoy's span; one whose parent is not sampled produces no span;
 * - `samplingRate` 0 (also for a request whose parent is sampled), and then mode `Disabled`,
 *   produce no span.
 * Absence is proven by order, not by waiting: Envoy is told to export each span as it ends
 * (runtime `tracing.opentelemetry.min_flush_spans` 1), and the collector forwards each export
 * before it answers it (no sending queue); every request of a phase without spans has ended
 * before a later request's span is waited for, and Envoy's own count of spans it sent must equal
 * the spans the receiver got.
 *
 * Skipped, saying why, only when the collector cannot be built on this machine (no Go toolchain,
 * or its modules cannot be fetched).
 */
import { Agent } from 'node:http';
import { startBackend, type Backend, type EchoReply } from '../support/backends.js';
import { freePort } from '../support/envoy-ads.js';
import { request } from '../support/http-client.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { buildCollector, startCollector, type RunningCollector } from '../support/otel-collector.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

const collector = buildCollector();
if ('why' in collector) {
  console.warn(`SKIPPED telemetry-tracing: the OpenTelemetry Collector could not be built.\n${collector.why}`);
}
const suite = 'bin' in collector ? describe : describe.skip;

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, string>;
}

type OtlpAttributes = { key: string; value: { stringValue?: string } }[] | undefined;

function attributesOf(list: OtlpAttributes): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of list ?? []) out[a.key] = a.value.stringValue ?? JSON.stringify(a.value);
  return out;
}

/** What the collector's OTLP/HTTP exporter posts (JSON encoding), flattened to spans. */
function spansOf(body: string): ReceivedSpan[] {
  const request = JSON.parse(body) as {
    resourceSpans?: {
      resource?: { attributes?: OtlpAttributes };
      scopeSpans?: {
        spans?: {
          traceId: string;
          spanId: string;
          parentSpanId?: string;
          name: string;
          kind?: number;
          attributes?: OtlpAttributes;
        }[];
      }[];
    }[];
  };
  return (request.resourceSpans ?? []).flatMap((rs) => {
    const service = attributesOf(rs.resource?.attributes)['service.name'] ?? '';
    return (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((s) => ({
        service,
        traceId: s.traceId,
        spanId: s.spanId,
        parentSpanId: s.parentSpanId ?? '',
        name: s.name,
        kind: s.kind ?? 0,
        attributes: attributesOf(s.attributes),
      })),
    );
  });
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';

let e2e: PorticoE2E;
let port: number;
let backend: Backend;
let running: RunningCollector | undefined;
let collectorPort: number;
/** The spans the collector forwarded so far. */
const received = (): ReceivedSpan[] =>
  (running?.posted ?? []).filter((p) => p.path === '/v1/traces').flatMap((p) => spansOf(p.body));

const tracedBy = (id: string) => received().filter((s) => s.attributes['test.id'] === id);

function policy(tracing: Record<string, unknown>) {
  return {
    apiVersion: 'gateway.networking.x-k8s.io/v1alpha1',
    kind: 'XTelemetryPolicy',
    metadata: { name: 'tracing', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }], tracing },
  };
}

const ENABLED = {
  mode: 'Enabled',
  provider: { backendRef: { name: 'otel-collector', port: 80 }, headers: [{ name: 'x-tenant', value: 'e2e' }] },
  serviceName: 'portico-e2e',
  spanName: 'gateway ingress',
  attributes: [
    { name: 'test.id', sourceType: 'Header', headerName: 'X-Test-Id' },
    { name: 'user', sourceType: 'Header', headerName: 'x-user' },
    { name: 'env', sourceType: 'Literal', literalValue: 'e2e' },
    { name: 'method', sourceType: 'Attribute', attributeKey: 'http.request.method' },
  ],
};

function objects(tracing: Record<string, unknown>) {
  return [
    gatewayClass(),
    gateway('gw', [{ name: 'http', protocol: 'HTTP', port }]),
    ...serviceFor('web', backend.port),
    ...serviceFor('otel-collector', collectorPort, 'grpc'),
    httpRoute('web', { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] }),
    policy(tracing),
  ];
}

/**
 * A connection per request: a kept-alive one stays on the listener it was accepted by, whose old
 * configuration Envoy keeps while it drains, and would not see a policy change.
 */
const freshConnections = new Agent({ keepAlive: false });

async function get(testId: string, headers: Record<string, string> = {}) {
  const res = await request(port, '/page', {
    host: 'app.example.com',
    headers: { 'x-test-id': testId, ...headers },
    agent: freshConnections,
  });
  expect(res.status).toBe(200);
  return JSON.parse(res.body) as EchoReply;
}

/** The HTTP connection manager's tracing as the Envoy runs it now (config dump). */
async function envoyTracing(): Promise<string> {
  const dump = JSON.stringify(await e2e.envoy.configDump());
  const at = dump.indexOf('"tracing":');
  return at < 0 ? 'none' : dump.slice(at, dump.indexOf('"provider"', at));
}

async function spansSentByEnvoy(): Promise<number> {
  let total = 0;
  for (const [name, value] of await e2e.envoy.stats('tracing.opentelemetry.spans_sent')) {
    if (name.endsWith('spans_sent')) total += value;
  }
  return total;
}

suite('XTelemetryPolicy tracing through Envoy and the OpenTelemetry Collector', () => {
  beforeAll(async () => {
    // Each export is forwarded before the receiver answers Envoy: no queue, no retry.
    running = await startCollector((collector as { bin: string }).bin, ['traces']);
    collectorPort = running.port;

    backend = await startBackend('web');
    port = await freePort();
    e2e = await PorticoE2E.start('default/gw');
    // Export every span as it ends (Envoy's default waits for 5 spans or 5 s).
    const set = await request(e2e.envoy.adminPort, '/runtime_modify?tracing.opentelemetry.min_flush_spans=1', {
      method: 'POST',
    });
    expect(set.status).toBe(200);
    e2e.write('all.yaml', objects(ENABLED));
    await waitFor(async () => (await request(port, '/page', { host: 'app.example.com' })).status === 200, {
      timeoutMs: 30_000,
      what: 'the listener',
    });
  }, 120_000);

  afterAll(async () => {
    await e2e?.stop();
    await backend?.close();
    await running?.stop();
  });

  test("a request through Envoy produces a span with the policy's name, service and attributes", async () => {
    const reply = await get('first', { 'x-user': 'alice' });
    const [span] = await waitFor(() => (tracedBy('first').length > 0 ? tracedBy('first') : undefined), {
      timeoutMs: 30_000,
      what: `the span of request "first" (collector log:\n${running?.log().slice(-2000) ?? ''})`,
    });
    expect(span!.name).toBe('gateway ingress');
    expect(span!.service).toBe('portico-e2e');
    expect(span!.kind).toBe(2); // SPAN_KIND_SERVER
    expect(span!.attributes).toMatchObject({ 'test.id': 'first', user: 'alice', env: 'e2e', method: 'GET' });
    // The backend got the span's trace context (W3C traceparent), and no decorator header.
    expect(reply.headers.traceparent).toMatch(new RegExp(`^00-${span!.traceId}-[0-9a-f]{16}-01$`));
    expect(reply.headers['x-envoy-decorator-operation']).toBeUndefined();
  });

  test("a sampled trace parent's trace is joined; a request whose parent is not sampled has no span", async () => {
    await get('unsampled-parent', { traceparent: `00-${TRACE_ID}-${PARENT_ID}-00` });
    const reply = await get('sampled-parent', { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` });
    const [span] = await waitFor(
      () => (tracedBy('sampled-parent').length > 0 ? tracedBy('sampled-parent') : undefined),
      { timeoutMs: 30_000, what: 'the span of request "sampled-parent"' },
    );
    expect(span!.traceId).toBe(TRACE_ID);
    expect(span!.parentSpanId).toBe(PARENT_ID);
    // The backend continues the client's trace, as a child of Envoy's span (W3C traceparent).
    expect(reply.headers.traceparent).toBe(`00-${TRACE_ID}-${span!.spanId}-01`);
    expect(tracedBy('unsampled-parent')).toEqual([]);
  });

  test('samplingRate 0, then mode Disabled, produce no spans; Envoy sent only what the collector passed on', async () => {
    e2e.write('all.yaml', objects({ ...ENABLED, samplingRate: { numerator: 0 } }));
    await waitFor(async () => (await envoyTracing()).includes('"overall_sampling":{}'), {
      timeoutMs: 20_000,
      what: 'Envoy running samplingRate 0',
    });
    for (let i = 0; i < 5; i++) await get(`zero-${i}`);
    // The rate applies to requests with a sampled parent too (why parentBasedSampling can only
    // have samplingRate's rate: docs/spec-decisions.md).
    await get('zero-sampled-parent', { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` });

    e2e.write('all.yaml', objects({ mode: 'Disabled' }));
    await waitFor(async () => (await envoyTracing()) === 'none', { timeoutMs: 20_000, what: 'tracing off in Envoy' });
    for (let i = 0; i < 5; i++) await get(`off-${i}`);

    // Tracing again: the next request's span arrives after anything the requests above exported.
    e2e.write('all.yaml', objects(ENABLED));
    await waitFor(async () => (await envoyTracing()).includes('"overall_sampling":{"value":100}'), {
      timeoutMs: 20_000,
      what: 'Envoy tracing every request again',
    });
    await get('after');
    await waitFor(() => tracedBy('after').length > 0, { timeoutMs: 30_000, what: 'the span of request "after"' });

    const ids = received().map((s) => s.attributes['test.id']);
    expect(ids.filter((id) => id?.startsWith('zero-') || id?.startsWith('off-'))).toEqual([]);
    expect(await spansSentByEnvoy()).toBe(received().length);
  });

  test('Envoy accepted every update', async () => {
    expect(await e2e.rejectedUpdates()).toBe(0);
  });
});
