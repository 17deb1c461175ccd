/**
 * Pre-routing listener filters (GatewayListenerFilters, GEP-5224) through a real Envoy, with two
 * real HTTP authorization servers (ExternalAuth, protocol HTTP):
 * - route matching sees what a filter did: a header the authorization server adds selects the
 *   route, also when the request as sent matched no route, and a route matching the header's
 *   original value is not selected;
 * - Host cannot be changed by a filter: the backend gets the Host the client sent;
 * - the filters run in list order (the second sees what the first added, and its value wins), and
 *   reversing the list reverses the outcome;
 * - a denial answers the client and nothing runs after it (no later filter, no backend);
 * - a listener's filters are its own: another listener on the same port never calls them.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startBackend, type Backend, type EchoReply } from '../support/backends.js';
import { freePort } from '../support/envoy-ads.js';
import { request } from '../support/http-client.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

const HOST = 'app.example.com';
const OTHER = 'other.example.com';

interface AuthServer {
  name: string;
  port: number;
  seen: IncomingHttpHeaders[];
  server: Server;
}

/**
 * An HTTP authorization server: allows every request (adding `x-tenant: a`, `x-step: <name>` and a
 * Host it must not be able to impose), except one for a path under `/deny`, which it refuses with 403.
 */
async function startAuthServer(name: string): Promise<AuthServer> {
  const auth: AuthServer = { name, port: 0, seen: [], server: createServer() };
  auth.server.on('request', (req, res) => {
    auth.seen.push(req.headers);
    req.resume();
    if ((req.url ?? '').startsWith('/deny')) {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end(`denied by ${name}\n`);
      return;
    }
    res.writeHead(200, { 'x-tenant': 'a', 'x-step': name, host: 'evil.example.com' });
    res.end();
  });
  await new Promise<void>((resolve) => auth.server.listen(0, '127.0.0.1', resolve));
  auth.port = (auth.server.address() as AddressInfo).port;
  return auth;
}

let e2e: PorticoE2E;
let port: number;
const backends: Backend[] = [];
const auths: AuthServer[] = [];

function authFilter(service: string) {
  return {
    type: 'ExternalAuth',
    externalAuth: {
      protocol: 'HTTP',
      backendRef: { name: service, port: 80 },
      // Each server sees the step the previous one added.
      http: { allowedHeaders: ['x-step'] },
    },
  };
}

function objects(order: string[]) {
  return [
    gatewayClass(),
    gateway('gw', [
      {
        name: 'http',
        protocol: 'HTTP',
        port,
        hostname: HOST,
        filters: { requests: order.map(authFilter) },
      },
      { name: 'other', protocol: 'HTTP', port, hostname: OTHER },
    ]),
    ...backends.flatMap((b) => serviceFor(b.name, b.port)),
    ...auths.flatMap((a) => serviceFor(a.name, a.port)),
    httpRoute('tenants', {
      parentRefs: [{ name: 'gw' }],
      rules: [
        // Only a header that no client request here carries as sent (the filter adds it).
        { matches: [{ headers: [{ name: 'x-tenant', value: 'a' }] }], backendRefs: [{ name: 'tenant-a', port: 80 }] },
        { matches: [{ headers: [{ name: 'x-tenant', value: 'b' }] }], backendRefs: [{ name: 'tenant-b', port: 80 }] },
      ],
    }),
    httpRoute('other', {
      parentRefs: [{ name: 'gw', sectionName: 'other' }],
      rules: [{ backendRefs: [{ name: 'tenant-b', port: 80 }] }],
    }),
  ];
}

async function get(host: string, headers: Record<string, string> = {}, path = '/page') {
  const res = await request(port, path, { host, headers });
  const reply = res.status === 200 ? (JSON.parse(res.body) as EchoReply) : undefined;
  return { res, reply };
}

beforeAll(async () => {
  backends.push(await startBackend('tenant-a'), await startBackend('tenant-b'));
  auths.push(await startAuthServer('auth-1'), await startAuthServer('auth-2'));
  port = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('all.yaml', objects(['auth-1', 'auth-2']));
  await waitFor(async () => (await get(HOST)).res.status === 200, { timeoutMs: 30_000, what: 'the listener' });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  await Promise.all(backends.map((b) => b.close()));
  await Promise.all(auths.map((a) => new Promise((resolve) => a.server.close(resolve))));
});

test('route matching sees the header a filter added, even when the request as sent matched no route', async () => {
  const { res, reply } = await get(HOST);
  expect(res.status).toBe(200);
  expect(reply?.backend).toBe('tenant-a');
  expect(reply?.headers['x-tenant']).toBe('a');
});

test('a route matching the value the client sent is not selected: matching runs after the filters', async () => {
  const { reply } = await get(HOST, { 'x-tenant': 'b' });
  expect(reply?.backend).toBe('tenant-a');
});

test('a filter cannot change Host: the backend gets the Host the client sent', async () => {
  const { reply } = await get(HOST);
  expect(reply?.host).toBe(HOST);
});

test('filters run in list order: the second sees the first, and its value wins', async () => {
  auths.forEach((a) => (a.seen.length = 0));
  const { reply } = await get(HOST);
  expect(reply?.headers['x-step']).toBe('auth-2');
  expect(auths[0]!.seen.map((h) => h['x-step'])).toEqual([undefined]);
  expect(auths[1]!.seen.map((h) => h['x-step'])).toEqual(['auth-1']);
});

test('a denial answers the client; no later filter and no backend see the request', async () => {
  auths.forEach((a) => (a.seen.length = 0));
  const before = backends.map((b) => b.requests.length);
  const { res } = await get(HOST, {}, '/deny/page');
  expect(res.status).toBe(403);
  expect(res.body).toContain('denied by auth-1');
  expect(auths[0]!.seen).toHaveLength(1);
  expect(auths[1]!.seen).toHaveLength(0);
  expect(backends.map((b) => b.requests.length)).toEqual(before);
});

test("another listener on the same port never runs this listener's filters", async () => {
  auths.forEach((a) => (a.seen.length = 0));
  const { res, reply } = await get(OTHER, {}, '/deny/page');
  expect(res.status).toBe(200);
  expect(reply?.backend).toBe('tenant-b');
  expect(reply?.headers['x-tenant']).toBeUndefined();
  expect(auths.flatMap((a) => a.seen)).toHaveLength(0);
});

test('reversing the list reverses the outcome', async () => {
  e2e.write('all.yaml', objects(['auth-2', 'auth-1']));
  await waitFor(async () => (await get(HOST)).reply?.headers['x-step'] === 'auth-1', {
    timeoutMs: 20_000,
    what: 'the reversed order',
  });
  auths.forEach((a) => (a.seen.length = 0));
  await get(HOST);
  expect(auths[1]!.seen.map((h) => h['x-step'])).toEqual([undefined]);
  expect(auths[0]!.seen.map((h) => h['x-step'])).toEqual(['auth-2']);
});

test('Envoy accepted every update', async () => {
  expect(await e2e.rejectedUpdates()).toBe(0);
});
