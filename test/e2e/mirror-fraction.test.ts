/**
 * RequestMirror with `percent` and `fraction` (HTTPRouteRequestPercentageMirror) through a real
 * Envoy: the primary backend answers every request, and the mirror backend receives about the
 * configured share of them. Envoy decides per request at random, so the mirrored count is
 * binomial; the bounds below are 6 standard deviations wide (a false failure is ~1e-9 per check)
 * yet exclude 0 %, 100 % and a share off by a factor of 3 or more. 0 % and 100 % are exact.
 */
import { Agent } from 'node:http';
import { startBackend, type Backend, type EchoReply } from '../support/backends.js';
import { freePort } from '../support/envoy-ads.js';
import { request } from '../support/http-client.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

const HOST = 'mirror.example.com';
const N = 1000;
const CONCURRENCY = 8;

let e2e: PorticoE2E;
let port: number;
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const backends: Record<string, Backend> = {};
/** Per mirror backend: Envoy's upstream_rq_total for its cluster when its request log was last cleared. */
const sentBefore: Record<string, number> = {};

/** path prefix → mirror backend and the share of requests it must receive. */
const cases = {
  percent: { prefix: '/percent', mirror: 'm-percent', share: 0.25, filter: { percent: 25 } },
  fraction: {
    prefix: '/fraction',
    mirror: 'm-fraction',
    share: 0.1,
    filter: { fraction: { numerator: 1, denominator: 10 } },
  },
  zero: { prefix: '/zero', mirror: 'm-zero', share: 0, filter: { percent: 0 } },
  full: { prefix: '/full', mirror: 'm-full', share: 1, filter: { percent: 100 } },
} as const;

/** Mean ± 6σ of Binomial(n, p), clamped to [0, n]. */
function binomialBounds(n: number, p: number): [number, number] {
  const sigma = Math.sqrt(n * p * (1 - p));
  return [Math.max(0, Math.floor(n * p - 6 * sigma)), Math.min(n, Math.ceil(n * p + 6 * sigma))];
}

/** Sends `n` GETs under `prefix`, `CONCURRENCY` at a time; returns how many the primary answered. */
async function send(prefix: string, n: number): Promise<number> {
  let next = 0;
  let answered = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const res = await request(port, `${prefix}/${i}`, { host: HOST, agent });
      if (res.status === 200 && (JSON.parse(res.body) as EchoReply).backend === 'primary') answered++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return answered;
}

/**
 * Mirrored requests are fire-and-forget: Envoy answers the client without waiting for them. Wait
 * until Envoy has no request in flight to the mirror cluster and the backend has seen every one
 * Envoy sent, then until the count stays put for a while.
 */
async function settledCount(mirror: string): Promise<number> {
  const cluster = `cluster.default/${mirror}/80.`;
  await waitFor(
    async () => {
      const stats = await e2e.envoy.stats(
        `^cluster\\.default/${mirror}/80\\.upstream_rq_(total|active|pending_active)$`,
      );
      const total = stats.get(`${cluster}upstream_rq_total`) ?? 0;
      const active =
        (stats.get(`${cluster}upstream_rq_active`) ?? 0) + (stats.get(`${cluster}upstream_rq_pending_active`) ?? 0);
      return active === 0 && backends[mirror]!.requests.length === total - (sentBefore[mirror] ?? 0);
    },
    { timeoutMs: 10_000, what: `the requests mirrored to ${mirror}` },
  );
  let last = -1;
  let stable = 0;
  await waitFor(
    () => {
      const count = backends[mirror]!.requests.length;
      stable = count === last ? stable + 1 : 0;
      last = count;
      return stable >= 5;
    },
    { timeoutMs: 10_000, intervalMs: 100, what: `${mirror} to stop receiving` },
  );
  return last;
}

beforeAll(async () => {
  for (const name of ['primary', ...Object.values(cases).map((c) => c.mirror)])
    backends[name] = await startBackend(name);
  port = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', [{ name: 'http', protocol: 'HTTP', port }]),
    ...Object.values(backends).flatMap((b) => serviceFor(b.name, b.port)),
    httpRoute('mirrors', {
      parentRefs: [{ name: 'gw' }],
      hostnames: [HOST],
      rules: Object.values(cases).map((c) => ({
        matches: [{ path: { type: 'PathPrefix', value: c.prefix } }],
        filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: c.mirror, port: 80 }, ...c.filter } }],
        backendRefs: [{ name: 'primary', port: 80 }],
      })),
    }),
  ]);
  await waitFor(
    async () => {
      for (const c of Object.values(cases))
        if ((await request(port, c.prefix, { host: HOST, agent })).status !== 200) return false;
      return true;
    },
    { timeoutMs: 30_000, what: 'the routes' },
  );
  // Start counting from a clean slate: the readiness probes above may have been mirrored.
  for (const c of Object.values(cases)) sentBefore[c.mirror] = await settledCount(c.mirror);
  for (const b of Object.values(backends)) b.requests.length = 0;
}, 60_000);

afterAll(async () => {
  agent.destroy();
  await e2e?.stop();
  await Promise.all(Object.values(backends).map((b) => b.close()));
});

test.each(Object.entries(cases))('%s: the mirror gets its share, the primary gets everything', async (_, c) => {
  const primaryBefore = backends.primary!.requests.length;
  expect(await send(c.prefix, N)).toBe(N);
  expect(backends.primary!.requests.length - primaryBefore).toBe(N);

  const mirrored = await settledCount(c.mirror);
  const [low, high] = binomialBounds(N, c.share);
  expect(mirrored).toBeGreaterThanOrEqual(low);
  expect(mirrored).toBeLessThanOrEqual(high);
  // Mirrored requests are copies of ones the primary saw, each at most once.
  const paths = backends[c.mirror]!.requests.map((r) => r.path);
  expect(new Set(paths).size).toBe(paths.length);
  for (const p of paths) expect(p).toMatch(new RegExp(`^${c.prefix}/\\d+$`));
});
