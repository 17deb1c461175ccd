/**
 * Standalone mode as a user runs it: `serve --provider file` launches its own Envoy for the
 * Gateway, restarts it when it dies, reports a broken file without dropping the last good
 * configuration, shows what it serves on the debug endpoints, and stops Envoy on exit.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe } from '../../src/serve/serve.js';
import type { RunningServe } from '../../src/serve/serve-config.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startBackend, type Backend, type EchoReply } from '../support/backends.js';
import { freePort, waitFor } from '../support/envoy-ads.js';
import { request } from '../support/http-client.js';
import { gateway, gatewayClass, httpRoute, serviceFor, writeManifests } from '../support/manifests.js';
import { gatewayCondition } from '../support/debug-status.js';

const HOST = 'www.example.com';
let dir: string;
let serve: RunningServe;
let backend: Backend;
let port: number;

const write = (file: string, objects: unknown[]) => writeManifests(dir, file, objects);

async function served(path: string): Promise<string> {
  const res = await request(port, path, { host: HOST });
  return res.status === 200 ? (JSON.parse(res.body) as EchoReply).path : `status ${res.status}`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  backend = await startBackend('web');
  port = await freePort();
  dir = mkdtempSync(join(tmpdir(), 'portico-standalone-'));
  write('gateway.yaml', [gatewayClass(), gateway('gw', [{ name: 'http', protocol: 'HTTP', port }])]);
  write('backend.yaml', serviceFor('web', backend.port));
  write('route.yaml', [
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
      launchEnvoy: true,
      logLevel: 'error',
    },
    silentLogger,
  );
  await waitFor(async () => (await served('/hello')) === '/hello', { timeoutMs: 30_000, what: 'the launched Envoy' });
}, 60_000);

afterAll(async () => {
  await serve?.stop();
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the debug endpoints show what is served and who ACKed it', async () => {
  const debug = serve.debugAddress().port;
  const clients = JSON.parse((await request(debug, '/debug/clients')).body) as { clients: { gateway: string }[] };
  expect(clients.clients.map((c) => c.gateway)).toEqual(['default/gw']);
  const dump = JSON.parse((await request(debug, '/debug/config_dump?gateway=default/gw&type=routes')).body);
  expect(JSON.stringify(dump)).toContain('httproute/default/web/rule/0/match/0');
  const metrics = (await request(debug, '/metrics')).body;
  expect(metrics).toMatch(/^# TYPE \S+ /m);
  expect((await request(debug, '/readyz')).status).toBe(200);
  // Traffic flows once listeners and routes are applied; Programmed follows the last type's ACK
  // (and the status report's coalescing), so it is waited for, not read once.
  await waitFor(async () => (await gatewayCondition(debug, 'Programmed'))?.status === 'True', {
    what: 'the Gateway Programmed',
  });
});

test('a file that does not parse is reported, and the last good configuration stays', async () => {
  writeFileSync(
    join(dir, 'route.yaml'),
    'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: [oops\n',
  );
  const debug = serve.debugAddress().port;
  await waitFor(
    async () => {
      const body = (await request(debug, '/debug/status')).body;
      return body.includes('route.yaml') && /line/i.test(body);
    },
    { what: 'the parse error in /debug/status' },
  );
  expect(await served('/still-here')).toBe('/still-here');
});

test('an Envoy that dies is restarted and serves again', async () => {
  const [envoy] = serve.envoys();
  expect(envoy?.pid).toBeDefined();
  process.kill(envoy!.pid!, 'SIGKILL');
  await waitFor(() => (serve.envoys()[0]?.restarts ?? 0) >= 1, { timeoutMs: 20_000, what: 'the restart' });
  await waitFor(async () => (await served('/again')) === '/again', {
    timeoutMs: 30_000,
    what: 'traffic after restart',
  });
}, 60_000);

test('stopping Portico stops its Envoy', async () => {
  const pid = serve.envoys()[0]?.pid;
  expect(pid).toBeDefined();
  await serve.stop();
  await waitFor(() => !alive(pid!), { timeoutMs: 10_000, what: 'Envoy to exit' });
});
