/**
 * GRPCRoute through a real Envoy: gRPC clients (grpc-js, HTTP/2 prior knowledge over plain TCP)
 * call through Portico's Envoy to two gRPC servers. Method, service-only, method-only and header
 * matches pick the backend; a header modifier reaches the backend; a rule whose backend does not
 * exist answers UNAVAILABLE; an unrouted method answers UNIMPLEMENTED.
 */
import * as grpc from '@grpc/grpc-js';
import { freePort } from '../support/envoy-ads.js';
import { gateway, gatewayClass, serviceFor } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

const HOST = 'grpc.example.com';
const METHODS = [
  '/echo.Echo/Get',
  '/echo.Echo/List',
  '/echo.Echo/Missing',
  '/echo.Half/Call',
  '/echo.Health/Check',
  '/other.Svc/Watch',
];

let e2e: PorticoE2E;
let port: number;
const servers: grpc.Server[] = [];
let client: grpc.Client;

const identity = (b: Buffer): Buffer => b;

/** A gRPC server answering every method in METHODS with `<name> <path> x-env=<metadata x-env>`. */
async function startServer(name: string): Promise<number> {
  const server = new grpc.Server();
  const definition: grpc.ServiceDefinition = Object.fromEntries(
    METHODS.map((path) => [
      path,
      {
        path,
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    ]),
  );
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const path of METHODS) {
    handlers[path] = (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const env = call.metadata.get('x-env').join(',');
      callback(null, Buffer.from(`${name} ${path} x-env=${env}`));
    };
  }
  server.addService(definition, handlers);
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  servers.push(server);
  return bound;
}

interface CallResult {
  code: grpc.status;
  body: string;
}

function call(path: string, headers: Record<string, string> = {}): Promise<CallResult> {
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      identity,
      identity,
      Buffer.from('ping'),
      metadata,
      { deadline: Date.now() + 5000 },
      (err, value) => resolve({ code: err ? err.code : grpc.status.OK, body: value ? value.toString() : '' }),
    );
  });
}

beforeAll(async () => {
  const [a, b] = [await startServer('a'), await startServer('b')];
  port = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', [{ name: 'http', protocol: 'HTTP', port }]),
    // No appProtocol on either port: a GRPCRoute's backends are spoken to over HTTP/2 anyway.
    ...serviceFor('grpc-a', a),
    ...serviceFor('grpc-b', b),
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GRPCRoute',
      metadata: { name: 'echo', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: {
        parentRefs: [{ name: 'gw' }],
        hostnames: [HOST],
        rules: [
          {
            matches: [{ method: { service: 'echo.Echo', method: 'Get' } }],
            filters: [
              { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-env', value: 'prod' }] } },
            ],
            backendRefs: [{ name: 'grpc-a', port: 80 }],
          },
          {
            matches: [
              { method: { service: 'echo.Echo', method: 'Get' }, headers: [{ name: 'x-tenant', value: 'blue' }] },
            ],
            backendRefs: [{ name: 'grpc-b', port: 80 }],
          },
          { matches: [{ method: { service: 'echo.Health' } }], backendRefs: [{ name: 'grpc-b', port: 80 }] },
          { matches: [{ method: { method: 'Watch' } }], backendRefs: [{ name: 'grpc-a', port: 80 }] },
          {
            matches: [{ method: { service: 'echo.Echo', method: 'List' } }],
            backendRefs: [{ name: 'grpc-b', port: 80 }],
          },
          {
            matches: [{ method: { service: 'echo.Half' } }],
            backendRefs: [
              { name: 'grpc-a', port: 80 },
              { name: 'no-such-service', port: 80 },
            ],
          },
          {
            matches: [{ method: { service: 'echo.Echo', method: 'Missing' } }],
            backendRefs: [{ name: 'no-such-service', port: 80 }],
          },
        ],
      },
    },
  ]);
  client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.default_authority': HOST,
  });
  await waitFor(async () => (await call('/echo.Echo/List')).code === grpc.status.OK, {
    timeoutMs: 30_000,
    what: 'the GRPCRoute through Envoy',
  });
}, 60_000);

afterAll(async () => {
  client?.close();
  await e2e?.stop();
  for (const server of servers) server.forceShutdown();
});

test('an exact service and method match reaches its backend, with the request header the filter set', async () => {
  expect(await call('/echo.Echo/Get')).toEqual({ code: grpc.status.OK, body: 'a /echo.Echo/Get x-env=prod' });
  expect(await call('/echo.Echo/List')).toEqual({ code: grpc.status.OK, body: 'b /echo.Echo/List x-env=' });
});

test('a rule with a header match takes precedence over the same method without one', async () => {
  expect(await call('/echo.Echo/Get', { 'x-tenant': 'blue' })).toEqual({
    code: grpc.status.OK,
    body: 'b /echo.Echo/Get x-env=',
  });
});

test('service-only and method-only matches', async () => {
  expect(await call('/echo.Health/Check')).toEqual({ code: grpc.status.OK, body: 'b /echo.Health/Check x-env=' });
  expect(await call('/other.Svc/Watch')).toEqual({ code: grpc.status.OK, body: 'a /other.Svc/Watch x-env=' });
});

test('a rule whose only backend does not exist answers UNAVAILABLE; an unrouted method UNIMPLEMENTED', async () => {
  expect((await call('/echo.Echo/Missing')).code).toBe(grpc.status.UNAVAILABLE);
  // 404 from Envoy: gRPC reads it as UNIMPLEMENTED.
  expect((await call('/nothing.Here/Nope')).code).toBe(grpc.status.UNIMPLEMENTED);
  expect(await e2e.rejectedUpdates()).toBe(0);
});

test('the share of an unresolved backendRef answers UNAVAILABLE while the other share is served', async () => {
  const codes = new Map<grpc.status, number>();
  for (let i = 0; i < 60; i++) {
    const { code } = await call('/echo.Half/Call');
    codes.set(code, (codes.get(code) ?? 0) + 1);
  }
  // Equal weights: each outcome's chance of never showing in 60 calls is 2^-60.
  expect([...codes.keys()].sort()).toEqual([grpc.status.OK, grpc.status.UNAVAILABLE].sort());
});
