/**
 * Standalone mode survives its own control plane. `portico serve --provider file` runs as a
 * separate process with a real Envoy; a steady stream of requests (a new connection each) goes
 * through that Envoy while Portico is killed with SIGKILL and started again. Envoy keeps serving
 * its last configuration meanwhile, the restarted Portico adopts it (no second Envoy on the same
 * ports, a change made after the restart reaches it), and a graceful stop leaves no Envoy and no
 * state directory behind.
 *
 * Portico gets a TMPDIR of its own, so everything it leaves in a temporary directory shows, and
 * the Envoys it started are found by their bootstrap path under it.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackend, type Backend, type EchoReply } from '../support/backends.js';
import { freePort, waitFor } from '../support/envoy-ads.js';
import { request } from '../support/http-client.js';
import { gateway, gatewayClass, httpRoute, serviceFor, writeManifests } from '../support/manifests.js';
import { envoysConfiguredUnder, PorticoProcess } from '../support/portico-process.js';
import { steadyLoad, type SteadyLoad } from '../support/steady-load.js';

const HOST = 'www.example.com';
let root: string;
let watchDir: string;
let portTmp: string;
let port: number;
let adminPortBase: number;
const backends: Record<string, Backend> = {};
const started: PorticoProcess[] = [];
let load: SteadyLoad | undefined;

const write = (file: string, objects: unknown[]) => writeManifests(watchDir, file, objects);

function route(backend: string) {
  return httpRoute('web', {
    parentRefs: [{ name: 'gw' }],
    hostnames: [HOST],
    rules: [{ backendRefs: [{ name: backend, port: 80 }] }],
  });
}

async function backendOf(path: string): Promise<string> {
  const res = await request(port, path, { host: HOST });
  return res.status === 200 ? (JSON.parse(res.body) as EchoReply).backend : `status ${res.status}`;
}

function startPortico(): PorticoProcess {
  const portico = PorticoProcess.start(
    [
      '--provider',
      'file',
      '--watch',
      watchDir,
      // A port chosen by the system: the restarted Portico must find the same one again.
      '--xds-address',
      '127.0.0.1:0',
      '--debug-address',
      '127.0.0.1:0',
      '--admin-port-base',
      String(adminPortBase),
      '--log-level',
      'info',
    ],
    { TMPDIR: portTmp },
  );
  started.push(portico);
  return portico;
}

/** The Gateways whose Envoys are connected to this Portico's ADS server. */
async function connectedGateways(portico: PorticoProcess): Promise<string[]> {
  const res = await request(await portico.debugPort(), '/debug/clients');
  return (JSON.parse(res.body) as { clients: { gateway: string }[] }).clients.map((c) => c.gateway);
}

beforeAll(async () => {
  for (const name of ['a', 'b']) backends[name] = await startBackend(name);
  root = mkdtempSync(join(tmpdir(), 'portico-survival-'));
  watchDir = join(root, 'manifests');
  portTmp = join(root, 'tmp');
  mkdirSync(watchDir);
  mkdirSync(portTmp);
  port = await freePort();
  adminPortBase = await freePort();
  write('gateway.yaml', [gatewayClass(), gateway('gw', [{ name: 'http', protocol: 'HTTP', port }])]);
  write('backends.yaml', [...serviceFor('a', backends.a!.port), ...serviceFor('b', backends.b!.port)]);
  write('route.yaml', [route('a')]);
});

afterAll(async () => {
  await load?.stop();
  for (const portico of started) portico.kill('SIGKILL');
  // Whatever a failed run left: its Envoys are found by their bootstrap path.
  for (const envoy of envoysConfiguredUnder(portTmp)) process.kill(envoy.pid, 'SIGKILL');
  await Promise.all(Object.values(backends).map((b) => b.close()));
  rmSync(root, { recursive: true, force: true });
});

test('kill -9 of Portico: Envoy serves on, the restarted Portico adopts it, a graceful stop cleans up', async () => {
  const first = startPortico();
  await waitFor(async () => (await backendOf('/')) === 'a', { timeoutMs: 30_000, what: 'the launched Envoy' });
  const [envoy, ...more] = envoysConfiguredUnder(portTmp);
  expect(more).toEqual([]);

  load = steadyLoad(port, HOST, ['/one', '/two']);
  await waitFor(() => load!.results.ok >= 20, { what: 'the load to run' });
  first.kill('SIGKILL');
  await first.exited;
  // Portico is gone; its Envoy is not, and it answers every request with its last configuration.
  const sent = () => load!.results.ok + load!.results.failed.length;
  const sentBefore = sent();
  await waitFor(() => sent() >= sentBefore + 200, { timeoutMs: 30_000, what: 'requests while Portico is down' });
  expect(load.results.failed).toEqual([]);
  expect(envoysConfiguredUnder(portTmp).map((e) => e.pid)).toEqual([envoy!.pid]);

  const second = startPortico();
  await waitFor(async () => (await connectedGateways(second)).includes('default/gw'), {
    timeoutMs: 60_000,
    what: 'the Envoy to connect to the restarted Portico',
  });
  // Adopted, not replaced: still the one Envoy, and no second one on the same ports.
  expect(envoysConfiguredUnder(portTmp).map((e) => e.pid)).toEqual([envoy!.pid]);
  // The restarted Portico drives it.
  write('route.yaml', [route('b')]);
  await waitFor(async () => (await backendOf('/')) === 'b', { what: 'a change after the restart' });
  const results = await load.stop();
  expect(results.failed).toEqual([]);
  expect(results.ok).toBeGreaterThan(300);
  expect(envoysConfiguredUnder(portTmp).map((e) => e.pid)).toEqual([envoy!.pid]);

  second.kill('SIGTERM');
  expect(await second.exited).toEqual({ code: 0, signal: null });
  expect(envoysConfiguredUnder(portTmp)).toEqual([]);
  expect(readdirSync(portTmp)).toEqual([]);
}, 120_000);
