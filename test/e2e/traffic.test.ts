/**
 * Real requests through a real Envoy configured by Portico over ADS, for the behaviours the
 * Gateway API defines: matching and precedence, weighted splits, redirects, rewrites, header
 * changes, mirroring, timeouts, retries, CORS, HTTPS with SNI, h2c backends, and 500 for a
 * missing backend.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startBackend, type Backend, type EchoReply } from '../support/backends.js';
import { request, type RequestOptions } from '../support/http-client.js';
import { freePort } from '../support/envoy-ads.js';
import { gateway, gatewayClass, httpRoute, serviceFor, tlsSecret } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/tls/', import.meta.url));
const CERT = readFileSync(`${FIXTURES}example.crt`, 'utf8');
const KEY = readFileSync(`${FIXTURES}example.key`, 'utf8');
const HOST = 'www.example.com';

let e2e: PorticoE2E;
let httpPort: number;
let httpsPort: number;
const backends: Record<string, Backend> = {};

const names = [
  'exact',
  'prefix',
  'regex',
  'root',
  'header',
  'query',
  'method',
  'v1',
  'v2',
  'rewrite',
  'mirror',
  'slow',
  'flaky',
  'cors',
  'www',
  'foo',
];

async function get(path: string, options: RequestOptions = {}) {
  return request(httpPort, path, { host: HOST, ...options });
}

/** Which backend answered (the echo backends reply with JSON naming themselves). */
async function backendOf(path: string, options: RequestOptions = {}): Promise<string> {
  const res = await get(path, options);
  if (res.status !== 200) return `status ${res.status}`;
  return (JSON.parse(res.body) as EchoReply).backend;
}

function rule(path: { type: string; value: string }, backend: string, extra: Record<string, unknown> = {}) {
  const { matchExtra, ...rest } = extra as { matchExtra?: Record<string, unknown> };
  return { matches: [{ path, ...matchExtra }], backendRefs: [{ name: backend, port: 80 }], ...rest };
}

