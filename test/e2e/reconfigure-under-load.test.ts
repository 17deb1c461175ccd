/**
 * Configuration changes must not drop traffic. A steady load runs through a real Envoy while
 * routes are added, changed and deleted, and while Portico itself is restarted; every request to
 * a route that should work before and after the change must succeed.
 */
import { Agent } from 'node:http';
import { startBackend, type Backend, type EchoReply } from '../support/backends.js';
import { request } from '../support/http-client.js';
import { freePort } from '../support/envoy-ads.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

const HOST = 'www.example.com';

let e2e: PorticoE2E;
let port: number;
const backends: Record<string, Backend> = {};

function route(name: string, path: string, refs: { name: string; weight?: number }[]) {
  return httpRoute(name, {
    parentRefs: [{ name: 'gw' }],
    hostnames: [HOST],
    rules: [
      { matches: [{ path: { type: 'PathPrefix', value: path } }], backendRefs: refs.map((r) => ({ port: 80, ...r })) },
    ],
  });
}

async function backendOf(path: string): Promise<string> {
  const res = await request(port, path, { host: HOST });
  return res.status === 200 ? (JSON.parse(res.body) as EchoReply).backend : `status ${res.status}`;
}

/** Requests `paths` round-robin from `workers` concurrent clients until stopped; counts results. */
function steadyLoad(paths: string[], workers = 4) {
  const agent = new Agent({ keepAlive: true, maxSockets: workers });
  const results = { ok: 0, failed: [] as string[] };
  let running = true;
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let i = w; running && i < 200_000; i++) {
      const path = paths[i % paths.length]!;
      try {
        const res = await request(port, path, { host: HOST, agent });
        if (res.status === 200) results.ok++;
        else results.failed.push(`${path}: ${res.status}`);
      } catch (err) {
        results.failed.push(`${path}: ${(err as Error).message}`);
      }
    }
  });
  return {
    results,
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return results;
    },
  };
}

beforeAll(async () => {
  for (const name of ['a', 'b', 'c']) backends[name] = await startBackend(name);
  port = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  e2e.write(
    'backends.yaml',
    Object.entries(backends).flatMap(([name, b]) => serviceFor(name, b.port)),
  );
  e2e.write('gateway.yaml', [gatewayClass(), gateway('gw', [{ name: 'http', protocol: 'HTTP', port }])]);
  e2e.write('stable.yaml', [route('stable', '/stable', [{ name: 'a' }])]);
  e2e.write('moving.yaml', [route('moving', '/moving', [{ name: 'a' }])]);
  await waitFor(async () => (await backendOf('/moving')) === 'a', { timeoutMs: 30_000, what: 'initial routes' });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  await Promise.all(Object.values(backends).map((b) => b.close()));
});

test('routes added, changed and deleted under load: no failed request', async () => {
  const load = steadyLoad(['/stable', '/moving']);
  // Change: the route moves to another backend (another cluster).
  e2e.write('moving.yaml', [route('moving', '/moving', [{ name: 'b' }])]);
  await waitFor(async () => (await backendOf('/moving')) === 'b', { what: '/moving on b' });
  // Add: a new route to a backend no route used before (a new cluster, warmed before the route).
  e2e.write('extra.yaml', [route('extra', '/extra', [{ name: 'c' }])]);
  await waitFor(async () => (await backendOf('/extra')) === 'c', { what: '/extra on c' });
  // Change: a weighted split over two clusters, then back to one.
  e2e.write('moving.yaml', [
    route('moving', '/moving', [
      { name: 'a', weight: 50 },
      { name: 'c', weight: 50 },
    ]),
  ]);
  await waitFor(async () => (await backendOf('/moving')) === 'c', { what: '/moving split' });
  e2e.write('moving.yaml', [route('moving', '/moving', [{ name: 'a' }])]);
  await waitFor(
    async () => {
      for (let i = 0; i < 10; i++) if ((await backendOf('/moving')) !== 'a') return false;
      return true;
    },
    { what: '/moving back on a' },
  );
  // Endpoints: Service c's EndpointSlice now lists backend a's port (a rollout to new pods).
  e2e.write(
    'backends.yaml',
    Object.entries(backends).flatMap(([name, b]) => serviceFor(name, name === 'c' ? backends.a!.port : b.port)),
  );
  await waitFor(async () => (await backendOf('/extra')) === 'a', { what: '/extra on the new endpoint' });
  // Delete: the route and, with it, the only use of cluster c.
  e2e.remove('extra.yaml');
  await waitFor(async () => (await request(port, '/extra', { host: HOST })).status === 404, { what: '/extra gone' });
  await new Promise((r) => setTimeout(r, 300));
  const results = await load.stop();
  expect(results.failed).toEqual([]);
  expect(results.ok).toBeGreaterThan(100);
  expect(await e2e.rejectedUpdates()).toBe(0);
}, 60_000);

test('Portico restarted under load: no failed request, and Envoy is not reconfigured', async () => {
  const counters = async () => {
    const wanted = [
      'listener_manager.listener_removed',
      'listener_manager.listener_modified',
      'cluster_manager.cluster_removed',
      'cluster_manager.cluster_modified',
    ];
    const out: Record<string, number> = {};
    for (const name of wanted) out[name] = (await e2e.envoy.stats(name)).get(name) ?? 0;
    return out;
  };
  const before = await counters();
  const load = steadyLoad(['/stable', '/moving']);
  await new Promise((r) => setTimeout(r, 200));
  await e2e.stopPortico();
  // Envoy keeps its last good configuration while the control plane is away.
  await new Promise((r) => setTimeout(r, 500));
  expect(load.results.failed).toEqual([]);
  await e2e.restartPortico();
  const debug = e2e.debugPort();
  await waitFor(
    async () => {
      const res = await request(debug, '/debug/status');
      const gw = (
        JSON.parse(res.body) as {
          resources: { kind: string; status?: { conditions?: { type: string; status: string }[] } }[];
        }
      ).resources.find((r) => r.kind === 'Gateway');
      return gw?.status?.conditions?.some((c) => c.type === 'Programmed' && c.status === 'True') ?? false;
    },
    { timeoutMs: 20_000, what: 'the restarted Portico to see the Gateway programmed again' },
  );
  await new Promise((r) => setTimeout(r, 300));
  const results = await load.stop();
  expect(results.failed).toEqual([]);
  // Reconverging sent nothing that replaced or removed a listener or cluster.
  expect(await counters()).toEqual(before);
  // And the restarted control plane still drives Envoy.
  e2e.write('moving.yaml', [route('moving', '/moving', [{ name: 'b' }])]);
  await waitFor(async () => (await backendOf('/moving')) === 'b', { what: 'a change after the restart' });
  expect(await e2e.rejectedUpdates()).toBe(0);
}, 60_000);
