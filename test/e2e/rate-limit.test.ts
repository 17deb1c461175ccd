/**
 * BackendTrafficPolicy `rateLimit` through real Envoys (file mode):
 * - local limits count each client address on its own (clients bound to 127.0.0.1 and 127.0.0.2)
 *   and each value of a header (Distinct), or one value (Exact): 429 after N, with the
 *   x-ratelimit-* headers, and served again once the unit has passed;
 * - a gRPC call over a local limit gets RESOURCE_EXHAUSTED (a GRPCRoute, grpc-js client and server);
 * - a global limit is shared by two Envoys of one Gateway, through the real rate limit service and
 *   Redis that Portico runs: N requests in total across both, then 429 from either.
 * Limits counted over an hour or a day cannot refill during the test; the one counted per second
 * is only waited for.
 */
import { Agent } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { findRateLimitService, findRedisServer } from '../../src/infra/host/rate-limit-service.js';
import { startBackend, type Backend } from '../support/backends.js';
import { EnvoyAds, freePort } from '../support/envoy-ads.js';
import { request, type HttpResult } from '../support/http-client.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

let e2e: PorticoE2E;
let second: EnvoyAds;
let port: number;
let backend: Backend;
let grpcServer: grpc.Server;
let grpcClient: grpc.Client;
const ECHO = '/echo.Echo/Get';
const identity = (b: Buffer): Buffer => b;

async function startGrpcServer(): Promise<number> {
  grpcServer = new grpc.Server();
  const method = {
    path: ECHO,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
  grpcServer.addService(
    { [ECHO]: method },
    {
      [ECHO]: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
        callback(null, Buffer.from('pong')),
    },
  );
  return new Promise((resolve, reject) =>
    grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
}

function callGrpc(): Promise<grpc.status> {
  return new Promise((resolve) =>
    grpcClient.makeUnaryRequest(
      ECHO,
      identity,
      identity,
      Buffer.from('ping'),
      new grpc.Metadata(),
      { deadline: Date.now() + 5000 },
      (err) => resolve(err ? err.code : grpc.status.OK),
    ),
  );
}

const policy = (name: string, route: string, rateLimit: Record<string, unknown>, kind = 'HTTPRoute') => ({
  apiVersion: 'gateway.portico.dev/v1alpha1',
  kind: 'BackendTrafficPolicy',
  metadata: { name, namespace: 'default', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind, name: route }], rateLimit },
});

const route = (name: string) =>
  httpRoute(name, {
    parentRefs: [{ name: 'gw' }],
    hostnames: [`${name}.example.com`],
    rules: [{ backendRefs: [{ name: 'echo', port: 80 }] }],
  });

function get(host: string, options: { from?: string; headers?: Record<string, string> } = {}): Promise<HttpResult> {
  return request(port, '/', {
    host: `${host}.example.com`,
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.from ? { localAddress: options.from } : {}),
    // A connection per request: with two Envoys on the port, the kernel gives each to either.
    agent: new Agent({ keepAlive: false }),
  });
}

const limitHeaders = (r: HttpResult) => [r.status, r.headers['x-ratelimit-limit'], r.headers['x-ratelimit-remaining']];

beforeAll(async () => {
  // Fails here, saying what to run, when the service or Redis is missing (make test provides both).
  findRateLimitService();
  findRedisServer();
  backend = await startBackend('echo');
  port = await freePort();
  e2e = await PorticoE2E.start('default/gw', {
    rateLimit: { grpc: { host: '127.0.0.1', port: await freePort() }, failClosed: false },
  });
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', [{ name: 'http', protocol: 'HTTP', port }]),
    ...serviceFor('echo', backend.port),
    ...serviceFor('grpc-echo', await startGrpcServer()),
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GRPCRoute',
      metadata: { name: 'grpc', namespace: 'default', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: {
        parentRefs: [{ name: 'gw' }],
        hostnames: ['grpc.example.com'],
        rules: [{ backendRefs: [{ name: 'grpc-echo', port: 80 }] }],
      },
    },
    policy('grpc', 'grpc', { local: { rules: [{ limit: { requests: 2, unit: 'Hour' } }] } }, 'GRPCRoute'),
    route('per-address'),
    route('per-header'),
    route('per-second'),
    route('shared'),
    policy('per-address', 'per-address', {
      local: {
        rules: [
          {
            clientSelectors: [{ sourceCIDR: { type: 'Distinct', value: '127.0.0.0/8' } }],
            limit: { requests: 3, unit: 'Hour' },
          },
        ],
      },
    }),
    policy('per-header', 'per-header', {
      local: {
        rules: [
          {
            clientSelectors: [{ headers: [{ name: 'x-user', type: 'Distinct' }] }],
            limit: { requests: 2, unit: 'Hour' },
          },
          {
            clientSelectors: [{ headers: [{ name: 'x-plan', type: 'Exact', value: 'free' }] }],
            limit: { requests: 1, unit: 'Hour' },
          },
        ],
      },
    }),
    policy('per-second', 'per-second', { local: { rules: [{ limit: { requests: 1, unit: 'Second' } }] } }),
    policy('shared', 'shared', { global: { rules: [{ limit: { requests: 3, unit: 'Day' } }] } }),
  ]);
  await waitFor(async () => (await get('per-second')).status !== 404, {
    timeoutMs: 30_000,
    what: 'Envoy to serve the routes',
  });
}, 60_000);

