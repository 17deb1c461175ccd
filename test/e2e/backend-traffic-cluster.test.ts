/**
 * BackendTrafficPolicy cluster settings through a real Envoy: circuit breaking against a slow
 * backend (concurrent requests beyond the limit get 503 with x-envoy-overloaded), active health
 * checks that take an endpoint whose /healthz fails out and bring it back, outlier detection that
 * ejects an endpoint answering 5xx, and consistent hashing that keeps a client (same header, same
 * cookie) on one endpoint while different clients spread over both. No timing assertions: every
 * effect is polled for with a generous deadline.
 */
import { Agent, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startBackend, type Backend, type EchoReply } from '../support/backends.js';
import { freePort } from '../support/envoy-ads.js';
import { request } from '../support/http-client.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

let e2e: PorticoE2E;
let port: number;
const backends: Backend[] = [];
const checked: HealthBackend[] = [];

/** A backend whose /healthz answers 200 or 500 as told; anything else: its name. */
interface HealthBackend {
  name: string;
  port: number;
  healthy: boolean;
  server: Server;
}

async function startHealthBackend(name: string): Promise<HealthBackend> {
  const b: HealthBackend = { name, port: 0, healthy: true, server: undefined as unknown as Server };
  b.server = createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(b.healthy ? 200 : 500).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ backend: name }));
  });
  await new Promise<void>((resolve) => b.server.listen(0, '127.0.0.1', resolve));
  b.port = (b.server.address() as AddressInfo).port;
  return b;
}

/** A Service `name` whose endpoints are the given ports on 127.0.0.1 (one EndpointSlice each). */
function serviceOver(name: string, ports: number[]) {
  const [service, slice] = serviceFor(name, ports[0]!);
  return [
    service,
    ...ports.map((p, i) => ({
      ...(slice as Record<string, unknown>),
      metadata: { name: `${name}-${i}`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
      ports: [{ name: 'http', port: p, protocol: 'TCP' }],
    })),
  ];
}

function policy(name: string, route: string, spec: Record<string, unknown>) {
  return {
    apiVersion: 'gateway.portico.dev/v1alpha1',
    kind: 'BackendTrafficPolicy',
    metadata: { name, namespace: 'default' },
    spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: route }], ...spec },
  };
}

function route(name: string, service: string) {
  return httpRoute(name, {
    parentRefs: [{ name: 'gw' }],
    hostnames: [`${name}.example.com`],
    rules: [{ backendRefs: [{ name: service, port: 80 }] }],
  });
}

async function backendOf(host: string, headers: Record<string, string> = {}, agent?: Agent) {
  const res = await request(port, '/', { host: `${host}.example.com`, headers, ...(agent ? { agent } : {}) });
  return { res, backend: res.status === 200 ? (JSON.parse(res.body) as EchoReply).backend : `status ${res.status}` };
}

/** The backends that answered `count` requests in a row. */
async function seen(host: string, count: number, headers: Record<string, string> = {}) {
  const names = new Set<string>();
  for (let i = 0; i < count; i++) names.add((await backendOf(host, headers)).backend);
  return names;
}

beforeAll(async () => {
  const [slow, good, bad, h1, h2] = await Promise.all(['slow', 'good', 'bad', 'h1', 'h2'].map((n) => startBackend(n)));
  backends.push(slow!, good!, bad!, h1!, h2!);
  slow!.delayMs = 2000;
  bad!.failNext = { count: 1_000_000, status: 500 };
  checked.push(await startHealthBackend('up'), await startHealthBackend('flappy'));
  port = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', [{ name: 'http', protocol: 'HTTP', port }]),
    ...serviceOver('slow', [slow!.port]),
    ...serviceOver('outlier', [good!.port, bad!.port]),
    ...serviceOver('hash', [h1!.port, h2!.port]),
    ...serviceOver(
      'checked',
      checked.map((b) => b.port),
    ),
    route('breaker', 'slow'),
    route('unlimited', 'slow'),
    route('outlier', 'outlier'),
    route('header', 'hash'),
    route('cookie', 'hash'),
    route('checked', 'checked'),
    policy('breaker', 'breaker', { circuitBreaker: { maxParallelRequests: 1, maxPendingRequests: 1 } }),
    policy('outlier', 'outlier', {
      healthCheck: {
        passive: { consecutive5XxErrors: 3, interval: '1s', baseEjectionTime: '5m', maxEjectionPercent: 50 },
      },
    }),
    policy('header', 'header', {
      loadBalancer: { type: 'ConsistentHash', consistentHash: { type: 'Header', header: { name: 'X-User' } } },
    }),
    policy('cookie', 'cookie', {
      loadBalancer: {
        type: 'ConsistentHash',
        consistentHash: { type: 'Cookie', cookie: { name: 'lb', ttl: '1h' } },
      },
    }),
    policy('checked', 'checked', {
      healthCheck: {
        active: {
          type: 'HTTP',
          interval: '1s',
          timeout: '1s',
          unhealthyThreshold: 1,
          healthyThreshold: 1,
          http: { path: '/healthz' },
        },
      },
    }),
  ]);
  for (const host of ['breaker', 'unlimited', 'outlier', 'header', 'cookie', 'checked'])
    await waitFor(async () => (await backendOf(host)).res.status !== 404, { timeoutMs: 30_000, what: host });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  await Promise.all(backends.map((b) => b.close()));
  for (const b of checked) b.server.close();
});

