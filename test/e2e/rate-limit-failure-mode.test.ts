/**
 * A global rate limit whose rate limit service is down (Portico cannot start it: its binary is
 * not there, so nothing answers on its address): requests go through by default (fail open, as
 * Envoy Gateway's `failClosed: false`), and are refused with 500 when Portico runs with
 * `--rate-limit-fail-closed`. A route without a limit is served either way.
 */
import { startBackend, type Backend } from '../support/backends.js';
import { freePort } from '../support/envoy-ads.js';
import { request } from '../support/http-client.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

let backend: Backend;
const setups: { e2e: PorticoE2E; port: number }[] = [];
const savedBin = process.env.PORTICO_RATELIMIT_BIN;

async function setUp(failClosed: boolean): Promise<{ e2e: PorticoE2E; port: number }> {
  const port = await freePort();
  const e2e = await PorticoE2E.start('default/gw', {
    rateLimit: { grpc: { host: '127.0.0.1', port: await freePort() }, failClosed },
  });
  const route = (name: string) =>
    httpRoute(name, {
      parentRefs: [{ name: 'gw' }],
      hostnames: [`${name}.example.com`],
      rules: [{ backendRefs: [{ name: 'echo', port: 80 }] }],
    });
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', [{ name: 'http', protocol: 'HTTP', port }]),
    ...serviceFor('echo', backend.port),
    route('limited'),
    route('free'),
    {
      apiVersion: 'gateway.portico.dev/v1alpha1',
      kind: 'BackendTrafficPolicy',
      metadata: { name: 'limited', namespace: 'default', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'limited' }],
        rateLimit: { global: { rules: [{ limit: { requests: 100, unit: 'Hour' } }] } },
      },
    },
  ]);
  const setup = { e2e, port };
  setups.push(setup);
  await waitFor(async () => (await request(port, '/', { host: 'free.example.com' })).status === 200, {
    timeoutMs: 30_000,
    what: 'Envoy to serve the routes',
  });
  // The limited route is there once its listener's routes are.
  await waitFor(async () => (await request(port, '/', { host: 'limited.example.com' })).status !== 404, {
    what: 'the limited route',
  });
  return setup;
}

beforeAll(async () => {
  process.env.PORTICO_RATELIMIT_BIN = '/nonexistent/ratelimit';
  backend = await startBackend('echo');
});

afterAll(async () => {
  if (savedBin === undefined) delete process.env.PORTICO_RATELIMIT_BIN;
  else process.env.PORTICO_RATELIMIT_BIN = savedBin;
  for (const { e2e } of setups) await e2e.stop();
  await backend?.close();
});

it('fails open by default: requests go through when the service does not answer', async () => {
  const { e2e, port } = await setUp(false);
  expect((await request(port, '/', { host: 'limited.example.com' })).status).toBe(200);
  const errors = [...(await e2e.envoy.stats('ratelimit.error')).values()].reduce((a, b) => a + b, 0);
  expect(errors).toBeGreaterThan(0);
}, 60_000);

it('fails closed when told to: 500 while the service does not answer', async () => {
  const { e2e, port } = await setUp(true);
  expect((await request(port, '/', { host: 'limited.example.com' })).status).toBe(500);
  expect((await request(port, '/', { host: 'free.example.com' })).status).toBe(200);
  const errors = [...(await e2e.envoy.stats('ratelimit.error')).values()].reduce((a, b) => a + b, 0);
  expect(errors).toBeGreaterThan(0);
}, 60_000);
