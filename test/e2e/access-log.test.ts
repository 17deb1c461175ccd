/**
 * Access logs through a real Envoy (file mode):
 * - by default, a request gives one JSON line on Envoy's stdout with every documented field and
 *   the values the request had (Portico's route name, the status, the client address, the
 *   client's x-request-id…); a request no route matches has no upstream and says why (NR);
 * - EnvoyProxyParameters `spec.telemetry.accessLog` changes the format (custom JSON fields, Text
 *   on stderr), sends logs to an OpenTelemetry Collector (when it can be built here), and turns
 *   them off (the Envoy's running configuration has no access log left);
 * - every command operator form Portico accepts is accepted by Envoy 1.40 itself, and the names
 *   Portico refuses are refused by Envoy too.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { formatStringProblem, acceptedOperatorExamples } from '../../src/resources/read/command-operators.js';
import { ENVOY_LOG_FLUSH_FLAGS } from '../../src/infra/envoy-flags.js';
import { HTTP_CONNECTION_MANAGER, ROUTER, STDOUT_ACCESS_LOG } from '../../src/proto/type-urls.js';
import { startBackend, type Backend } from '../support/backends.js';
import { findEnvoy } from '../support/envoy-binary.js';
import { freePort } from '../support/envoy-ads.js';
import { request } from '../support/http-client.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { buildCollector, startCollector, type RunningCollector } from '../support/otel-collector.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

let e2e: PorticoE2E;
let port: number;
let tcpPort: number;
let backend: Backend;

/** A connection per request: a kept-alive one would keep a listener's old configuration. */
const fresh = new Agent({ keepAlive: false });

