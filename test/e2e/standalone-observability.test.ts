/**
 * Observability in standalone mode (`serve --provider file` launching its own Envoy):
 * - a request's access log line reaches Portico's standard output (the terminal) within the flush
 *   second, the Envoy's JSON line with its Gateway added;
 * - the Envoy's Prometheus stats are on the port Portico logs when it starts the Envoy, as
 *   Prometheus text with `envoy_` metrics, while nothing else of the admin interface is reachable
 *   there (the admin interface itself stays on loopback, on its own port).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe } from '../../src/serve/serve.js';
import type { RunningServe } from '../../src/serve/serve-config.js';
import { startBackend, type Backend } from '../support/backends.js';
import { freePort, waitFor } from '../support/envoy-ads.js';
import { request } from '../support/http-client.js';
import { gateway, gatewayClass, httpRoute, serviceFor, writeManifests } from '../support/manifests.js';
import { RecordingLogger } from '../support/recording-logger.js';

const HOST = 'obs.example.com';
let dir: string;
let serve: RunningServe;
let backend: Backend;
let port: number;
let statsPortBase: number;
const logger = new RecordingLogger();
/** What `portico serve` would write to its standard output. */
const accessLines: string[] = [];

beforeAll(async () => {
  backend = await startBackend('web');
  port = await freePort();
  statsPortBase = await freePort();
  dir = mkdtempSync(join(tmpdir(), 'portico-standalone-obs-'));
  writeManifests(dir, 'all.yaml', [
    gatewayClass(),
    gateway('gw', [{ name: 'http', protocol: 'HTTP', port }]),
    ...serviceFor('web', backend.port),
    httpRoute('web', {
      parentRefs: [{ name: 'gw' }],
      hostnames: [HOST],
      rules: [{ backendRefs: [{ name: 'web', port: 80 }] }],
    }),
  ]);
  serve = await startServe(
    {
      watchDir: dir,
      xds: { host: '127.0.0.1', port: 0 },
      debug: { host: '127.0.0.1', port: 0 },
      listenerAddress: '127.0.0.1',
      adminPortBase: await freePort(),
      statsPortBase,
      launchEnvoy: true,
      logLevel: 'info',
      accessLog: (line) => accessLines.push(line),
    },
    logger,
  );
  await waitFor(async () => (await request(port, '/', { host: HOST })).status === 200, {
    timeoutMs: 30_000,
    what: 'the launched Envoy',
  });
}, 60_000);

afterAll(async () => {
  await serve?.stop();
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("a request's access log line is on Portico's standard output, with its fields and its Gateway", async () => {
  const res = await request(port, '/terminal?id=1', { host: HOST, headers: { 'user-agent': 'standalone-e2e' } });
  expect(res.status).toBe(200);
  const line = await waitFor(
    () => accessLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.path === '/terminal?id=1'),
    { timeoutMs: 10_000, what: 'the access log line' },
  );
  expect(Object.keys(line)[0]).toBe('gateway');
  expect(line).toMatchObject({
    gateway: 'default/gw',
    method: 'GET',
    response_code: 200,
    route_name: 'httproute/default/web/rule/0/match/0',
    user_agent: 'standalone-e2e',
    authority: HOST,
  });
  // Not in Portico's own log (stderr): that is for Envoy's and Portico's messages.
  expect(logger.lines.some((l) => JSON.stringify(l).includes('/terminal?id=1'))).toBe(false);
});

test('the Prometheus stats are on the port Portico logged, and only them', async () => {
  const started = logger.lines.find((l) => l.msg === 'starting Envoy');
  const url = new URL(String(started?.fields.prometheus));
  expect(url.href).toBe(`http://127.0.0.1:${statsPortBase}/stats/prometheus`);
  expect(serve.envoys().map((e) => e.statsPort)).toEqual([statsPortBase]);

  const stats = await request(statsPortBase, '/stats/prometheus');
  expect(stats.status).toBe(200);
  expect(stats.body).toMatch(/^# TYPE envoy_\w+ (counter|gauge|histogram)$/m);
  // The Gateway's listener traffic is counted there.
  expect(stats.body).toMatch(/^envoy_http_downstream_rq_total\{envoy_http_conn_manager_prefix="http-\d+"\} [1-9]\d*$/m);
  // A query string is the admin page's own (only used stats).
  expect((await request(statsPortBase, '/stats/prometheus?usedonly')).status).toBe(200);

  // Nothing else of the admin interface: no dump, no shutdown, no runtime change.
  for (const [path, method] of [
    ['/config_dump', 'GET'],
    ['/stats', 'GET'],
    ['/quitquitquit', 'POST'],
    ['/stats/prometheus', 'POST'],
  ] as const) {
    expect([path, (await request(statsPortBase, path, { method })).status]).toEqual([path, 404]);
  }
  expect(serve.envoys()[0]!.pid).toBeDefined();
});