beforeAll(async () => {
  for (const name of names) backends[name] = await startBackend(name);
  backends.h2c = await startBackend('h2c', { h2c: true });
  httpPort = await freePort();
  httpsPort = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  const services = Object.entries(backends).flatMap(([name, b]) =>
    serviceFor(name, b.port, name === 'h2c' ? 'kubernetes.io/h2c' : undefined),
  );
  e2e.write('backends.yaml', services);
  e2e.write('routes.yaml', [
    httpRoute('matching', {
      parentRefs: [{ name: 'gw', sectionName: 'http' }],
      hostnames: [HOST],
      rules: [
        rule({ type: 'Exact', value: '/exact' }, 'exact'),
        rule({ type: 'PathPrefix', value: '/api' }, 'prefix'),
        rule({ type: 'RegularExpression', value: '/items/[0-9]+' }, 'regex'),
        rule({ type: 'PathPrefix', value: '/' }, 'root'),
        rule({ type: 'PathPrefix', value: '/api' }, 'header', {
          matchExtra: { headers: [{ name: 'x-team', value: 'blue' }] },
        }),
        rule({ type: 'PathPrefix', value: '/api' }, 'query', {
          matchExtra: { queryParams: [{ name: 'version', value: '2' }] },
        }),
        rule({ type: 'PathPrefix', value: '/api' }, 'method', { matchExtra: { method: 'DELETE' } }),
      ],
    }),
    httpRoute('features', {
      parentRefs: [{ name: 'gw', sectionName: 'http' }],
      hostnames: [HOST],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/split' } }],
          backendRefs: [
            { name: 'v1', port: 80, weight: 80 },
            { name: 'v2', port: 80, weight: 20 },
          ],
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/old' } }],
          filters: [
            {
              type: 'RequestRedirect',
              requestRedirect: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' }, statusCode: 301 },
            },
          ],
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/secure' } }],
          filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https' } }],
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/legacy' } }],
          filters: [
            {
              type: 'URLRewrite',
              urlRewrite: {
                hostname: 'internal.example.com',
                path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2' },
              },
            },
          ],
          backendRefs: [{ name: 'rewrite', port: 80 }],
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/headers' } }],
          filters: [
            {
              type: 'RequestHeaderModifier',
              requestHeaderModifier: {
                set: [{ name: 'x-set', value: 'yes' }],
                add: [{ name: 'x-added', value: 'one' }],
                remove: ['x-drop'],
              },
            },
            {
              type: 'ResponseHeaderModifier',
              responseHeaderModifier: {
                add: [{ name: 'x-response', value: 'added' }],
                set: [{ name: 'Server', value: 'portico-test' }],
                remove: ['x-backend'],
              },
            },
          ],
          backendRefs: [{ name: 'rewrite', port: 80 }],
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/mirrored' } }],
          filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'mirror', port: 80 } } }],
          backendRefs: [{ name: 'root', port: 80 }],
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/slow' } }],
          timeouts: { request: '300ms' },
          backendRefs: [{ name: 'slow', port: 80 }],
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/slow-backend' } }],
          timeouts: { request: '3s', backendRequest: '200ms' },
          backendRefs: [{ name: 'slow', port: 80 }],
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/flaky' } }],
          retry: { codes: [503], attempts: 3, backoff: '10ms' },
          backendRefs: [{ name: 'flaky', port: 80 }],
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/cors' } }],
          filters: [
            {
              type: 'CORS',
              cors: {
                allowOrigins: ['https://app.example.com'],
                allowMethods: ['GET', 'PUT'],
                allowHeaders: ['x-token'],
                maxAge: 60,
              },
            },
          ],
          backendRefs: [{ name: 'cors', port: 80 }],
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/h2c' } }],
          backendRefs: [{ name: 'h2c', port: 80 }],
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/missing' } }],
          backendRefs: [{ name: 'does-not-exist', port: 80 }],
        },
      ],
    }),
    httpRoute('tls-www', {
      parentRefs: [{ name: 'gw', sectionName: 'https-www' }],
      rules: [{ backendRefs: [{ name: 'www', port: 80 }] }],
    }),
    httpRoute('tls-foo', {
      parentRefs: [{ name: 'gw', sectionName: 'https-foo' }],
      rules: [{ backendRefs: [{ name: 'foo', port: 80 }] }],
    }),
  ]);
  e2e.write('gateway.yaml', [
    gatewayClass(),
    tlsSecret('example-cert', CERT, KEY),
    gateway('gw', [
      { name: 'http', protocol: 'HTTP', port: httpPort, allowedRoutes: { namespaces: { from: 'Same' } } },
      {
        name: 'https-www',
        protocol: 'HTTPS',
        port: httpsPort,
        hostname: 'www.example.com',
        tls: { certificateRefs: [{ name: 'example-cert' }] },
      },
      {
        name: 'https-foo',
        protocol: 'HTTPS',
        port: httpsPort,
        hostname: 'foo.example.com',
        tls: { certificateRefs: [{ name: 'example-cert' }] },
      },
    ]),
  ]);
  await waitFor(async () => (await backendOf('/h2c')) === 'h2c', {
    timeoutMs: 30_000,
    what: 'Envoy to serve the routes',
  });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  await Promise.all(Object.values(backends).map((b) => b.close()));
});

test('Envoy accepted everything (no update rejected)', async () => {
  expect(await e2e.rejectedUpdates()).toBe(0);
});

describe('matching and precedence', () => {
  test('exact path', async () => {
    expect(await backendOf('/exact')).toBe('exact');
    expect(await backendOf('/exact/more')).toBe('root');
  });
  test('prefix matches on segment boundaries only', async () => {
    expect(await backendOf('/api')).toBe('prefix');
    expect(await backendOf('/api/users')).toBe('prefix');
    expect(await backendOf('/apix')).toBe('root');
  });
  test('regular expression matches the whole path', async () => {
    expect(await backendOf('/items/42')).toBe('regex');
    expect(await backendOf('/items/42x')).toBe('root');
  });
  test('a header match wins over the same prefix without one', async () => {
    expect(await backendOf('/api/x', { headers: { 'x-team': 'blue' } })).toBe('header');
    expect(await backendOf('/api/x', { headers: { 'x-team': 'red' } })).toBe('prefix');
  });
  test('a query parameter match', async () => {
    expect(await backendOf('/api/x?version=2')).toBe('query');
    expect(await backendOf('/api/x?version=3')).toBe('prefix');
  });
  test('a method match wins over header and query matches of the same prefix', async () => {
    expect(await backendOf('/api/x?version=2', { method: 'DELETE', headers: { 'x-team': 'blue' } })).toBe('method');
  });
  test('another host gets 404', async () => {
    expect((await get('/exact', { host: 'other.example.org' })).status).toBe(404);
  });
});

