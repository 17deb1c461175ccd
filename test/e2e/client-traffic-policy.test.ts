/**
 * ClientTrafficPolicy through a real Envoy (file mode), one Gateway listener per setting, each
 * with a policy targeting it (`sectionName`):
 * - `xff`: clientIPDetection.xForwardedFor.numTrustedHops 1: the client is the last
 *   X-Forwarded-For address; the backend sees it in x-envoy-external-address, and a SecurityPolicy's
 *   clientCIDRs allows or denies by it.
 * - `header`: clientIPDetection.customHeader x-client-ip, failClosed: the client is the header's
 *   address for clientCIDRs, and a request without it is refused (403) though its peer is allowed.
 * - `limit`: connection.connectionLimit 2: a third connection is closed while two are open.
 * - `timeouts`: requestReceivedTimeout 1s answers 408 to a request whose body never ends; idleTimeout
 *   1s closes a connection left without requests (Portico's default is an hour).
 * - `tls13`: tls.minVersion 1.3: a client that offers at most TLS 1.2 is refused in the handshake.
 * - `request-id`: headers.preserveXRequestID keeps the client's X-Request-ID (`plain` replaces it).
 * - `slashes`: path.escapedSlashesAction RejectRequest answers 400 to `%2F` (`plain` redirects).
 * Outcomes only: the timeouts are asserted by what Envoy answers, never by how long it took.
 */
import { readFileSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { startBackend, type Backend } from '../support/backends.js';
import { freePort } from '../support/envoy-ads.js';
import { gateway, gatewayClass, httpRoute, serviceFor, tlsSecret } from '../support/manifests.js';
import { request } from '../support/http-client.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/tls/', import.meta.url));
const CERT = readFileSync(`${FIXTURES}example.crt`, 'utf8');
const KEY = readFileSync(`${FIXTURES}example.key`, 'utf8');
const HOST = 'www.example.com';

let e2e: PorticoE2E;
let backend: Backend;
const ports: Record<string, number> = {};
const open: Socket[] = [];

const NAMES = ['xff', 'header', 'limit', 'timeouts', 'tls13', 'request-id', 'slashes', 'plain'] as const;

const clientTraffic = (name: string, section: string, spec: Record<string, unknown>) => ({
  apiVersion: 'gateway.portico.dev/v1alpha1',
  kind: 'ClientTrafficPolicy',
  metadata: { name, namespace: 'default', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: {
    targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw', sectionName: section }],
    ...spec,
  },
});

/** Opens a connection and sends `text`: the first line Envoy answered, or `closed`. The socket stays open. */
function rawRequest(port: number, text: string): Promise<{ socket: Socket; answer: string }> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1');
    open.push(socket);
    let data = '';
    let done = false;
    const finish = (answer: string) => {
      if (done) return;
      done = true;
      resolve({ socket, answer });
    };
    socket.setTimeout(15_000, () => reject(new Error('no answer and no close within 15 s')));
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString();
      if (data.includes('\r\n')) finish(data.slice(0, data.indexOf('\r\n')));
    });
    socket.on('close', () => finish('closed'));
    socket.on('error', () => finish('closed'));
    socket.on('connect', () => socket.write(text));
  });
}

const GET = (host = 'app.example.com') => `GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`;

/** The TLS version negotiated with the https listener, or `refused`. */
function handshake(options: { minVersion?: 'TLSv1.2' | 'TLSv1.3'; maxVersion?: 'TLSv1.2' | 'TLSv1.3' }) {
  return new Promise<string>((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port: ports.tls13!, servername: HOST, ca: CERT, ...options });
    socket.setTimeout(10_000, () => socket.destroy(new Error('timeout')));
    socket.on('secureConnect', () => {
      resolve(socket.getProtocol() ?? 'unknown');
      socket.end();
    });
    socket.on('error', () => resolve('refused'));
  });
}

beforeAll(async () => {
  backend = await startBackend('echo');
  for (const name of NAMES) ports[name] = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  const listeners = NAMES.map((name) =>
    name === 'tls13'
      ? {
          name,
          port: ports[name],
          protocol: 'HTTPS',
          hostname: HOST,
          tls: { certificateRefs: [{ name: 'example-cert' }] },
        }
      : { name, port: ports[name], protocol: 'HTTP' },
  );
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', listeners),
    tlsSecret('example-cert', CERT, KEY),
    ...serviceFor('echo', backend.port),
    httpRoute('app', { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'echo', port: 80 }] }] }),
    clientTraffic('xff', 'xff', { clientIPDetection: { xForwardedFor: { numTrustedHops: 1 } } }),
    {
      apiVersion: 'gateway.portico.dev/v1alpha1',
      kind: 'SecurityPolicy',
      metadata: { name: 'office', namespace: 'default', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw', sectionName: 'xff' }],
        authorization: {
          defaultAction: 'Deny',
          rules: [{ action: 'Allow', principal: { clientCIDRs: ['203.0.113.0/24'] } }],
        },
      },
    },
    clientTraffic('header', 'header', {
      clientIPDetection: { customHeader: { name: 'x-client-ip', failClosed: true } },
    }),
    {
      apiVersion: 'gateway.portico.dev/v1alpha1',
      kind: 'SecurityPolicy',
      metadata: { name: 'by-header', namespace: 'default', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw', sectionName: 'header' }],
        authorization: {
          defaultAction: 'Deny',
          rules: [{ action: 'Allow', principal: { clientCIDRs: ['203.0.113.0/24', '127.0.0.1/32'] } }],
        },
      },
    },
    clientTraffic('limit', 'limit', { connection: { connectionLimit: { value: 2 } } }),
    clientTraffic('timeouts', 'timeouts', { timeout: { http: { requestReceivedTimeout: '1s', idleTimeout: '1s' } } }),
    clientTraffic('tls13', 'tls13', { tls: { minVersion: '1.3' } }),
    clientTraffic('request-id', 'request-id', { headers: { preserveXRequestID: true } }),
    clientTraffic('slashes', 'slashes', { path: { escapedSlashesAction: 'RejectRequest' } }),
  ]);
  await waitFor(
    async () => (await request(ports.plain!, '/', { host: 'app.example.com' }).catch(() => undefined))?.status === 200,
    {
      timeoutMs: 30_000,
      what: 'Envoy to serve the listeners',
    },
  );
  await waitFor(async () => (await handshake({})) !== 'refused', { timeoutMs: 30_000, what: 'the TLS listener' });
}, 60_000);

