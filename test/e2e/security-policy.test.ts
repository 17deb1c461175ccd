/**
 * SecurityPolicy `authorization` through a real Envoy (file mode): clients bound to different
 * loopback addresses (127.0.0.2, 127.0.0.3) are allowed or denied (403) by their address, a forged
 * X-Forwarded-For grants nothing, ordered rules decide by the first match (a header principal), a
 * route's policy overrides the Gateway's, and a policy that cannot be applied closes its route
 * (500) while its neighbours keep serving.
 */
import { request as httpRequest } from 'node:http';
import { startBackend, type Backend } from '../support/backends.js';
import { freePort } from '../support/envoy-ads.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

let e2e: PorticoE2E;
let port: number;
let backend: Backend;

const ALLOWED = '127.0.0.2';
const DENIED = '127.0.0.3';

/** A GET to Envoy (127.0.0.1) from `from`, a loopback address of this host; the status Envoy answered. */
function get(from: string, host: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        localAddress: from,
        agent: false,
        headers: { host, ...headers },
        timeout: 5000,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request to ${host} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

const policy = (name: string, targetRef: Record<string, unknown>, spec: Record<string, unknown>, created: string) => ({
  apiVersion: 'gateway.portico.dev/v1alpha1',
  kind: 'SecurityPolicy',
  metadata: { name, namespace: 'default', generation: 1, creationTimestamp: created },
  spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', ...targetRef }], ...spec },
});

const route = (name: string) =>
  httpRoute(name, {
    parentRefs: [{ name: 'gw' }],
    hostnames: [`${name}.example.com`],
    rules: [{ backendRefs: [{ name: 'echo', port: 80 }] }],
  });

beforeAll(async () => {
  backend = await startBackend('echo');
  port = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', [{ name: 'http', protocol: 'HTTP', port }]),
    ...serviceFor('echo', backend.port),
    route('app'),
    route('public'),
    route('staff'),
    route('broken'),
    // The Gateway's: only 127.0.0.2.
    policy(
      'gateway-allow-list',
      { kind: 'Gateway', name: 'gw' },
      {
        authorization: {
          defaultAction: 'Deny',
          rules: [{ action: 'Allow', principal: { clientCIDRs: [`${ALLOWED}/32`] } }],
        },
      },
      '2026-01-01T00:00:00Z',
    ),
    // public's own overrides it: everyone but 127.0.0.2.
    policy(
      'public-deny-list',
      { kind: 'HTTPRoute', name: 'public' },
      {
        authorization: {
          defaultAction: 'Allow',
          rules: [{ action: 'Deny', principal: { clientCIDRs: [`${ALLOWED}/32`] } }],
        },
      },
      '2026-01-01T00:00:00Z',
    ),
    // staff: 127.0.0.3 is denied first, then anyone with x-role: staff is allowed.
    policy(
      'staff-only',
      { kind: 'HTTPRoute', name: 'staff' },
      {
        authorization: {
          rules: [
            { action: 'Deny', principal: { clientCIDRs: [`${DENIED}/32`] } },
            { action: 'Allow', principal: { headers: [{ name: 'X-Role', values: ['staff'] }] } },
          ],
        },
      },
      '2026-01-01T00:00:00Z',
    ),
    // broken asks for JWT with a key set URI that is not http or https: closed.
    policy(
      'needs-jwt',
      { kind: 'HTTPRoute', name: 'broken' },
      { jwt: { providers: [{ name: 'idp', remoteJWKS: { uri: 'ftp://idp.example.com/jwks' } }] } },
      '2026-01-01T00:00:00Z',
    ),
  ]);
  await waitFor(async () => (await get(ALLOWED, 'app.example.com')) === 200, {
    timeoutMs: 30_000,
    what: 'Envoy to serve the secured routes',
  });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  await backend?.close();
});

test('Envoy accepted everything (no update rejected)', async () => {
  expect(await e2e.rejectedUpdates()).toBe(0);
});

test("the Gateway's policy: 127.0.0.2 is allowed, 127.0.0.3 gets 403 and never reaches the backend", async () => {
  expect(await get(ALLOWED, 'app.example.com')).toBe(200);
  const before = backend.requests.length;
  expect(await get(DENIED, 'app.example.com')).toBe(403);
  expect(backend.requests.length).toBe(before);
});

test('a forged X-Forwarded-For grants nothing: the client is the connection’s peer', async () => {
  for (const xff of [ALLOWED, `${ALLOWED}, ${ALLOWED}`, `10.0.0.1, ${ALLOWED}`]) {
    expect(await get(DENIED, 'app.example.com', { 'x-forwarded-for': xff })).toBe(403);
  }
  // And one that names a denied client does not take 127.0.0.2's access away.
  expect(await get(ALLOWED, 'app.example.com', { 'x-forwarded-for': DENIED })).toBe(200);
});

test("a route's policy overrides the Gateway's (no merging): 127.0.0.3 is allowed, 127.0.0.2 denied", async () => {
  expect(await get(DENIED, 'public.example.com')).toBe(200);
  expect(await get(ALLOWED, 'public.example.com')).toBe(403);
});

test('ordered rules: the first that matches decides; a header principal', async () => {
  expect(await get(ALLOWED, 'staff.example.com', { 'x-role': 'staff' })).toBe(200);
  expect(await get(ALLOWED, 'staff.example.com', { 'x-role': 'guest' })).toBe(403);
  expect(await get(ALLOWED, 'staff.example.com')).toBe(403);
  // 127.0.0.3 matches the Deny rule first, whatever its header says.
  expect(await get(DENIED, 'staff.example.com', { 'x-role': 'staff' })).toBe(403);
});

test('a policy that cannot be applied closes its route (500); the neighbours keep their own answers', async () => {
  expect(await get(ALLOWED, 'broken.example.com')).toBe(500);
  expect(await get(DENIED, 'broken.example.com')).toBe(500);
  expect(await get(ALLOWED, 'app.example.com')).toBe(200);
  expect(await get(DENIED, 'public.example.com')).toBe(200);
});
