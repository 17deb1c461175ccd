/**
 * SecurityPolicy `extAuth` through a real Envoy (file mode), with the real HTTP and gRPC
 * authorization servers of test/support/auth-servers.ts:
 * - a Gateway's policy covers its routes: allowed requests reach the backend with only the answer
 *   headers `headersToBackend` names, denied ones get the server's status and body; the server sees
 *   the path under `path` and, of the client's headers, those `headersToExtAuth` names (and Envoy's own);
 *   a body longer than `bodyToExtAuth.maxRequestBytes` is answered 413 without a check;
 * - a route's policy overrides the Gateway's (gRPC server; or no extAuth at all);
 * - without `headersToBackend`, none of the server's headers reach the backend; without
 *   `headersToExtAuth`, an HTTP server gets only Envoy's default headers;
 * - a server that cannot be reached: 403 (fail closed), or the request goes on with `failOpen`;
 *   one that does not resolve: 500, failOpen or not (a policy that cannot be applied is closed).
 */
import { startBackend, type Backend, type EchoReply } from '../support/backends.js';
import {
  startGrpcAuthServer,
  startHttpAuthServer,
  type GrpcAuthServer,
  type HttpAuthServer,
} from '../support/auth-servers.js';
import { freePort } from '../support/envoy-ads.js';
import { request } from '../support/http-client.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

let e2e: PorticoE2E;
let port: number;
let web: Backend;
let httpAuth: HttpAuthServer;
let grpcAuth: GrpcAuthServer;