afterAll(async () => {
  for (const s of open) s.destroy();
  await e2e?.stop();
  await backend?.close();
});

test('Envoy accepted everything (no update rejected)', async () => {
  expect(await e2e.rejectedUpdates()).toBe(0);
});

test('numTrustedHops 1: the client is the last X-Forwarded-For address, for the backend and for clientCIDRs', async () => {
  const allowed = await request(ports.xff!, '/', {
    host: 'app.example.com',
    headers: { 'x-forwarded-for': '198.51.100.7, 203.0.113.9' },
  });
  expect(allowed.status).toBe(200);
  expect(JSON.parse(allowed.body).headers['x-envoy-external-address']).toBe('203.0.113.9');
  // The same addresses the other way round: the client is 198.51.100.7, outside the allowed range.
  const denied = await request(ports.xff!, '/', {
    host: 'app.example.com',
    headers: { 'x-forwarded-for': '203.0.113.9, 198.51.100.7' },
  });
  expect(denied.status).toBe(403);
  // Without the header the client is the peer (127.0.0.1): denied too.
  expect((await request(ports.xff!, '/', { host: 'app.example.com' })).status).toBe(403);
});

test('customHeader: the client is the header’s address for clientCIDRs; failClosed refuses a request without it', async () => {
  const get = (headers: Record<string, string>) =>
    request(ports.header!, '/', { host: 'app.example.com', headers }).then((r) => r.status);
  expect(await get({ 'x-client-ip': '203.0.113.5' })).toBe(200);
  expect(await get({ 'x-client-ip': '198.51.100.1' })).toBe(403);
  // The peer (127.0.0.1) is allowed too, so this 403 is the missing header's (fail closed), not the rule's.
  const before = backend.requests.length;
  expect(await get({})).toBe(403);
  expect(backend.requests.length).toBe(before);
});

test('connectionLimit 2: a third connection is closed while two are open', async () => {
  const first = await rawRequest(ports.limit!, GET());
  const second = await rawRequest(ports.limit!, GET());
  expect(first.answer).toBe('HTTP/1.1 200 OK');
  expect(second.answer).toBe('HTTP/1.1 200 OK');
  expect((await rawRequest(ports.limit!, GET())).answer).toBe('closed');
  // Another listener has no such limit.
  expect((await rawRequest(ports.plain!, GET())).answer).toBe('HTTP/1.1 200 OK');
  first.socket.destroy();
  second.socket.destroy();
  await waitFor(async () => (await rawRequest(ports.limit!, GET())).answer === 'HTTP/1.1 200 OK', {
    timeoutMs: 10_000,
    what: 'the limited listener to take a connection again',
  });
});

test('requestReceivedTimeout: a request whose body never ends is answered 408', async () => {
  const unfinished = 'POST / HTTP/1.1\r\nHost: app.example.com\r\nContent-Length: 100\r\n\r\nonly-some';
  expect((await rawRequest(ports.timeouts!, unfinished)).answer).toBe('HTTP/1.1 408 Request Timeout');
});

test('idleTimeout: a connection left without requests is closed by Envoy', async () => {
  const { socket, answer } = await rawRequest(ports.timeouts!, GET());
  expect(answer).toBe('HTTP/1.1 200 OK');
  await new Promise<void>((resolve, reject) => {
    if (socket.destroyed) return resolve();
    const timer = setTimeout(() => reject(new Error('connection still open after 15 s')), 15_000);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
});

test('tls.minVersion 1.3: TLS 1.2 at most is refused, TLS 1.3 is taken', async () => {
  expect(await handshake({ maxVersion: 'TLSv1.2' })).toBe('refused');
  expect(await handshake({ minVersion: 'TLSv1.3' })).toBe('TLSv1.3');
});

test("preserveXRequestID keeps the client's X-Request-ID; without it Envoy replaces it", async () => {
  const kept = await request(ports['request-id']!, '/', {
    host: 'app.example.com',
    headers: { 'x-request-id': 'mine-123' },
  });
  expect(JSON.parse(kept.body).headers['x-request-id']).toBe('mine-123');
  const replaced = await request(ports.plain!, '/', {
    host: 'app.example.com',
    headers: { 'x-request-id': 'mine-123' },
  });
  expect(JSON.parse(replaced.body).headers['x-request-id']).not.toBe('mine-123');
});

test('escapedSlashesAction RejectRequest answers 400 to %2F; the default redirects to the unescaped path', async () => {
  const before = backend.requests.length;
  expect((await request(ports.slashes!, '/a%2Fb', { host: 'app.example.com' })).status).toBe(400);
  expect(backend.requests.length).toBe(before);
  const redirected = await request(ports.plain!, '/a%2Fb', { host: 'app.example.com' });
  expect(redirected.status).toBeGreaterThanOrEqual(300);
  expect(redirected.status).toBeLessThan(400);
  expect(redirected.headers.location).toContain('/a/b');
});
