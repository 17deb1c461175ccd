/**
 * BackendTrafficPolicy route settings through a real Envoy (file mode): compression (gzip, brotli,
 * zstd; only as the client accepts; never on a route without the policy), the request body limit
 * (413 beyond it, the whole body to the backend under it), response overrides (a backend's 500
 * becomes the policy's body, content type and status; a body from a ConfigMap), and fault
 * injection (an abort answers every request; a delayed request still succeeds).
 */
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { freePort } from '../support/envoy-ads.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

let e2e: PorticoE2E;
let port: number;
let backend: Server;
/** The body sizes the backend received, in order. */
const received: number[] = [];

/** Compressible text, longer than any minimum length below. */
const LARGE = 'portico compresses this line when the client asks for it.\n'.repeat(40);

/**
 * The backend: `/large` answers LARGE as text/plain, `/status/<n>` answers status n with a short
 * body, anything else reports the size of the request body it read in full.
 */
function startBackend(): Promise<number> {
  // With a Content-Length (Envoy compresses a response of unknown length whatever its minimum).
  const reply = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  backend = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const bytes = Buffer.concat(chunks).length;
      received.push(bytes);
      const status = /^\/status\/(\d{3})$/.exec(req.url ?? '');
      if (req.url === '/large') reply(res, 200, 'text/plain', LARGE);
      else if (status) reply(res, Number(status[1]), 'text/plain', `backend said ${status[1]}\n`);
      else {
        const body = JSON.stringify({ bytes, acceptEncoding: req.headers['accept-encoding'] ?? null });
        reply(res, 200, 'application/json', body);
      }
    });
  });
  return new Promise((resolve) =>
    backend.listen(0, '127.0.0.1', () => resolve((backend.address() as AddressInfo).port)),
  );
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function send(host: string, path: string, options: { headers?: Record<string, string>; body?: Buffer } = {}) {
  return new Promise<Reply>((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.body ? 'POST' : 'GET',
        agent: false,
        headers: { host, ...options.headers },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request to ${host}${path} timed out`)));
    // Envoy may answer 413 and close before the whole body is sent.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' ? undefined : reject(err)));
    if (options.body) req.write(options.body);
    req.end();
  });
}

const policy = (name: string, route: string, spec: Record<string, unknown>) => ({
  apiVersion: 'gateway.portico.dev/v1alpha1',
  kind: 'BackendTrafficPolicy',
  metadata: { name, namespace: 'default', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: route }], ...spec },
});

const route = (name: string) =>
  httpRoute(name, {
    parentRefs: [{ name: 'gw' }],
    hostnames: [`${name}.example.com`],
    rules: [{ backendRefs: [{ name: 'backend', port: 80 }] }],
  });

const notFoundPage = (body: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'not-found-page', namespace: 'default' },
  data: { 'response.body': body },
});

const ROUTES = ['compressed', 'zstd', 'plain', 'buffered', 'override', 'abort', 'delay'];

beforeAll(async () => {
  const backendPort = await startBackend();
  port = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('config-map.yaml', [notFoundPage('<h1>nothing here</h1>')]);
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', [{ name: 'http', protocol: 'HTTP', port }]),
    ...serviceFor('backend', backendPort),
    ...ROUTES.map(route),
    policy('compress', 'compressed', { compressor: [{ type: 'Gzip' }, { type: 'Brotli', minContentLength: '1Ki' }] }),
    policy('compress-zstd', 'zstd', { compression: [{ type: 'Zstd' }] }),
    policy('limit-body', 'buffered', { requestBuffer: { limit: '1Ki' } }),
    policy('friendly-errors', 'override', {
      responseOverride: [
        {
          match: { statusCodes: [{ type: 'Value', value: 500 }] },
          response: {
            contentType: 'application/json',
            body: { type: 'Inline', inline: '{"error":"try later"}' },
            statusCode: 503,
          },
        },
        {
          match: { statusCodes: [{ type: 'Range', range: { start: 401, end: 404 } }] },
          response: {
            contentType: 'text/html',
            body: { type: 'ValueRef', valueRef: { group: '', kind: 'ConfigMap', name: 'not-found-page' } },
          },
        },
      ],
    }),
    policy('always-abort', 'abort', { faultInjection: { abort: { httpStatus: 418 } } }),
    policy('always-delay', 'delay', { faultInjection: { delay: { fixedDelay: '300ms' } } }),
  ]);
  await waitFor(async () => (await send('delay.example.com', '/')).status === 200, {
    timeoutMs: 30_000,
    what: 'Envoy to serve the routes under policies',
  });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  backend?.closeAllConnections();
  await new Promise((resolve) => backend?.close(resolve));
});

test('Envoy accepted everything (no update rejected)', async () => {
  expect(await e2e.rejectedUpdates()).toBe(0);
});

describe('compression', () => {
  test('gzip: the response is gzip-encoded and decompresses to the backend’s body', async () => {
    const res = await send('compressed.example.com', '/large', { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(res.body).toString('utf8')).toBe(LARGE);
    expect(res.body.length).toBeLessThan(LARGE.length);
  });

  test('brotli: the response is br-encoded and decompresses to the backend’s body', async () => {
    const res = await send('compressed.example.com', '/large', { headers: { 'accept-encoding': 'br' } });
    expect(res.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(res.body).toString('utf8')).toBe(LARGE);
  });

  test('zstd (the deprecated `compression` field): the response is a zstd frame', async () => {
    const res = await send('zstd.example.com', '/large', { headers: { 'accept-encoding': 'zstd' } });
    expect(res.headers['content-encoding']).toBe('zstd');
    // Node 20 has no zstd decoder: the frame's magic number 0xFD2FB528 (little-endian).
    expect(res.body.readUInt32LE(0)).toBe(0xfd2fb528);
  });

  test('without Accept-Encoding, or with one the policy lacks, the response is plain', async () => {
    for (const headers of [{}, { 'accept-encoding': 'zstd' }, { 'accept-encoding': 'identity' }] as Record<
      string,
      string
    >[]) {
      const res = await send('compressed.example.com', '/large', { headers });
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(res.body.toString('utf8')).toBe(LARGE);
    }
  });

  test('below the minimum length nothing is compressed (brotli’s 1Ki; the backend’s JSON is shorter)', async () => {
    const res = await send('compressed.example.com', '/small', { headers: { 'accept-encoding': 'br' } });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(res.body.toString('utf8'))).toMatchObject({ bytes: 0 });
  });

  test('the backend is asked for an uncompressed response (Accept-Encoding removed)', async () => {
    const res = await send('compressed.example.com', '/small', { headers: { 'accept-encoding': 'gzip' } });
    // The backend's JSON is over gzip's default minimum (30 bytes): Envoy compressed it.
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(res.body).toString('utf8'))).toMatchObject({ acceptEncoding: null });
  });

  test('a route without the policy is never compressed, whatever the client accepts', async () => {
    for (const accept of ['gzip', 'br', 'zstd', 'gzip, br, zstd']) {
      const res = await send('plain.example.com', '/large', { headers: { 'accept-encoding': accept } });
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(res.body.toString('utf8')).toBe(LARGE);
    }
  });
});

describe('requestBuffer', () => {
  test('a body over the limit (1Ki) gets 413 and never reaches the backend', async () => {
    const before = received.length;
    const res = await send('buffered.example.com', '/upload', { body: Buffer.alloc(4096, 'x') });
    expect(res.status).toBe(413);
    expect(received.length).toBe(before);
  });

  test('a body under the limit reaches the backend whole', async () => {
    const res = await send('buffered.example.com', '/upload', { body: Buffer.alloc(1000, 'y') });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString('utf8'))).toMatchObject({ bytes: 1000 });
  });

  test('a route without the policy takes a larger body', async () => {
    const res = await send('plain.example.com', '/upload', { body: Buffer.alloc(4096, 'z') });
    expect(JSON.parse(res.body.toString('utf8'))).toMatchObject({ bytes: 4096 });
  });
});

describe('responseOverride', () => {
  test('a backend 500 becomes the policy’s body, content type and status (503)', async () => {
    const res = await send('override.example.com', '/status/500');
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.body.toString('utf8')).toBe('{"error":"try later"}');
  });

  test('a range rule with a ConfigMap body keeps the status when it sets none', async () => {
    const res = await send('override.example.com', '/status/404');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('text/html');
    expect(res.body.toString('utf8')).toBe('<h1>nothing here</h1>');
  });

  test('the ConfigMap is followed: a new body is served; without the ConfigMap the policy is not applied', async () => {
    e2e.write('config-map.yaml', [notFoundPage('<h1>moved</h1>')]);
    await waitFor(
      async () => (await send('override.example.com', '/status/404')).body.toString('utf8') === '<h1>moved</h1>',
      {
        timeoutMs: 15_000,
        what: 'the new ConfigMap body',
      },
    );
    e2e.remove('config-map.yaml');
    // Invalid: the route is served as without the policy (the backend's own 404 and 500).
    await waitFor(
      async () => (await send('override.example.com', '/status/404')).body.toString('utf8') === 'backend said 404\n',
      {
        timeoutMs: 15_000,
        what: 'the policy to be dropped',
      },
    );
    expect((await send('override.example.com', '/status/500')).status).toBe(500);
    e2e.write('config-map.yaml', [notFoundPage('<h1>nothing here</h1>')]);
    await waitFor(async () => (await send('override.example.com', '/status/500')).status === 503, {
      timeoutMs: 15_000,
      what: 'the policy to be applied again',
    });
  });

  test('a status no rule matches, and a route without the policy, pass through', async () => {
    const other = await send('override.example.com', '/status/502');
    expect(other.status).toBe(502);
    expect(other.body.toString('utf8')).toBe('backend said 502\n');
    const plain = await send('plain.example.com', '/status/500');
    expect(plain.status).toBe(500);
    expect(plain.body.toString('utf8')).toBe('backend said 500\n');
  });
});

describe('faultInjection', () => {
  test('abort to 100%: every request gets the status, none reaches the backend', async () => {
    const before = received.length;
    for (let i = 0; i < 5; i++) expect((await send('abort.example.com', '/')).status).toBe(418);
    expect(received.length).toBe(before);
  });

  test('delay to 100%: the request still succeeds, after at least the delay', async () => {
    const started = performance.now();
    const res = await send('delay.example.com', '/');
    expect(res.status).toBe(200);
    // Envoy's timer and this clock may round differently by a millisecond or so: no upper bound.
    expect(performance.now() - started).toBeGreaterThanOrEqual(295);
  });
});
