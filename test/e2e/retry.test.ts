/**
 * HTTPRoute `retry` as Gateway API v1.7.0 defines it (HTTPRouteRetry; conformance tests
 * HTTPRouteRetry, HTTPRouteRetryConnectionError, HTTPRouteRetryWithRequestTimeout and
 * HTTPRouteRetryWithBackendTimeout), through a real Envoy:
 * - `codes`: an answer with one of them is retried up to `attempts` times, any other is returned;
 * - `attempts: 0` disables retries; `attempts` defaults to 1;
 * - a connection that cannot be established is retried (on another endpoint), with or without codes;
 * - a request the backend may have processed is not retried: a connection reset after the request
 *   was sent, a `backendRequest` timeout ("A request is retried when attempts is greater than 0 and
 *   the backend did not process it"), nor a 5xx that `codes` does not list;
 * - `timeouts.request` bounds all the attempts; `timeouts.backendRequest` each.
 * The backend counts the attempts it receives per request id, as the conformance echo server does.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { freePort } from '../support/envoy-ads.js';
import { request } from '../support/http-client.js';
import { gateway, gatewayClass, httpRoute } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

const HOST = 'retry.example.com';
const ALL_CODES = [500, 502, 503, 504];

/**
 * A flaky backend: the first `succeedAfter` attempts of a request id fail (with `responseCode`, or
 * by resetting the connection after reading the request), after `delayRetry` ms; then it answers
 * 200 after `delay` ms.
 */
class FlakyBackend {
  private constructor(
    private readonly server: Server,
    readonly port: number,
    /** Attempts received, per request id. */
    readonly attempts: ReadonlyMap<string, number>,
  ) {}

  static async start(): Promise<FlakyBackend> {
    const attempts = new Map<string, number>();
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://backend');
      const id = url.searchParams.get('uuid') ?? '';
      const seen = attempts.get(id) ?? 0;
      attempts.set(id, seen + 1);
      const number = (name: string) => Number(url.searchParams.get(name) ?? 0);
      req.resume();
      if (seen < number('succeedAfter')) {
        setTimeout(() => {
          const code = number('responseCode');
          if (code > 0) res.writeHead(code).end('failing on purpose\n');
          else (req.socket as Socket).resetAndDestroy();
        }, number('delayRetry'));
        return;
      }
      setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n'), number('delay'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new FlakyBackend(server, (server.address() as AddressInfo).port, attempts);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let e2e: PorticoE2E;
let port: number;
let flaky: FlakyBackend;

/** One request with a fresh id; the status and the number of attempts the backend saw. */
async function attempt(path: string, params: Record<string, string | number> = {}) {
  const id = randomUUID();
  const query = new URLSearchParams({
    uuid: id,
    ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])),
  });
  const res = await request(port, `${path}?${query}`, { host: HOST, timeoutMs: 20_000 });
  return { status: res.status, attempts: flaky.attempts.get(id) ?? 0 };
}

function endpointSlice(service: string, name: string, backendPort: number) {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: backendPort, protocol: 'TCP' }],
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
  };
}

function service(name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { ports: [{ name: 'http', port: 80 }] },
  };
}

function rule(path: string, extra: Record<string, unknown>, backend = 'flaky') {
  return {
    matches: [{ path: { type: 'PathPrefix', value: path } }],
    backendRefs: [{ name: backend, port: 80 }],
    ...extra,
  };
}