function objects(parameters?: Record<string, unknown>) {
  const gw = gateway('gw', [
    { name: 'http', protocol: 'HTTP', port },
    { name: 'tcp', protocol: 'TCP', port: tcpPort },
  ]);
  if (parameters) {
    (gw.spec as Record<string, unknown>).infrastructure = {
      parametersRef: { group: 'gateway.portico.dev', kind: 'EnvoyProxyParameters', name: 'logs' },
    };
  }
  return [
    gatewayClass(),
    gw,
    ...serviceFor('web', backend.port),
    httpRoute('web', {
      parentRefs: [{ name: 'gw' }],
      hostnames: ['app.example.com'],
      rules: [{ backendRefs: [{ name: 'web', port: 80 }] }],
    }),
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'TCPRoute',
      metadata: { name: 'raw', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { parentRefs: [{ name: 'gw', sectionName: 'tcp' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
    },
    ...(parameters
      ? [
          {
            apiVersion: 'gateway.portico.dev/v1alpha1',
            kind: 'EnvoyProxyParameters',
            metadata: { name: 'logs', namespace: 'default' },
            spec: parameters,
          },
        ]
      : []),
  ];
}

/** Every line of Envoy's output so far that is a JSON object. */
function jsonLines(): Record<string, unknown>[] {
  return e2e.envoy.logs
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function textLines(): string[] {
  return e2e.envoy.logs.join('').split('\n');
}

/** The default-format line of the request to this path (Envoy makes its own x-request-id: the client is external). */
async function accessLogOf(path: string): Promise<Record<string, unknown>> {
  return waitFor(() => jsonLines().find((l) => l.path === path), {
    timeoutMs: 15_000,
    what: `the access log line of ${path}`,
  });
}

/** The Envoy's running listeners (config dump) as text. */
async function listenersNow(): Promise<string> {
  const dump = await e2e.envoy.configDump();
  return JSON.stringify(dump.configs.filter((c) => String(c['@type']).includes('ListenersConfigDump')));
}

beforeAll(async () => {
  backend = await startBackend('web');
  port = await freePort();
  tcpPort = await freePort();
  // The flush interval Portico's Envoys run with (lines within a second, not Envoy's 10 s).
  e2e = await PorticoE2E.start('default/gw', { extraArgs: ENVOY_LOG_FLUSH_FLAGS });
  e2e.write('all.yaml', objects());
  await waitFor(async () => (await request(port, '/', { host: 'app.example.com', agent: fresh })).status === 200, {
    timeoutMs: 30_000,
    what: 'the listener',
  });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  await backend?.close();
});

test('by default, a request gives one JSON line on stdout with every documented field', async () => {
  const res = await request(port, '/page?x=1', {
    host: 'app.example.com',
    agent: fresh,
    headers: {
      'user-agent': 'access-log-e2e/1.0',
      // Not trusted (no trusted hops): the client address stays the connection's peer.
      'x-forwarded-for': '203.0.113.7',
    },
  });
  expect(res.status).toBe(200);
  const line = await accessLogOf('/page?x=1');
  expect(Object.keys(line).sort()).toEqual(
    [
      'authority',
      'bytes_received',
      'bytes_sent',
      'client_address',
      'downstream_remote_address',
      'duration',
      'method',
      'path',
      'protocol',
      'request_id',
      'requested_server_name',
      'response_code',
      'response_code_details',
      'response_flags',
      'route_name',
      'start_time',
      'upstream_cluster',
      'upstream_host',
      'user_agent',
      'x_forwarded_for',
    ].sort(),
  );
  expect(line).toMatchObject({
    method: 'GET',
    path: '/page?x=1',
    protocol: 'HTTP/1.1',
    response_code: 200,
    response_flags: '-',
    response_code_details: 'via_upstream',
    bytes_received: 0,
    upstream_host: `127.0.0.1:${backend.port}`,
    upstream_cluster: 'default/web/80',
    route_name: 'httproute/default/web/rule/0/match/0',
    client_address: '127.0.0.1',
    user_agent: 'access-log-e2e/1.0',
    authority: 'app.example.com',
    requested_server_name: null,
  });
  expect(line.downstream_remote_address).toMatch(/^127\.0\.0\.1:\d+$/);
  // Envoy appends what it saw (for a loopback peer, its own address) to the client's header.
  expect(line.x_forwarded_for).toMatch(/^203\.0\.113\.7,/);
  // The request ID is the one the backend got: a log line and the backend's own logs meet on it.
  const atBackend = backend.requests.find((r) => r.path === '/page?x=1');
  expect(line.request_id).toMatch(/^[0-9a-f-]{36}$/);
  expect(atBackend?.headers['x-request-id']).toBe(line.request_id);
  expect(typeof line.duration).toBe('number');
  expect(line.bytes_sent).toBeGreaterThan(0);
  expect(Number.isNaN(Date.parse(String(line.start_time)))).toBe(false);
  // One line per request.
  expect(jsonLines().filter((l) => l.path === '/page?x=1')).toHaveLength(1);
});

test('a request no route matches is logged without an upstream, with the reason', async () => {
  const res = await request(port, '/no-route', { host: 'nowhere.example.com', agent: fresh });
  expect(res.status).toBe(404);
  const line = await accessLogOf('/no-route');
  expect(line).toMatchObject({
    response_code: 404,
    response_flags: 'NR',
    upstream_host: null,
    upstream_cluster: null,
    route_name: null,
    authority: 'nowhere.example.com',
  });
});

test('a TCP connection gives one line too: its upstream and bytes, no HTTP fields', async () => {
  // An HTTP request over the TCP proxy: bytes to Envoy, which does not read them.
  const res = await request(tcpPort, '/over-tcp', { host: 'tcp.example.com', agent: fresh });
  expect(res.status).toBe(200);
  const line = await waitFor(
    () => jsonLines().find((l) => l.upstream_cluster === 'default/web/80/tcp' && l.method === null),
    { what: 'the TCP connection line' },
  );
  expect(line).toMatchObject({
    path: null,
    authority: null,
    route_name: null,
    upstream_host: `127.0.0.1:${backend.port}`,
    client_address: '127.0.0.1',
  });
  expect(line.bytes_received).toBeGreaterThan(0);
  expect(line.bytes_sent).toBeGreaterThan(0);
});

test('EnvoyProxyParameters choose the format: custom JSON fields on stdout and Text on stderr', async () => {
  e2e.write(
    'all.yaml',
    objects({
      telemetry: {
        accessLog: {
          settings: [
            {
              format: {
                type: 'JSON',
                json: { id: '%REQ(X-TEST-ID)%', status: '%RESPONSE_CODE%', route: '%ROUTE_NAME%', note: '100%% e2e' },
              },
              sinks: [{ type: 'File', file: { path: '/dev/stdout' } }],
            },
            {
              format: { type: 'Text', text: 'TEXT %REQ(X-TEST-ID)% %RESPONSE_CODE% %REQ(:METHOD)%' },
              sinks: [{ type: 'File', file: { path: '/dev/stderr' } }],
            },
          ],
        },
      },
    }),
  );
  await waitFor(async () => (await listenersNow()).includes('TEXT %REQ(X-TEST-ID)%'), {
    what: 'the new access log format in Envoy',
  });
  const res = await request(port, '/custom', {
    host: 'app.example.com',
    agent: fresh,
    headers: { 'x-test-id': 'custom' },
  });
  expect(res.status).toBe(200);
  const line = await waitFor(() => jsonLines().find((l) => l.id === 'custom'), { what: 'the custom JSON line' });
  expect(line).toEqual({ id: 'custom', status: 200, route: 'httproute/default/web/rule/0/match/0', note: '100% e2e' });
  await waitFor(() => textLines().includes('TEXT custom 200 GET'), { what: 'the Text line' });
});

test('disable: true leaves no access log in the Envoy', async () => {
  e2e.write('all.yaml', objects({ telemetry: { accessLog: { disable: true } } }));
  await waitFor(async () => !(await listenersNow()).includes('access_log'), {
    what: 'a listener configuration without access logs',
  });
  expect(await listenersNow()).toContain('http_connection_manager');
});

const collector = buildCollector();
if ('why' in collector) {
  console.warn(
    `SKIPPED access-log OpenTelemetry sink: the OpenTelemetry Collector could not be built.\n${collector.why}`,
  );
}
('bin' in collector ? describe : describe.skip)('an OpenTelemetry sink', () => {
  let otel: RunningCollector;
  beforeAll(async () => {
    otel = await startCollector((collector as { bin: string }).bin, ['logs']);
  }, 60_000);
  afterAll(async () => otel?.stop());

  test('the collector receives a log record with the JSON fields as attributes and the resources', async () => {
    e2e.write(
      'all.yaml',
      objects({
        telemetry: {
          accessLog: {
            settings: [
              {
                format: { type: 'JSON', json: { id: '%REQ(X-TEST-ID)%', status: '%RESPONSE_CODE%' } },
                sinks: [
                  {
                    type: 'OpenTelemetry',
                    openTelemetry: {
                      host: '127.0.0.1',
                      port: otel.port,
                      resources: { 'deployment.environment': 'e2e' },
                    },
                  },
                ],
              },
            ],
          },
        },
      }),
    );
    await waitFor(async () => (await listenersNow()).includes('open_telemetry'), { what: 'the OpenTelemetry logger' });
    await request(port, '/otel', { host: 'app.example.com', agent: fresh, headers: { 'x-test-id': 'otel-1' } });
    interface Kv {
      key: string;
      value: { stringValue?: string };
    }
    const record = await waitFor(
      () => {
        for (const post of otel.posted.filter((p) => p.path === '/v1/logs')) {
          const body = JSON.parse(post.body) as {
            resourceLogs?: {
              resource?: { attributes?: Kv[] };
              scopeLogs?: { logRecords?: { attributes?: Kv[] }[] }[];
            }[];
          };
          for (const rl of body.resourceLogs ?? []) {
            for (const sl of rl.scopeLogs ?? []) {
              for (const r of sl.logRecords ?? []) {
                const attributes = Object.fromEntries((r.attributes ?? []).map((a) => [a.key, a.value.stringValue]));
                if (attributes.id === 'otel-1') {
                  const resource = Object.fromEntries(
                    (rl.resource?.attributes ?? []).map((a) => [a.key, a.value.stringValue]),
                  );
                  return { attributes, resource };
                }
              }
            }
          }
        }
        return undefined;
      },
      { timeoutMs: 30_000, what: 'the log record of request otel-1 at the collector' },
    );
    expect(record.attributes).toMatchObject({ id: 'otel-1', status: '200' });
    expect(record.resource).toMatchObject({ 'deployment.environment': 'e2e' });
  });
});

describe("Envoy's own command operators", () => {
  const envoy = findEnvoy();
  const run = promisify(execFile);
  const dir = mkdtempSync(join(tmpdir(), 'portico-operators-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Envoy's verdict (`envoy --mode validate`) on a listener logging these format strings. */
  async function envoyAccepts(formats: string[], name: string): Promise<string | undefined> {
    const fields = Object.fromEntries(formats.map((f, i) => [`f${i}`, f]));
    const bootstrap = {
      static_resources: {
        listeners: [
          {
            name: 'l',
            address: { socket_address: { address: '127.0.0.1', port_value: 10000 } },
            filter_chains: [
              {
                filters: [
                  {
                    name: 'envoy.filters.network.http_connection_manager',
                    typed_config: {
                      '@type': HTTP_CONNECTION_MANAGER,
                      stat_prefix: 'l',
                      route_config: { virtual_hosts: [{ name: 'v', domains: ['*'], routes: [] }] },
                      http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
                      access_log: [
                        {
                          name: 'envoy.access_loggers.stdout',
                          typed_config: { '@type': STDOUT_ACCESS_LOG, log_format: { json_format: fields } },
                        },
                      ],
                    },
                  },
                ],
              },
            ],
          },
        ],
      },
    };
    const path = join(dir, `${name}.json`);
    writeFileSync(path, JSON.stringify(bootstrap));
    try {
      await run(envoy, ['--mode', 'validate', '-c', path, '--log-level', 'critical'], { timeout: 60_000 });
      return undefined;
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      return `${e.stdout ?? ''}${e.stderr ?? ''}`;
    }
  }

  test('Envoy takes every form Portico accepts', async () => {
    const examples = acceptedOperatorExamples();
    expect(examples.filter((e) => formatStringProblem(e) !== undefined)).toEqual([]);
    expect(await envoyAccepts(examples, 'accepted')).toBeUndefined();
  });

  test.each([
    '%USER%',
    '%REQ%',
    '%RESPONSE_CODE(x)%',
    '%ROUTE_NAME:3%',
    '%START_TIME:10%',
    '100% sure',
    '%REQ(a?b?c)%',
  ])('Envoy refuses %s, as Portico does', async (format) => {
    expect(formatStringProblem(format)).toBeDefined();
    expect(await envoyAccepts([format], `refused-${format.replace(/[^A-Za-z0-9]/g, '_')}`)).toBeDefined();
  });
});