describe('circuitBreaker', () => {
  it('answers requests beyond maxParallelRequests 503 with x-envoy-overloaded; the same backend without the policy takes them all', async () => {
    // One request first leaves an idle connection: the first of the burst takes it at once, and
    // the others find one request in flight already. (With maxPendingRequests 0 even a lone
    // request is refused while Envoy has no idle connection: waiting for one is pending.)
    expect((await backendOf('breaker')).backend).toBe('slow');
    const concurrent = (host: string) =>
      Promise.all(
        Array.from({ length: 4 }, () => request(port, '/', { host: `${host}.example.com`, timeoutMs: 10_000 })),
      );
    const limited = await concurrent('breaker');
    const overloaded = limited.filter((r) => r.status === 503 && r.headers['x-envoy-overloaded'] === 'true');
    expect(overloaded.length).toBeGreaterThan(0);
    expect(limited.some((r) => r.status === 200)).toBe(true);
    const unlimited = await concurrent('unlimited');
    expect(unlimited.map((r) => r.status)).toEqual([200, 200, 200, 200]);
  }, 30_000);
});

describe('healthCheck', () => {
  it('active: takes out the endpoint whose /healthz fails and brings it back when it passes again', async () => {
    await waitFor(async () => (await seen('checked', 10)).size === 2, { timeoutMs: 30_000, what: 'both endpoints' });
    checked[1]!.healthy = false;
    await waitFor(
      async () => {
        const names = await seen('checked', 10);
        return names.size === 1 && names.has('up');
      },
      { timeoutMs: 30_000, what: 'flappy taken out' },
    );
    checked[1]!.healthy = true;
    await waitFor(async () => (await seen('checked', 10)).has('flappy'), {
      timeoutMs: 30_000,
      what: 'flappy back',
    });
  }, 100_000);

  it('passive: ejects the endpoint answering 5xx; traffic goes to the other', async () => {
    await waitFor(
      async () => {
        const names = await seen('outlier', 10);
        return names.size === 1 && names.has('good');
      },
      { timeoutMs: 30_000, what: 'bad ejected' },
    );
    expect(backends[2]!.requests.length).toBeGreaterThanOrEqual(3);
  }, 40_000);
});

describe('loadBalancer ConsistentHash', () => {
  it('keeps each X-User on one endpoint across many requests, and spreads different users', async () => {
    const all = new Set<string>();
    for (let user = 0; user < 12; user++) {
      const names = await seen('header', 8, { 'x-user': `user-${user}` });
      expect(names.size).toBe(1);
      all.add([...names][0]!);
    }
    expect([...all].sort()).toEqual(['h1', 'h2']);
  }, 30_000);

  it('sets the cookie on a new client and keeps each cookie on one endpoint', async () => {
    const all = new Set<string>();
    for (let client = 0; client < 12; client++) {
      // A new connection: Envoy derives a new client's cookie from its address and port.
      const first = await backendOf('cookie', {}, new Agent({ keepAlive: false }));
      const setCookie = first.res.headers['set-cookie']?.[0];
      expect(setCookie).toMatch(/^lb=/);
      const cookie = setCookie!.split(';')[0]!;
      const names = await seen('cookie', 8, { cookie });
      expect(names).toEqual(new Set([first.backend]));
      all.add(first.backend);
    }
    expect([...all].sort()).toEqual(['h1', 'h2']);
  }, 30_000);
});
