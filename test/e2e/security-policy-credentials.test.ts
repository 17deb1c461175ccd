/**
 * SecurityPolicy `basicAuth` and `apiKeyAuth` through a real Envoy (file mode): the right
 * credentials reach the backend (200), wrong or missing ones get a 401 (with a Basic challenge)
 * and never reach it; an htpasswd entry Envoy cannot check (bcrypt, plain text) is named in the
 * policy's status and that user cannot log in while the {SHA} users can; an API key is read from a
 * header, a query parameter or a cookie; the username and client id are forwarded, the key removed
 * when asked; a policy whose Secret is missing closes its route (500); a neighbour route without a
 * policy is untouched; and neither the debug endpoint nor the status shows a hash or a key.
 */
import { createHash } from 'node:crypto';
import { startBackend, type Backend } from '../support/backends.js';
import { debugStatus } from '../support/debug-status.js';
import { freePort } from '../support/envoy-ads.js';
import { request, type HttpResult } from '../support/http-client.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

let e2e: PorticoE2E;
let port: number;
let backend: Backend;

const sha = (password: string): string => `{SHA}${createHash('sha1').update(password).digest('base64')}`;
const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

// carol's entry is in bcrypt's format (htpasswd -B); erin's is her password in plain text.
const HTPASSWD = [
  `alice:${sha('alice-pw')}`,
  `bob:${sha('bob-pw')}`,
  'carol:$2y$05$uXkC3fzLmBZkbkX9e1ZJ9uG6XnFQ3D2u9b1bY3h0qXyQ5QeJ0y0yW',
  'erin:erin-pw',
].join('\n');
const KEYS = { 'client-a': 'key-aaaa-1111', 'client-b': 'key-bbbb-2222' };

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const secret = (name: string, data: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'default' },
  type: 'Opaque',
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
});

const policy = (name: string, routeName: string, spec: Record<string, unknown>) => ({
  apiVersion: 'gateway.portico.dev/v1alpha1',
  kind: 'SecurityPolicy',
  metadata: { name, namespace: 'default', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: routeName }], ...spec },
});

const route = (name: string) =>
  httpRoute(name, {
    parentRefs: [{ name: 'gw' }],
    hostnames: [`${name}.example.com`],
    rules: [{ backendRefs: [{ name: 'echo', port: 80 }] }],
  });

function get(host: string, headers: Record<string, string> = {}, path = '/'): Promise<HttpResult> {
  return request(port, path, { host: `${host}.example.com`, headers });
}

/** The status code, and whether the request reached the backend. */
async function sent(host: string, headers: Record<string, string> = {}, path = '/') {
  const before = backend.requests.length;
  const res = await get(host, headers, path);
  return { status: res.status, reached: backend.requests.length > before, res };
}

