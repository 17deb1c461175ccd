/**
 * Cookie session persistence (HTTPRoute `sessionPersistence`, GEP-1619) through a real Envoy: the
 * first response sets the session cookie, and requests that carry it stay on one endpoint of the
 * Service; requests without it are spread over both endpoints.
 * With several weighted backendRefs the session sticks across them too (Portico combines them
 * into one cluster with weighted endpoints, since Envoy keeps a session within one cluster).
 * Header sessions (`type: Header`) work the same way with a response header the client echoes
 * back; its value is the chosen endpoint's address, base64-encoded by Envoy.
 * A backendRef of weight 0 keeps the sessions bound to it and gets no new ones (GEP-1619).
 */
import { startBackend, type Backend, type EchoReply } from '../support/backends.js';
import { freePort } from '../support/envoy-ads.js';
import { request } from '../support/http-client.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

const HOST = 'app.example.com';
let e2e: PorticoE2E;
let port: number;
const backends: Backend[] = [];

async function get(cookie?: string, path = '/app/page', headers: Record<string, string> = {}) {
  const res = await request(port, path, { host: HOST, headers: { ...(cookie ? { cookie } : {}), ...headers } });
  return { res, backend: res.status === 200 ? (JSON.parse(res.body) as EchoReply).backend : `status ${res.status}` };
}

/** Sends `count` requests to `path` with `headers`; returns the set of backends that answered. */
async function backendsSeen(count: number, path: string, headers: Record<string, string> = {}) {
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) seen.add((await get(undefined, path, headers)).backend);
  return seen;
}

/** The header session token Envoy uses for an endpoint: its address, base64-encoded. */
function token(backend: Backend): string {
  return Buffer.from(`127.0.0.1:${backend.port}`).toString('base64');
}

beforeAll(async () => {
  backends.push(await startBackend('one'), await startBackend('two'));
  port = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', [{ name: 'http', protocol: 'HTTP', port }]),
    // One Service whose two endpoints are the two backends (one EndpointSlice each: a slice's
    // port applies to all its endpoints).
    ...backends.flatMap((b) => serviceFor(b.name, b.port)),
    ...serviceFor('app', backends[0]!.port),
    {
      ...serviceFor('app', backends[1]!.port)[1]!,
      metadata: { name: 'app-2', namespace: 'default', labels: { 'kubernetes.io/service-name': 'app' } },
    },
    httpRoute('app', {
      parentRefs: [{ name: 'gw' }],
      hostnames: [HOST],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/app' } }],
          backendRefs: [{ name: 'app', port: 80 }],
          sessionPersistence: { type: 'Cookie', cookie: { name: 'app-session', path: '/app' } },
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/weighted' } }],
          backendRefs: [
            { name: 'one', port: 80, weight: 50 },
            { name: 'two', port: 80, weight: 50 },
          ],
          // No cookie.path: v1.7.0 says it defaults to "/".
          sessionPersistence: { type: 'Cookie', cookie: { name: 'w-session' } },
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/header' } }],
          backendRefs: [{ name: 'app', port: 80 }],
          // Header names are case-insensitive: the mixed case must not matter.
          sessionPersistence: { type: 'Header', header: { name: 'X-App-Session' } },
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/hweighted' } }],
          backendRefs: [
            { name: 'one', port: 80, weight: 50 },
            { name: 'two', port: 80, weight: 50 },
          ],
          sessionPersistence: { type: 'Header', header: { name: 'x-w-session' } },
        },
        {
          // A canary taken out: weight 0. Its existing sessions stay, new ones never go there.
          matches: [{ path: { type: 'PathPrefix', value: '/hzero' } }],
          backendRefs: [
            { name: 'one', port: 80, weight: 1 },
            { name: 'two', port: 80, weight: 0 },
          ],
          sessionPersistence: { type: 'Header', header: { name: 'x-z-session' } },
        },
      ],
    }),
  ]);
  await waitFor(async () => (await get()).res.status === 200, { timeoutMs: 30_000, what: 'the route' });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  await Promise.all(backends.map((b) => b.close()));
});

