/**
 * The CORS filter (HTTPRouteCORS) through a real Envoy, with the routes of the upstream conformance
 * test (httproute-cors.yaml): preflights are answered at the gateway — allowed or not — and never
 * reach the backend; simple requests reach it and get the CORS response headers when their Origin
 * is allowed.
 */
import { startBackend, type Backend } from '../support/backends.js';
import { request, type RequestOptions } from '../support/http-client.js';
import { freePort } from '../support/envoy-ads.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

let e2e: PorticoE2E;
let port: number;
let backend: Backend;

function corsRule(prefix: string, cors: Record<string, unknown>) {
  return {
    matches: [{ path: { type: 'PathPrefix', value: prefix } }],
    filters: [{ type: 'CORS', cors }],
    backendRefs: [{ name: 'echo', port: 80 }],
  };
}

const send = (path: string, options: RequestOptions) => request(port, path, { host: 'cors.example.com', ...options });

/** A preflight: OPTIONS with Origin and Access-Control-Request-Method (and optionally -Headers). */
const preflight = (path: string, origin: string, method: string, headers?: string) =>
  send(path, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      ...(headers ? { 'access-control-request-headers': headers } : {}),
    },
  });

/** A header's value with the whitespace after commas removed (both spellings are valid). */
const compact = (value: unknown) => (value === undefined ? undefined : String(value).replace(/ /g, ''));

/** Runs `send` and says whether the backend saw the request. */
async function reachedBackend(action: () => Promise<unknown>): Promise<boolean> {
  const before = backend.requests.length;
  await action();
  return backend.requests.length > before;
}

beforeAll(async () => {
  backend = await startBackend('echo');
  port = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', [{ name: 'http', protocol: 'HTTP', port }]),
    ...serviceFor('echo', backend.port),
    httpRoute('cors-multiple-origins-methods-headers', {
      parentRefs: [{ name: 'gw' }],
      rules: [
        corsRule('/cors-1', {
          allowOrigins: ['https://www.foo.com', 'https://*.bar.com'],
          allowMethods: ['GET', 'OPTIONS'],
          allowHeaders: ['x-header-1', 'x-header-2'],
          exposeHeaders: ['x-header-3', 'x-header-4'],
          allowCredentials: true,
          maxAge: 3600,
        }),
      ],
    }),
    httpRoute('cors-wildcard-methods', {
      parentRefs: [{ name: 'gw' }],
      rules: [corsRule('/cors-2', { allowOrigins: ['https://www.foo.com'], allowMethods: ['*'] })],
    }),
    httpRoute('cors-wildcard-origin', {
      parentRefs: [{ name: 'gw' }],
      rules: [
        corsRule('/cors-wildcard-origin', { allowOrigins: ['*'], allowMethods: ['PUT'], allowCredentials: false }),
      ],
    }),
    httpRoute('cors-wildcard-methods-headers', {
      parentRefs: [{ name: 'gw' }],
      rules: [
        corsRule('/cors-wildcard-methods-headers', {
          allowOrigins: ['*'],
          allowMethods: ['*'],
          allowHeaders: ['*'],
          allowCredentials: true,
        }),
        corsRule('/cors-wildcard-methods-headers-unauth', {
          allowOrigins: ['*'],
          allowMethods: ['*'],
          allowHeaders: ['*'],
          allowCredentials: false,
        }),
      ],
    }),
  ]);
  await waitFor(async () => (await send('/cors-wildcard-methods-headers-unauth', {})).status === 200, {
    timeoutMs: 30_000,
    what: 'Envoy to serve the CORS routes',
  });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  await backend?.close();
});

test('Envoy accepted everything (no update rejected)', async () => {
  expect(await e2e.rejectedUpdates()).toBe(0);
});

describe('preflight from an allowed origin', () => {
  test.each(['https://www.foo.com', 'https://www.bar.com', 'https://xpto.www.bar.com'])(
    '%s gets every configured CORS header, answered at the gateway',
    async (origin) => {
      let res!: Awaited<ReturnType<typeof preflight>>;
      expect(
        await reachedBackend(async () => (res = await preflight('/cors-1', origin, 'GET', 'x-header-1, x-header-2'))),
      ).toBe(false);
      expect([200, 204]).toContain(res.status);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expect(['GET,OPTIONS', 'OPTIONS,GET']).toContain(compact(res.headers['access-control-allow-methods']));
      expect(['x-header-1,x-header-2', 'x-header-2,x-header-1']).toContain(
        compact(res.headers['access-control-allow-headers']),
      );
      expect(['x-header-3,x-header-4', 'x-header-4,x-header-3']).toContain(
        compact(res.headers['access-control-expose-headers']),
      );
      expect(res.headers['access-control-max-age']).toBe('3600');
      expect(res.headers['access-control-allow-credentials']).toBe('true');
    },
  );
});

