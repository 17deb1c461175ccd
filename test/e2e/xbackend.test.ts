/**
 * XBackend (Gateway API v1.7.0 experimental, GEP-4894) as a backendRef target, through a real
 * Envoy: its EndpointSelector picks the ready Pods carrying its labels (here Pods whose addresses
 * are 127.0.0.x, each with an echo backend on the XBackend's one port), and its own session
 * persistence (GEP-1619 as v1.7.0 has it) keeps a client on one Pod by cookie or by header.
 */
import { startBackend, type Backend, type EchoReply } from '../support/backends.js';
import { freePort } from '../support/envoy-ads.js';
import { request } from '../support/http-client.js';
import { gateway, gatewayClass, httpRoute } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

const HOST = 'app.example.com';
const XGROUP = 'gateway.networking.x-k8s.io';
let e2e: PorticoE2E;
let port: number;
let backendPort: number;
const backends: Backend[] = [];

function pod(name: string, ip: string, labels: Record<string, string>, ready = true) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels },
    status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

function xBackend(name: string, sessionPersistence?: unknown) {
  return {
    apiVersion: `${XGROUP}/v1alpha1`,
    kind: 'XBackend',
    metadata: { name, namespace: 'default', generation: 1 },
    spec: {
      type: 'EndpointSelector',
      port: { number: backendPort },
      endpointSelector: { matchLabels: { app: 'web' } },
      ...(sessionPersistence ? { sessionPersistence } : {}),
    },
  };
}

const ref = (name: string) => ({ group: XGROUP, kind: 'XBackend', name });

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await request(port, path, { host: HOST, headers });
  return { res, backend: res.status === 200 ? (JSON.parse(res.body) as EchoReply).backend : `status ${res.status}` };
}

async function backendsSeen(count: number, path: string, headers: Record<string, string> = {}) {
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) seen.add((await get(path, headers)).backend);
  return seen;
}

beforeAll(async () => {
  // Two Pods of the workload and one of another: the same port, each on its own loopback address.
  backendPort = await freePort();
  backends.push(
    await startBackend('web-1', { address: '127.0.0.2', port: backendPort }),
    await startBackend('web-2', { address: '127.0.0.3', port: backendPort }),
    await startBackend('api-1', { address: '127.0.0.5', port: backendPort }),
  );
  port = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', [{ name: 'http', protocol: 'HTTP', port }]),
    pod('web-1', '127.0.0.2', { app: 'web' }),
    pod('web-2', '127.0.0.3', { app: 'web', extra: 'yes' }),
    // Not ready: nothing listens on 127.0.0.4, so a request sent there would fail.
    pod('web-starting', '127.0.0.4', { app: 'web' }, false),
    pod('api-1', '127.0.0.5', { app: 'api' }),
    xBackend('plain'),
    xBackend('cookie', { type: 'Cookie', cookie: { name: 'web-session' } }),
    xBackend('header', { type: 'Header', header: { name: 'X-Web-Session' } }),
    httpRoute('app', {
      parentRefs: [{ name: 'gw' }],
      hostnames: [HOST],
      rules: [
        { matches: [{ path: { type: 'PathPrefix', value: '/plain' } }], backendRefs: [ref('plain')] },
        { matches: [{ path: { type: 'PathPrefix', value: '/cookie' } }], backendRefs: [ref('cookie')] },
        { matches: [{ path: { type: 'PathPrefix', value: '/header' } }], backendRefs: [ref('header')] },
      ],
    }),
  ]);
  await waitFor(async () => (await get('/header')).res.status === 200, { timeoutMs: 30_000, what: 'the routes' });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  await Promise.all(backends.map((b) => b.close()));
});

test('requests go to the ready Pods the selector picks, and only to them', async () => {
  // 40 requests reach both ready Pods (round robin), never the other workload, never the unready Pod.
  expect(await backendsSeen(40, '/plain')).toEqual(new Set(['web-1', 'web-2']));
  expect(backends.find((b) => b.name === 'api-1')!.requests).toHaveLength(0);
});

test('a Pod that becomes ready joins, one that is gone leaves', async () => {
  e2e.write('more.yaml', [pod('api-1', '127.0.0.5', { app: 'web' })]);
  // The api-1 object in more.yaml replaces the one in all.yaml (same name): it now carries app=web.
  await waitFor(async () => (await backendsSeen(12, '/plain')).has('api-1'), {
    timeoutMs: 20_000,
    what: 'api-1 to join',
  });
  e2e.remove('more.yaml');
  await waitFor(async () => !(await backendsSeen(12, '/plain')).has('api-1'), {
    timeoutMs: 20_000,
    what: 'api-1 to leave',
  });
});

test('the XBackend cookie keeps a client on one Pod', async () => {
  const first = await get('/cookie');
  expect(first.res.status).toBe(200);
  const setCookie = ([] as string[]).concat(first.res.headers['set-cookie'] ?? []);
  const session = setCookie.find((c) => c.startsWith('web-session='));
  expect(session).toBeDefined();
  // v1.7.0: the cookie path defaults to "/", not to the route's match.
  expect(session).toMatch(/Path=\/(;|$)/);
  const cookie = session!.split(';')[0]!;
  expect(await backendsSeen(30, '/cookie', { cookie })).toEqual(new Set([first.backend]));
  // Without the cookie, both Pods are reached.
  expect(await backendsSeen(40, '/cookie')).toEqual(new Set(['web-1', 'web-2']));
});

test('the XBackend session header keeps a client on one Pod', async () => {
  const first = await get('/header');
  expect(first.res.status).toBe(200);
  const token = first.res.headers['x-web-session'];
  expect(typeof token).toBe('string');
  const answered = backends.find((b) => b.name === first.backend)!;
  const address = first.backend === 'web-1' ? '127.0.0.2' : '127.0.0.3';
  expect(Buffer.from(String(token), 'base64').toString()).toBe(`${address}:${answered.port}`);
  expect(await backendsSeen(30, '/header', { 'x-web-session': String(token) })).toEqual(new Set([first.backend]));
  // The other Pod's token sends requests there instead.
  const other = first.backend === 'web-1' ? '127.0.0.3' : '127.0.0.2';
  const otherToken = Buffer.from(`${other}:${backendPort}`).toString('base64');
  const seen = await backendsSeen(10, '/header', { 'x-web-session': otherToken });
  expect(seen).toEqual(new Set([first.backend === 'web-1' ? 'web-2' : 'web-1']));
});

test('Envoy accepted every update', async () => {
  expect(await e2e.rejectedUpdates()).toBe(0);
});