beforeAll(async () => {
  flaky = await FlakyBackend.start();
  const deadPort = await freePort(); // nothing listens there: connections are refused
  port = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', [{ name: 'http', protocol: 'HTTP', port }]),
    service('flaky'),
    endpointSlice('flaky', 'flaky-1', flaky.port),
    // Two endpoints, one of them refusing connections.
    service('half-dead'),
    endpointSlice('half-dead', 'half-dead-alive', flaky.port),
    endpointSlice('half-dead', 'half-dead-dead', deadPort),
    httpRoute('retries', {
      parentRefs: [{ name: 'gw' }],
      hostnames: [HOST],
      rules: [
        rule('/retry/code-500-attempts-3', { retry: { codes: [500], attempts: 3 } }),
        rule('/retry/code-all-attempts-2', { retry: { codes: ALL_CODES, attempts: 2 } }),
        rule('/retry/code-all-attempts-0', { retry: { codes: ALL_CODES, attempts: 0 } }),
        // No codes, attempts defaulted (to 1, by the CRD's default).
        rule('/retry/no-codes', { retry: {} }),
        rule('/retry/request-timeout-500ms', { retry: { codes: [500], attempts: 5 }, timeouts: { request: '500ms' } }),
        rule('/retry/backend-timeout-500ms', {
          retry: { codes: [500], attempts: 3 },
          timeouts: { backendRequest: '500ms', request: '15s' },
        }),
        rule('/conn/retry', { retry: { attempts: 100 } }, 'half-dead'),
        rule('/conn/no-retry', { retry: { attempts: 0 } }, 'half-dead'),
      ],
    }),
  ]);
  await waitFor(async () => (await attempt('/retry/no-codes')).status === 200, {
    timeoutMs: 30_000,
    what: 'the route',
  });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  await flaky?.close();
});

describe('codes and attempts', () => {
  test.each([
    ['succeeds after 2 retries on 500 (codes [500], attempts 3)', '/retry/code-500-attempts-3', 500, 2, 200, 3],
    ['gives up after 3 retries (codes [500], attempts 3)', '/retry/code-500-attempts-3', 500, 4, 500, 4],
    ['does not retry 503 when only 500 is listed', '/retry/code-500-attempts-3', 503, 2, 503, 1],
    ['succeeds after 1 retry on 502 (codes 500-504, attempts 2)', '/retry/code-all-attempts-2', 502, 1, 200, 2],
    ['gives up on 504 after 2 retries (codes 500-504, attempts 2)', '/retry/code-all-attempts-2', 504, 3, 504, 3],
    ['does not retry at all with attempts 0', '/retry/code-all-attempts-0', 500, 1, 500, 1],
    ['does not retry a status when codes is empty', '/retry/no-codes', 500, 1, 500, 1],
  ])('%s', async (_, path, responseCode, succeedAfter, status, attempts) => {
    expect(await attempt(path, { responseCode, succeedAfter })).toEqual({ status, attempts });
  });

  test('does not retry a request whose connection was reset after it was sent (the backend may have processed it)', async () => {
    const result = await attempt('/retry/code-all-attempts-2', { succeedAfter: 1 });
    expect(result.attempts).toBe(1);
    expect(result.status).toBeGreaterThanOrEqual(500);
  });
});

describe('connection errors', () => {
  test('a refused connection is retried on the other endpoint: every request succeeds', async () => {
    for (let i = 0; i < 20; i++) expect((await attempt('/conn/retry')).status).toBe(200);
  });

  test('with attempts 0 a refused connection is not retried', async () => {
    const statuses = new Set<number>();
    for (let i = 0; i < 20; i++) statuses.add((await attempt('/conn/no-retry')).status);
    expect(statuses).toEqual(new Set([200, 503]));
  });
});

describe('retries with timeouts', () => {
  test('retries complete within the request timeout: 200', async () => {
    expect(await attempt('/retry/request-timeout-500ms', { responseCode: 500, succeedAfter: 1 })).toEqual({
      status: 200,
      attempts: 2,
    });
  });

  test('the request timeout bounds all the attempts: 504', async () => {
    const result = await attempt('/retry/request-timeout-500ms', {
      responseCode: 500,
      succeedAfter: 2,
      delayRetry: 300,
    });
    expect(result.status).toBe(504);
  });

  test('each attempt within the backendRequest timeout: retried until it succeeds', async () => {
    expect(
      await attempt('/retry/backend-timeout-500ms', {
        responseCode: 500,
        succeedAfter: 2,
        delayRetry: 100,
        delay: 100,
      }),
    ).toEqual({ status: 200, attempts: 3 });
  });

  test('an attempt that reaches the backendRequest timeout ends the request with 504, not retried', async () => {
    expect(
      await attempt('/retry/backend-timeout-500ms', { responseCode: 500, succeedAfter: 1, delayRetry: 1000 }),
    ).toEqual({ status: 504, attempts: 1 });
  });
});