const policy = (name: string, targetRef: Record<string, unknown>, spec: Record<string, unknown>) => ({
  apiVersion: 'gateway.portico.dev/v1alpha1',
  kind: 'SecurityPolicy',
  metadata: { name, namespace: 'default', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', ...targetRef }], ...spec },
});

const route = (name: string) =>
  httpRoute(name, {
    parentRefs: [{ name: 'gw' }],
    hostnames: [`${name}.example.com`],
    rules: [{ backendRefs: [{ name: 'web', port: 80 }] }],
  });

const onRoute = (name: string, spec: Record<string, unknown>) =>
  policy(`${name}-policy`, { kind: 'HTTPRoute', name }, spec);

const httpServer = (name: string, extra: Record<string, unknown> = {}) => ({
  http: { backendRefs: [{ name, port: 80 }], ...extra },
});

function objects(downPort: number) {
  return [
    gatewayClass(),
    gateway('gw', [{ name: 'http', protocol: 'HTTP', port }]),
    ...serviceFor('web', web.port),
    ...serviceFor('auth-http', httpAuth.port),
    ...serviceFor('auth-grpc', grpcAuth.port),
    // Nothing listens there.
    ...serviceFor('auth-down', downPort),
    route('covered'),
    route('grpc'),
    route('no-headers'),
    route('defaults-only'),
    route('own-policy'),
    route('down-closed'),
    route('down-open'),
    route('gone-closed'),
    route('gone-open'),
    policy(
      'gateway-auth',
      { kind: 'Gateway', name: 'gw' },
      {
        extAuth: {
          ...httpServer('auth-http', { path: '/check', headersToBackend: ['X-Auth-User'] }),
          headersToExtAuth: ['x-user', 'x-trace'],
          bodyToExtAuth: { maxRequestBytes: 8 },
        },
      },
    ),
    onRoute('grpc', {
      extAuth: { grpc: { backendRefs: [{ name: 'auth-grpc', port: 80 }] }, headersToExtAuth: ['x-user'] },
    }),
    onRoute('no-headers', { extAuth: { ...httpServer('auth-http'), headersToExtAuth: ['x-user'] } }),
    onRoute('defaults-only', { extAuth: httpServer('auth-http') }),
    onRoute('own-policy', { authorization: { defaultAction: 'Allow' } }),
    onRoute('down-closed', { extAuth: httpServer('auth-down') }),
    onRoute('down-open', { extAuth: { ...httpServer('auth-down'), failOpen: true } }),
    onRoute('gone-closed', { extAuth: httpServer('nowhere') }),
    onRoute('gone-open', { extAuth: { ...httpServer('nowhere'), failOpen: true } }),
  ];
}

async function send(
  name: string,
  path = '/page',
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; body: string; reply?: EchoReply; headers: Record<string, unknown> }> {
  const res = await request(port, path, {
    host: `${name}.example.com`,
    headers,
    ...(body !== undefined ? { method: 'POST', body } : {}),
  });
  const reply = res.status === 200 ? (JSON.parse(res.body) as EchoReply) : undefined;
  return { status: res.status, body: res.body, headers: res.headers, ...(reply ? { reply } : {}) };
}

beforeAll(async () => {
  web = await startBackend('web');
  httpAuth = await startHttpAuthServer();
  grpcAuth = await startGrpcAuthServer();
  e2e = await PorticoE2E.start('default/gw');
  // After Envoy is up: its admin API binds an ephemeral port, which could be one freePort just gave back.
  port = await freePort();
  e2e.write('all.yaml', objects(await freePort()));
  await waitFor(async () => (await send('own-policy')).status === 200, { timeoutMs: 30_000, what: 'the listener' });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  await Promise.all([web?.close(), httpAuth?.close(), grpcAuth?.close()]);
});

beforeEach(() => {
  httpAuth.checks.length = 0;
  grpcAuth.checks.length = 0;
  web.requests.length = 0;
});

describe("a Gateway's policy covers its routes (HTTP server)", () => {
  test('allowed: the backend gets the request with only the headersToBackend of the answer', async () => {
    const { status, reply } = await send('covered', '/page', { 'x-user': 'alice' });
    expect(status).toBe(200);
    expect(reply?.backend).toBe('web');
    expect(reply?.headers['x-auth-user']).toBe('alice');
    expect(reply?.headers['x-auth-extra']).toBeUndefined();
  });

  test('the server gets the path under http.path and, of the headers, headersToExtAuth (and Envoy’s own)', async () => {
    await send('covered', '/page?q=1', {
      'x-user': 'alice',
      'x-trace': 't',
      'x-secret': 's',
      authorization: 'Bearer x',
    });
    expect(httpAuth.checks).toHaveLength(1);
    const check = httpAuth.checks[0]!;
    expect(check.path).toBe('/check/page?q=1');
    expect(check.headers['x-user']).toBe('alice');
    expect(check.headers['x-trace']).toBe('t');
    expect(check.headers.authorization).toBe('Bearer x');
    expect(check.headers['x-secret']).toBeUndefined();
  });

  test('denied: the client gets the server’s status and body, the backend nothing', async () => {
    const res = await send('covered', '/page', { 'x-user': 'mallory' });
    expect(res.status).toBe(401);
    expect(res.body).toBe('no user');
    expect(httpAuth.checks).toHaveLength(1);
    expect(web.requests).toHaveLength(0);
  });

  test('bodyToExtAuth: a body within maxRequestBytes goes to the server; a longer one is answered 413 unchecked', async () => {
    const short = await send('covered', '/upload', { 'x-user': 'alice', 'content-type': 'text/plain' }, 'abcdefgh');
    expect(short.status).toBe(200);
    expect(httpAuth.checks.map((c) => c.body)).toEqual(['abcdefgh']);
    httpAuth.checks.length = 0;
    const long = await send('covered', '/upload', { 'x-user': 'alice', 'content-type': 'text/plain' }, 'abcdefghijk');
    expect(long.status).toBe(413);
    expect(httpAuth.checks).toHaveLength(0);
    expect(web.requests).toHaveLength(1);
  });
});

describe("a route's policy overrides the Gateway's", () => {
  test('gRPC server: allowed with the header it added, only headersToExtAuth sent; the HTTP server is not asked', async () => {
    const { status, reply } = await send('grpc', '/page', { 'x-user': 'alice', 'x-secret': 's' });
    expect(status).toBe(200);
    expect(reply?.headers['x-grpc-user']).toBe('alice');
    expect(grpcAuth.checks).toHaveLength(1);
    expect(grpcAuth.checks[0]!['x-user']).toBe('alice');
    expect(grpcAuth.checks[0]!['x-secret']).toBeUndefined();
    expect(httpAuth.checks).toHaveLength(0);
  });

  test('gRPC server: denied with the status and body it chose', async () => {
    const res = await send('grpc', '/page', { 'x-user': 'mallory' });
    expect(res.status).toBe(403);
    expect(res.body).toBe('grpc says no');
    expect(web.requests).toHaveLength(0);
  });

  test('a route policy without extAuth: no check at all', async () => {
    const res = await send('own-policy');
    expect(res.status).toBe(200);
    expect(httpAuth.checks).toHaveLength(0);
    expect(grpcAuth.checks).toHaveLength(0);
  });

  test('without headersToBackend none of the answer’s headers reach the backend', async () => {
    const { status, reply } = await send('no-headers', '/page', { 'x-user': 'alice' });
    expect(status).toBe(200);
    expect(httpAuth.checks).toHaveLength(1);
    // The request path goes as it is (no http.path).
    expect(httpAuth.checks[0]!.path).toBe('/page');
    expect(reply?.headers['x-auth-user']).toBeUndefined();
    expect(reply?.headers['x-auth-extra']).toBeUndefined();
  });

  test('without headersToExtAuth an HTTP server gets only Envoy’s own headers (Authorization among them)', async () => {
    const res = await send('defaults-only', '/page', { 'x-user': 'alice', authorization: 'Bearer x' });
    // The server allows x-user: alice, which it was not sent.
    expect(res.status).toBe(401);
    expect(httpAuth.checks).toHaveLength(1);
    expect(httpAuth.checks[0]!.headers['x-user']).toBeUndefined();
    expect(httpAuth.checks[0]!.headers.authorization).toBe('Bearer x');
    expect(web.requests).toHaveLength(0);
  });
});

describe('a server that cannot be reached, or does not resolve', () => {
  test('unreachable: 403 and nothing forwarded; with failOpen the request goes on', async () => {
    const closed = await send('down-closed', '/page', { 'x-user': 'alice' });
    expect(closed.status).toBe(403);
    expect(web.requests).toHaveLength(0);
    const open = await send('down-open');
    expect(open.status).toBe(200);
    expect(web.requests).toHaveLength(1);
  });

  test('no such Service: 500, with failOpen too (a policy that cannot be applied is closed, never open)', async () => {
    expect((await send('gone-closed', '/page', { 'x-user': 'alice' })).status).toBe(500);
    expect((await send('gone-open')).status).toBe(500);
    expect(web.requests).toHaveLength(0);
  });
});

test('a server that appears later is used: the closed policy applies once its Service exists', async () => {
  e2e.write('late.yaml', serviceFor('nowhere', httpAuth.port));
  await waitFor(async () => (await send('gone-closed')).status === 401, { timeoutMs: 30_000, what: 'the new server' });
  const { status, reply } = await send('gone-closed', '/page', { authorization: 'Bearer x' });
  expect(status).toBe(401);
  expect(reply).toBeUndefined();
  expect(httpAuth.checks.at(-1)!.headers.authorization).toBe('Bearer x');
});

test('Envoy accepted every update', async () => {
  expect(await e2e.rejectedUpdates()).toBe(0);
});