test('requests with the session cookie stay on one endpoint', async () => {
  const first = await get();
  const setCookie = ([] as string[]).concat(first.res.headers['set-cookie'] ?? []);
  const session = setCookie.find((c) => c.startsWith('app-session='));
  expect(session).toBeDefined();
  expect(session).toContain('Path=/app');
  const cookie = session!.split(';')[0]!;
  const seen = new Set<string>();
  for (let i = 0; i < 30; i++) seen.add((await get(cookie)).backend);
  expect(seen).toEqual(new Set([first.backend]));
  // Without the cookie, round robin reaches both endpoints.
  const spread = new Set<string>();
  for (let i = 0; i < 40; i++) spread.add((await get()).backend);
  expect(spread).toEqual(new Set(['one', 'two']));
});

test('a session sticks across weighted backendRefs', async () => {
  const first = await get(undefined, '/weighted');
  const session = ([] as string[])
    .concat(first.res.headers['set-cookie'] ?? [])
    .find((c) => c.startsWith('w-session='));
  expect(session).toBeDefined();
  // v1.7.0: a cookie without cookie.path gets Path=/ (it was derived from the rule's match before).
  expect(session).toMatch(/Path=\/(;|$)/);
  const cookie = session!.split(';')[0]!;
  const seen = new Set<string>();
  for (let i = 0; i < 30; i++) seen.add((await get(cookie, '/weighted')).backend);
  expect(seen).toEqual(new Set([first.backend]));
  // Without the cookie the 50/50 split is in force (both backends within 40 requests: 1 - 2^-39).
  const spread = new Set<string>();
  for (let i = 0; i < 40; i++) spread.add((await get(undefined, '/weighted')).backend);
  expect(spread).toEqual(new Set(['one', 'two']));
});

describe('header sessions', () => {
  test.each([
    ['one Service with two endpoints', '/header/page', 'x-app-session'],
    ['weighted backendRefs', '/hweighted/page', 'x-w-session'],
  ])('%s: the session header pins requests to one endpoint', async (_, path, header) => {
    // The first response names the endpoint that answered, in the session header.
    const first = await get(undefined, path);
    expect(first.res.status).toBe(200);
    const value = first.res.headers[header];
    expect(typeof value).toBe('string');
    const answered = backends.find((b) => b.name === first.backend)!;
    expect(value).toBe(token(answered));
    expect(first.res.headers['set-cookie']).toBeUndefined();

    // Echoing it back keeps every request on that endpoint.
    expect(await backendsSeen(30, path, { [header]: value as string })).toEqual(new Set([first.backend]));
    // The header steers (not chance): a session naming the other endpoint goes there.
    const other = backends.find((b) => b.name !== first.backend)!;
    expect(await backendsSeen(30, path, { [header]: token(other) })).toEqual(new Set([other.name]));
    // Without the header the requests are load balanced over both (1 - 2^-39 for 40 requests).
    expect(await backendsSeen(40, path)).toEqual(new Set(['one', 'two']));
  });

  test('a session bound to a weight-0 backendRef stays there; requests without one never go there', async () => {
    expect(await backendsSeen(30, '/hzero/page')).toEqual(new Set(['one']));
    const two = backends.find((b) => b.name === 'two')!;
    expect(await backendsSeen(20, '/hzero/page', { 'x-z-session': token(two) })).toEqual(new Set(['two']));
    const one = backends.find((b) => b.name === 'one')!;
    expect(await backendsSeen(10, '/hzero/page', { 'x-z-session': token(one) })).toEqual(new Set(['one']));
  });

  test('a session header for an unknown endpoint falls back to load balancing and is replaced', async () => {
    const stale = Buffer.from('127.0.0.1:1').toString('base64');
    const res = await get(undefined, '/header/page', { 'x-app-session': stale });
    expect(res.res.status).toBe(200);
    const answered = backends.find((b) => b.name === res.backend)!;
    expect(res.res.headers['x-app-session']).toBe(token(answered));
  });
});