beforeAll(async () => {
  backend = await startBackend('echo');
  port = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('secrets.yaml', [secret('htpasswd', { '.htpasswd': HTPASSWD }), secret('api-keys', KEYS)]);
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', [{ name: 'http', protocol: 'HTTP', port }]),
    ...serviceFor('echo', backend.port),
    route('open'),
    route('users'),
    route('users-fwd'),
    route('keyed'),
    route('keyed-fwd'),
    route('closed'),
    policy('basic', 'users', { basicAuth: { users: { name: 'htpasswd' } } }),
    policy('basic-fwd', 'users-fwd', {
      basicAuth: { users: { name: 'htpasswd' }, forwardUsernameHeader: 'X-User' },
    }),
    policy('keys', 'keyed', {
      apiKeyAuth: {
        credentialRefs: [{ name: 'api-keys' }],
        extractFrom: [{ headers: ['X-API-Key'] }, { params: ['api_key'] }, { cookies: ['session-key'] }],
      },
    }),
    policy('keys-fwd', 'keyed-fwd', {
      apiKeyAuth: {
        credentialRefs: [{ name: 'api-keys' }],
        extractFrom: [{ headers: ['x-api-key'] }],
        forwardClientIDHeader: 'X-Client-ID',
        sanitize: true,
      },
    }),
    policy('no-secret', 'closed', { basicAuth: { users: { name: 'nope' } } }),
  ]);
  await waitFor(async () => (await get('users')).status === 401, {
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

describe('basicAuth', () => {
  test('the right user and password reach the backend; {SHA} users can log in', async () => {
    expect(await sent('users', { authorization: basic('alice', 'alice-pw') })).toMatchObject({
      status: 200,
      reached: true,
    });
    expect(await sent('users', { authorization: basic('bob', 'bob-pw') })).toMatchObject({
      status: 200,
      reached: true,
    });
  });

  test('missing or wrong credentials: 401 with a Basic challenge, and the backend is not reached', async () => {
    const missing = await sent('users');
    expect(missing).toMatchObject({ status: 401, reached: false });
    expect(String(missing.res.headers['www-authenticate'])).toMatch(/^Basic/);
    for (const authorization of [
      basic('alice', 'wrong'),
      basic('alice', 'bob-pw'),
      basic('mallory', 'alice-pw'),
      'Bearer alice-pw',
      'Basic not-base64!',
    ]) {
      const res = await sent('users', { authorization });
      expect({ authorization, status: res.status, reached: res.reached }).toEqual({
        authorization,
        status: 401,
        reached: false,
      });
    }
  });

  test('entries Envoy cannot check are named in the status (line and user) and those users cannot log in', async () => {
    const resources = await debugStatus(e2e.debugPort());
    const status = resources.find((r) => r.kind === 'SecurityPolicy' && r.metadata.name === 'basic')!;
    const accepted = status.status!.ancestors![0]!.conditions!.find((c) => c.type === 'Accepted')!;
    expect(accepted.status).toBe('True');
    expect(accepted.message).toContain('line 3 (user "carol"): bcrypt ($2y$)');
    expect(accepted.message).toContain('line 4 (user "erin"): plain text or crypt()');
    expect(accepted.message).toContain('cannot log in');
    expect(accepted.message).not.toContain('erin-pw');
    expect(accepted.message).not.toContain('$2y$05$');
    expect(await sent('users', { authorization: basic('carol', 'carol-pw') })).toMatchObject({
      status: 401,
      reached: false,
    });
    expect(await sent('users', { authorization: basic('erin', 'erin-pw') })).toMatchObject({
      status: 401,
      reached: false,
    });
  });

  test('forwardUsernameHeader: the backend is told who logged in; the other route does not forward it', async () => {
    const fwd = await sent('users-fwd', { authorization: basic('bob', 'bob-pw') });
    expect(fwd.status).toBe(200);
    expect(backend.requests.at(-1)!.headers['x-user']).toBe('bob');
    expect((await sent('users-fwd')).status).toBe(401);
    await sent('users', { authorization: basic('bob', 'bob-pw') });
    expect(backend.requests.at(-1)!.headers['x-user']).toBeUndefined();
  });
});

describe('apiKeyAuth', () => {
  test('a key in a header, a query parameter or a cookie reaches the backend', async () => {
    expect(await sent('keyed', { 'x-api-key': KEYS['client-a'] })).toMatchObject({ status: 200, reached: true });
    expect(await sent('keyed', {}, `/?api_key=${KEYS['client-b']}`)).toMatchObject({ status: 200, reached: true });
    expect(await sent('keyed', { cookie: `theme=dark; session-key=${KEYS['client-a']}` })).toMatchObject({
      status: 200,
      reached: true,
    });
  });

  test('a missing or wrong key is a 401 and never reaches the backend', async () => {
    expect(await sent('keyed')).toMatchObject({ status: 401, reached: false });
    const wrong: Record<string, string>[] = [
      { 'x-api-key': 'key-aaaa-111' },
      { 'x-api-key': 'client-a' },
      { 'x-other': KEYS['client-a'] },
      { cookie: `other=${KEYS['client-a']}` },
    ];
    for (const headers of wrong) {
      const res = await sent('keyed', headers);
      expect({ headers, status: res.status, reached: res.reached }).toEqual({ headers, status: 401, reached: false });
    }
    expect(await sent('keyed', {}, '/?api_key=nope')).toMatchObject({ status: 401, reached: false });
  });

  test('forwardClientIDHeader and sanitize: the backend gets the client id, not the key', async () => {
    expect((await sent('keyed-fwd', { 'x-api-key': KEYS['client-b'] })).status).toBe(200);
    const seen = backend.requests.at(-1)!.headers;
    expect(seen['x-client-id']).toBe('client-b');
    expect(seen['x-api-key']).toBeUndefined();
    // Without sanitize, the key goes on.
    await sent('keyed', { 'x-api-key': KEYS['client-b'] });
    expect(backend.requests.at(-1)!.headers['x-api-key']).toBe(KEYS['client-b']);
  });
});

test('a policy whose Secret is missing closes its route (500); the open neighbour is untouched', async () => {
  expect(await sent('closed', { authorization: basic('alice', 'alice-pw') })).toMatchObject({
    status: 500,
    reached: false,
  });
  expect(await sent('open')).toMatchObject({ status: 200, reached: true });
  // Credentials meant for other routes change nothing there.
  expect((await sent('open', { authorization: basic('mallory', 'x'), 'x-api-key': 'nope' })).status).toBe(200);
});

test('the debug endpoint and the status show no hash and no key', async () => {
  const dump = await request(e2e.debugPort(), '/debug/config_dump?gateway=default/gw');
  expect(dump.status).toBe(200);
  expect(dump.body).toContain('envoy.filters.http.basic_auth');
  expect(dump.body).toContain('[redacted]');
  const status = await request(e2e.debugPort(), '/debug/status');
  for (const body of [dump.body, status.body]) {
    for (const secretText of [sha('alice-pw'), sha('bob-pw'), '$2y$05$', 'erin-pw', ...Object.values(KEYS)]) {
      expect(body).not.toContain(secretText);
    }
  }
});

test('a changed Secret is read again: a new user and a new key work, removed ones no longer do', async () => {
  e2e.write('secrets.yaml', [
    secret('htpasswd', { '.htpasswd': `alice:${sha('alice-pw')}\nzoe:${sha('zoe-pw')}\n` }),
    secret('api-keys', { 'client-a': KEYS['client-a'], 'client-c': 'key-cccc-3333' }),
  ]);
  await waitFor(async () => (await get('users', { authorization: basic('zoe', 'zoe-pw') })).status === 200, {
    timeoutMs: 30_000,
    what: 'the new htpasswd to reach Envoy',
  });
  await waitFor(async () => (await get('keyed', { 'x-api-key': 'key-cccc-3333' })).status === 200, {
    timeoutMs: 30_000,
    what: 'the new API key to reach Envoy',
  });
  expect((await sent('users', { authorization: basic('bob', 'bob-pw') })).status).toBe(401);
  expect((await sent('users', { authorization: basic('alice', 'alice-pw') })).status).toBe(200);
  expect((await sent('keyed', { 'x-api-key': KEYS['client-b'] })).status).toBe(401);
  expect(await e2e.rejectedUpdates()).toBe(0);
});