test('a preflight from an origin that is not allowed is answered at the gateway, without CORS headers', async () => {
  let res!: Awaited<ReturnType<typeof preflight>>;
  expect(await reachedBackend(async () => (res = await preflight('/cors-1', 'https://foobar.com', 'GET')))).toBe(false);
  expect([200, 204, 403]).toContain(res.status);
  expect(res.headers['access-control-allow-origin']).toBeUndefined();
  expect(res.body).toBe('');
});

describe('simple requests', () => {
  test.each(['https://www.foo.com', 'https://www.bar.com'])('from the allowed origin %s', async (origin) => {
    const res = await send('/cors-1', { headers: { origin } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).path).toBe('/cors-1');
    expect(res.headers['access-control-allow-origin']).toBe(origin);
  });
  test('from an origin that is not allowed reach the backend without CORS headers', async () => {
    const res = await send('/cors-1', { headers: { origin: 'https://foobar.com' } });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

test('allowMethods * allows the requested method, and no credentials header without allowCredentials', async () => {
  const res = await preflight('/cors-2', 'https://www.foo.com', 'POST');
  expect([200, 204]).toContain(res.status);
  expect(['POST', '*']).toContain(res.headers['access-control-allow-methods']);
  expect(res.headers['access-control-allow-origin']).toBe('https://www.foo.com');
  expect(res.headers['access-control-allow-credentials']).toBeUndefined();
});

describe('allowOrigins *', () => {
  test.each(['https://foobar.com', 'https://foobar.com:12345'])('a preflight from %s is allowed', async (origin) => {
    const res = await preflight('/cors-wildcard-origin', origin, 'PUT');
    expect([200, 204]).toContain(res.status);
    expect([origin, '*']).toContain(res.headers['access-control-allow-origin']);
    expect(res.headers['access-control-allow-methods']).toBe('PUT');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });
  test.each(['https://foobar.com', 'https://foobar.com:12345'])('a request from %s is allowed', async (origin) => {
    const res = await send('/cors-wildcard-origin', { method: 'PUT', headers: { origin } });
    expect(res.status).toBe(200);
    expect([origin, '*']).toContain(res.headers['access-control-allow-origin']);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });
});

describe('wildcards with credentials', () => {
  // With credentials a browser reads `*` literally (Fetch standard, CORS protocol): the gateway
  // must name the origin, method and headers the preflight asked for.
  test('allowCredentials true echoes the requested origin, method and headers', async () => {
    const res = await preflight(
      '/cors-wildcard-methods-headers',
      'https://other.foo.com',
      'PUT',
      'x-header-1, x-header-2',
    );
    expect([200, 204]).toContain(res.status);
    expect(res.headers['access-control-allow-origin']).toBe('https://other.foo.com');
    expect(res.headers['access-control-allow-methods']).toBe('PUT');
    expect(['x-header-1,x-header-2', 'x-header-2,x-header-1']).toContain(
      compact(res.headers['access-control-allow-headers']),
    );
    expect(res.headers['access-control-allow-credentials']).toBe('true');
  });
  test('allowCredentials false gives no credentials header', async () => {
    const res = await preflight(
      '/cors-wildcard-methods-headers-unauth',
      'https://other.foo.com',
      'PUT',
      'x-header-1, x-header-2',
    );
    expect([200, 204]).toContain(res.status);
    expect(['https://other.foo.com', '*']).toContain(res.headers['access-control-allow-origin']);
    expect(['PUT', '*']).toContain(res.headers['access-control-allow-methods']);
    expect(['x-header-1,x-header-2', 'x-header-2,x-header-1', '*']).toContain(
      compact(res.headers['access-control-allow-headers']),
    );
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });
  test('a request with credentials allowed gets the credentials header', async () => {
    const res = await send('/cors-wildcard-methods-headers', { headers: { origin: 'https://other.foo.com' } });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://other.foo.com');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
  });
  test('a request without credentials allowed gets no credentials header', async () => {
    const res = await send('/cors-wildcard-methods-headers-unauth', { headers: { origin: 'https://other.foo.com' } });
    expect(res.status).toBe(200);
    expect(['https://other.foo.com', '*']).toContain(res.headers['access-control-allow-origin']);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });
});