test('weighted split 80/20 within tolerance', async () => {
  const counts: Record<string, number> = {};
  const n = 400;
  for (let i = 0; i < n; i++) {
    const b = await backendOf(`/split/${i}`);
    counts[b] = (counts[b] ?? 0) + 1;
  }
  expect((counts.v1 ?? 0) + (counts.v2 ?? 0)).toBe(n);
  // 80% of 400 = 320; a binomial standard deviation is 8, so ±40 is a five-sigma band.
  expect(Math.abs((counts.v1 ?? 0) - 320)).toBeLessThanOrEqual(40);
});

describe('redirects and rewrites', () => {
  test('ReplacePrefixMatch redirect with 301 keeps the rest of the path', async () => {
    const res = await get('/old/page?q=1');
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe(`http://${HOST}:${httpPort}/new/page?q=1`);
  });
  test('scheme redirect to https goes to port 443', async () => {
    const res = await get('/secure/x');
    expect(res.status).toBe(302);
    expect(res.headers.location).toMatch(new RegExp(`^https://${HOST}(:443)?/secure/x$`));
  });
  test('URLRewrite changes host and path prefix', async () => {
    const res = await get('/legacy/thing');
    const echo = JSON.parse(res.body) as EchoReply;
    expect(echo.path).toBe('/v2/thing');
    expect(echo.host).toBe('internal.example.com');
  });
});

test('request and response header modifiers', async () => {
  const res = await get('/headers', { headers: { 'x-set': 'no', 'x-added': 'zero', 'x-drop': 'bye' } });
  const echo = JSON.parse(res.body) as EchoReply;
  expect(echo.headers['x-set']).toBe('yes');
  // Appended as a second header line; node joins repeated headers with ", ".
  expect(echo.headers['x-added']).toBe('zero, one');
  expect(echo.headers['x-drop']).toBeUndefined();
  expect(res.headers['x-response']).toBe('added');
  expect(res.headers['x-backend']).toBeUndefined();
  // Envoy's default would overwrite it with "envoy" after the route's changes.
  expect(res.headers.server).toBe('portico-test');
});

test('mirroring sends a copy to the mirror backend', async () => {
  const before = backends.mirror!.requests.length;
  expect(await backendOf('/mirrored/once')).toBe('root');
  await waitFor(() => backends.mirror!.requests.length > before, { what: 'the mirrored request' });
  expect(backends.mirror!.requests.at(-1)?.path).toBe('/mirrored/once');
});

describe('timeouts and retries', () => {
  afterEach(() => {
    backends.slow!.delayMs = 0;
  });
  test('request timeout answers 504', async () => {
    backends.slow!.delayMs = 1500;
    const started = Date.now();
    const res = await get('/slow');
    expect(res.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(1400);
  });
  test('backendRequest timeout answers 504', async () => {
    backends.slow!.delayMs = 1500;
    expect((await get('/slow-backend')).status).toBe(504);
  });
  test('retries turn two 503s into a 200', async () => {
    backends.flaky!.failNext = { count: 2, status: 503 };
    const before = backends.flaky!.requests.length;
    const res = await get('/flaky');
    expect(res.status).toBe(200);
    expect(backends.flaky!.requests.length - before).toBe(3);
  });
});

test('CORS preflight is answered by the gateway', async () => {
  const res = await get('/cors/x', {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PUT' },
  });
  expect(res.status).toBeLessThan(300);
  expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
  expect(String(res.headers['access-control-allow-methods'])).toContain('PUT');
  expect(res.headers['access-control-max-age']).toBe('60');
  const denied = await get('/cors/x', {
    method: 'OPTIONS',
    headers: { origin: 'https://evil.example.net', 'access-control-request-method': 'PUT' },
  });
  expect(denied.headers['access-control-allow-origin']).toBeUndefined();
});

test('h2c backends receive HTTP/2', async () => {
  const echo = JSON.parse((await get('/h2c/x')).body) as EchoReply;
  expect(echo.backend).toBe('h2c');
  expect(echo.httpVersion).toBe('2.0');
});

test('a backendRef to a missing Service answers 500', async () => {
  expect((await get('/missing')).status).toBe(500);
});

describe('HTTPS with SNI across two hostnames', () => {
  const tlsGet = (servername: string, host = servername) =>
    request(httpsPort, '/', { host, tls: { servername, ca: CERT } });
  test('each hostname reaches its own listener', async () => {
    expect(JSON.parse((await tlsGet('www.example.com')).body).backend).toBe('www');
    expect(JSON.parse((await tlsGet('foo.example.com')).body).backend).toBe('foo');
  });
  test('a Host of the other listener is a misdirected request', async () => {
    expect((await tlsGet('www.example.com', 'foo.example.com')).status).toBe(421);
  });
});
