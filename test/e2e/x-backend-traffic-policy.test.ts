/**
 * XBackendTrafficPolicy `retryConstraint` (GEP-3388) through a real Envoy: a Service whose policy
 * allows no retries beyond the floor (percent 0, minRetryRate 1 per second: one retry at a time)
 * gets its concurrent failing requests' retries refused (Envoy's retry overflow), while the same
 * backend under another Service without a policy gets every retry.
 */
import { startBackend, type Backend } from '../support/backends.js';
import { freePort } from '../support/envoy-ads.js';
import { request } from '../support/http-client.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

let e2e: PorticoE2E;
let port: number;
let backend: Backend;

function retryingRoute(name: string) {
  return httpRoute(name, {
    parentRefs: [{ name: 'gw' }],
    hostnames: [`${name}.example.com`],
    rules: [{ backendRefs: [{ name, port: 80 }], retry: { codes: [503], attempts: 3 } }],
  });
}

/** Envoy's count of retries a cluster refused for its retry budget or max_retries. */
async function retryOverflow(service: string): Promise<number> {
  const stats = await e2e.envoy.stats('upstream_rq_retry_overflow');
  return stats.get(`cluster.default/${service}/80.upstream_rq_retry_overflow`) ?? 0;
}

/** Three requests at once: Envoy's default max_retries (3 at once) lets every retry of the unbudgeted Service through. */
async function burst(service: string) {
  return Promise.all(
    Array.from({ length: 3 }, () => request(port, '/', { host: `${service}.example.com`, timeoutMs: 20_000 })),
  );
}

beforeAll(async () => {
  backend = await startBackend('failing');
  port = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', [{ name: 'http', protocol: 'HTTP', port }]),
    ...serviceFor('budgeted', backend.port),
    ...serviceFor('free', backend.port),
    retryingRoute('budgeted'),
    retryingRoute('free'),
    {
      apiVersion: 'gateway.networking.x-k8s.io/v1alpha1',
      kind: 'XBackendTrafficPolicy',
      metadata: { name: 'tight', namespace: 'default' },
      spec: {
        targetRefs: [{ group: '', kind: 'Service', name: 'budgeted' }],
        retryConstraint: { budget: { percent: 0 }, minRetryRate: { count: 1, interval: '1s' } },
      },
    },
  ]);
  for (const host of ['budgeted', 'free'])
    await waitFor(async () => (await request(port, '/', { host: `${host}.example.com` })).status === 200, {
      timeoutMs: 30_000,
      what: host,
    });
  // From now on every request fails with 503, slowly enough that a burst's requests overlap.
  backend.failNext = { count: 1_000_000, status: 503 };
  backend.delayMs = 1000;
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  await backend?.close();
});

test('the budgeted Service refuses retries beyond one at a time; the other retries each of 3 concurrent requests 3 times', async () => {
  const before = backend.requests.length;
  const free = await burst('free');
  expect(free.map((r) => r.status)).toEqual(Array(3).fill(503));
  // Each request: the first attempt and 3 retries.
  expect(backend.requests.length - before).toBe(12);
  expect(await retryOverflow('free')).toBe(0);

  const middle = backend.requests.length;
  const budgeted = await burst('budgeted');
  expect(budgeted.map((r) => r.status)).toEqual(Array(3).fill(503));
  expect(await retryOverflow('budgeted')).toBeGreaterThan(0);
  expect(backend.requests.length - middle).toBeLessThan(12);
}, 90_000);