afterAll(async () => {
  grpcClient?.close();
  grpcServer?.forceShutdown();
  await second?.stop();
  await e2e?.stop();
  await backend?.close();
});

it('a local limit counts each client address on its own', async () => {
  const first = [];
  for (let i = 0; i < 4; i++) first.push(limitHeaders(await get('per-address', { from: '127.0.0.1' })));
  expect(first).toEqual([
    [200, '3', '2'],
    [200, '3', '1'],
    [200, '3', '0'],
    [429, '3', '0'],
  ]);
  // Local: the plain limit (the global filter adds its window, below); the reset within the hour.
  const reset = Number((await get('per-address', { from: '127.0.0.1' })).headers['x-ratelimit-reset']);
  expect(reset).toBeGreaterThan(0);
  expect(reset).toBeLessThanOrEqual(3600);
  expect(limitHeaders(await get('per-address', { from: '127.0.0.2' }))).toEqual([200, '3', '2']);
  expect((await get('per-address', { from: '127.0.0.1' })).status).toBe(429);
});

it('a local limit counts each value of a Distinct header, and the one value of an Exact header', async () => {
  const alice = [];
  for (let i = 0; i < 3; i++) alice.push((await get('per-header', { headers: { 'x-user': 'alice' } })).status);
  expect(alice).toEqual([200, 200, 429]);
  expect((await get('per-header', { headers: { 'x-user': 'bob' } })).status).toBe(200);
  // Without the header the rule does not count the request (and the route has no default limit).
  for (let i = 0; i < 3; i++) expect((await get('per-header')).status).toBe(200);
  expect((await get('per-header', { headers: { 'x-plan': 'free' } })).status).toBe(200);
  expect((await get('per-header', { headers: { 'x-plan': 'free' } })).status).toBe(429);
  expect((await get('per-header', { headers: { 'x-plan': 'paid' } })).status).toBe(200);
});

it('a local limit serves again once its unit has passed', async () => {
  const limited = await waitFor(
    async () => {
      const r = await get('per-second');
      return r.status === 429 ? r : undefined;
    },
    { what: 'a 429 from the one-a-second route' },
  );
  expect(limitHeaders(limited)).toEqual([429, '1', '0']);
  // Seconds until the bucket refills: at most the unit.
  expect(['0', '1']).toContain(limited.headers['x-ratelimit-reset']);
  await waitFor(async () => (await get('per-second')).status === 200, { what: 'the bucket to refill' });
});

it('a gRPC call over a local limit gets RESOURCE_EXHAUSTED', async () => {
  grpcClient = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.default_authority': 'grpc.example.com',
  });
  const codes = [];
  for (let i = 0; i < 3; i++) codes.push(await callGrpc());
  expect(codes).toEqual([grpc.status.OK, grpc.status.OK, grpc.status.RESOURCE_EXHAUSTED]);
});

it('a global limit is shared by both Envoys of the Gateway', async () => {
  // A second Envoy of the same Gateway (after the local tests, which count in one Envoy): the same
  // listener (both bind the port), the same limits.
  second = await EnvoyAds.start({
    xdsPort: e2e.xdsPort,
    nodeId: 'default/gw/second',
    nodeCluster: 'default/gw',
    apiType: 'GRPC',
  });
  const active = 'listener_manager.total_listeners_active';
  await waitFor(async () => ((await second.stats(active)).get(active) ?? 0) > 0, {
    timeoutMs: 30_000,
    what: 'the second Envoy to have the listener',
  });
  const statuses: number[] = [];
  const overLimit = async (envoy: EnvoyAds) =>
    [...(await envoy.stats('ratelimit.over_limit')).values()].reduce((a, b) => a + b, 0);
  // Until both Envoys have refused a request (connections land on either at random).
  for (let i = 0; i < 200 && ((await overLimit(e2e.envoy)) === 0 || (await overLimit(second)) === 0); i++) {
    const r = await get('shared');
    statuses.push(r.status);
    expect(r.headers['x-ratelimit-limit']).toBe('3, 3;w=86400');
  }
  expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
  expect(statuses.slice(3).every((s) => s === 429)).toBe(true);
  expect(statuses.length).toBeGreaterThan(4);
  const ok = async (envoy: EnvoyAds) => [...(await envoy.stats('ratelimit.ok')).values()].reduce((a, b) => a + b, 0);
  expect((await ok(e2e.envoy)) + (await ok(second))).toBe(3);
}, 90_000);

it('a global limit added later reaches the running service (it watches the configuration Portico writes)', async () => {
  e2e.write('later.yaml', [
    route('later'),
    policy('later', 'later', { global: { rules: [{ limit: { requests: 1, unit: 'Day' } }] } }),
  ]);
  // Unknown to the service until it reads the new file: not limited before, limited after.
  const limited = await waitFor(
    async () => {
      const r = await get('later');
      return r.status === 429 ? r : undefined;
    },
    { timeoutMs: 30_000, what: 'the new limit in force' },
  );
  expect(limited.headers['x-ratelimit-limit']).toBe('1, 1;w=86400');
});

it('Envoy took every update', async () => {
  expect(await e2e.rejectedUpdates()).toBe(0);
});
