/**
 * HTTPRoute ExternalAuth filters (GEP-1494) through a real Envoy, with a real HTTP and a real gRPC
 * authorization server that the test runs:
 * - allowed: the backend gets the request, with the response headers the filter lets through;
 *   the server got the prefixed path, the headers it is allowed to see (and no others) and the
 *   body up to forwardBody.maxSize;
 * - denied: the client gets the server's status and body, the backend nothing;
 * - a server that cannot be reached fails closed (403), one that does not resolve answers 500;
 * - rules and routes on the same listener without the filter are never checked.
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

const HOST = 'app.example.com';
const OTHER = 'other.example.com';

let e2e: PorticoE2E;
let port: number;
let web: Backend;
let httpAuth: HttpAuthServer;
let grpcAuth: GrpcAuthServer;

function rule(prefix: string, externalAuth?: Record<string, unknown>) {
  return {
    matches: [{ path: { type: 'PathPrefix', value: prefix } }],
    ...(externalAuth ? { filters: [{ type: 'ExternalAuth', externalAuth }] } : {}),
    backendRefs: [{ name: 'web', port: 80 }],
  };
}

function objects(downPort: number) {
  return [
    gatewayClass(),
    gateway('gw', [{ name: 'http', protocol: 'HTTP', port }]),
    ...serviceFor('web', web.port),
    ...serviceFor('auth-http', httpAuth.port),
    ...serviceFor('auth-grpc', grpcAuth.port),
    // Nothing listens there.
    ...serviceFor('auth-down', downPort),
    httpRoute('api', {
      parentRefs: [{ name: 'gw' }],
      hostnames: [HOST],
      rules: [
        rule('/http', {
          protocol: 'HTTP',
          backendRef: { name: 'auth-http', port: 80 },
          http: { path: '/check', allowedHeaders: ['x-user', 'x-trace'], allowedResponseHeaders: ['x-auth-user'] },
          forwardBody: { maxSize: 8 },
        }),
        rule('/grpc', {
          protocol: 'GRPC',
          backendRef: { name: 'auth-grpc', port: 80 },
          grpc: { allowedHeaders: ['x-user'] },
        }),
        rule('/down', { protocol: 'HTTP', backendRef: { name: 'auth-down', port: 80 }, http: {} }),
        rule('/gone', { protocol: 'HTTP', backendRef: { name: 'nowhere', port: 80 }, http: {} }),
        rule('/public'),
      ],
    }),
    httpRoute('other', { parentRefs: [{ name: 'gw' }], hostnames: [OTHER], rules: [rule('/')] }),
  ];
}

async function get(path: string, headers: Record<string, string> = {}, host = HOST) {
  const res = await request(port, path, { host, headers });
  const reply = res.status === 200 ? (JSON.parse(res.body) as EchoReply) : undefined;
  return { res, reply };
}

function clearRecords(): void {
  httpAuth.checks.length = 0;
  grpcAuth.checks.length = 0;
  web.requests.length = 0;
}

beforeAll(async () => {
  web = await startBackend('web');
  httpAuth = await startHttpAuthServer();
  grpcAuth = await startGrpcAuthServer();
  port = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('all.yaml', objects(await freePort()));
  await waitFor(async () => (await get('/public')).res.status === 200, { timeoutMs: 30_000, what: 'the listener' });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  await Promise.all([web?.close(), httpAuth?.close(), grpcAuth?.close()]);
});

beforeEach(clearRecords);

describe('HTTP authorization server', () => {
  test('allowed: the backend gets the request and only the allowed response headers', async () => {
    const { res, reply } = await get('/http/page', { 'x-user': 'alice', 'x-trace': 't1', 'x-secret': 's' });
    expect(res.status).toBe(200);
    expect(reply?.backend).toBe('web');
    expect(reply?.headers['x-auth-user']).toBe('alice');
    expect(reply?.headers['x-auth-extra']).toBeUndefined();
  });

  test('the server gets the path under http.path, and of the headers only the allowed ones (and Envoy’s own)', async () => {
    await get('/http/page?q=1', { 'x-user': 'alice', 'x-trace': 't1', 'x-secret': 's', authorization: 'Bearer x' });
    expect(httpAuth.checks).toHaveLength(1);
    const [check] = httpAuth.checks;
    expect(check!.path).toBe('/check/http/page?q=1');
    expect(check!.headers['x-user']).toBe('alice');
    expect(check!.headers['x-trace']).toBe('t1');
    expect(check!.headers.authorization).toBe('Bearer x');
    expect(check!.headers['x-secret']).toBeUndefined();
  });

  test('the body goes to the server truncated to forwardBody.maxSize, and the request goes on', async () => {
    const res = await request(port, '/http/upload', {
      host: HOST,
      method: 'POST',
      headers: { 'x-user': 'alice', 'content-type': 'text/plain' },
      body: 'abcdefghijklmnop',
    });
    expect(res.status).toBe(200);
    expect(httpAuth.checks.map((c) => c.body)).toEqual(['abcdefgh']);
    expect(httpAuth.checks[0]!.headers['content-length']).toBe('8');
  });

  test('denied: the client gets the server’s status and body, the backend nothing', async () => {
    const { res } = await get('/http/page');
    expect(res.status).toBe(401);
    expect(res.body).toBe('no user');
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(httpAuth.checks).toHaveLength(1);
    expect(web.requests).toHaveLength(0);
  });
});

describe('gRPC authorization server', () => {
  test('allowed: the backend gets the request with the header the server added', async () => {
    const { res, reply } = await get('/grpc/page', { 'x-user': 'alice', 'x-secret': 's' });
    expect(res.status).toBe(200);
    expect(reply?.headers['x-grpc-user']).toBe('alice');
  });

  test('the server gets only the allowed headers', async () => {
    await get('/grpc/page', { 'x-user': 'alice', 'x-secret': 's' });
    expect(grpcAuth.checks).toHaveLength(1);
    expect(grpcAuth.checks[0]!['x-user']).toBe('alice');
    expect(grpcAuth.checks[0]!['x-secret']).toBeUndefined();
  });

  test('denied: the client gets the status and body the server chose, the backend nothing', async () => {
    const { res } = await get('/grpc/page', { 'x-user': 'mallory' });
    expect(res.status).toBe(403);
    expect(res.body).toBe('grpc says no');
    expect(web.requests).toHaveLength(0);
    expect(httpAuth.checks).toHaveLength(0);
  });
});

describe('failing closed', () => {
  test('a server that cannot be reached: 403, the backend nothing', async () => {
    const { res } = await get('/down/page', { 'x-user': 'alice' });
    expect(res.status).toBe(403);
    expect(web.requests).toHaveLength(0);
  });

  test('a server that does not resolve: the rule answers 500', async () => {
    const { res } = await get('/gone/page', { 'x-user': 'alice' });
    expect(res.status).toBe(500);
    expect(web.requests).toHaveLength(0);
  });
});

test('a rule without the filter, and another route on the same listener, are never checked', async () => {
  const publicPage = await get('/public/page');
  const other = await get('/http/page', {}, OTHER);
  expect([publicPage.res.status, other.res.status]).toEqual([200, 200]);
  expect(httpAuth.checks).toHaveLength(0);
  expect(grpcAuth.checks).toHaveLength(0);
  expect(web.requests).toHaveLength(2);
});

test('Envoy accepted every update', async () => {
  expect(await e2e.rejectedUpdates()).toBe(0);
});
