/**
 * GRPCRoute through a real Envoy: gRPC clients (grpc-js, HTTP/2 prior knowledge over plain TCP)
 * call through Portico's Envoy to two gRPC servers. Method, service-only, method-only and header
 * matches pick the backend; a header modifier reaches the backend; a rule whose backend does not
 * exist answers UNAVAILABLE; an unrouted method answers UNIMPLEMENTED. A second route mirrors the
 * conformance tests GRPCRouteNamedRouteRule and GRPCRouteRequestHeaderModifier: a named rule next to an
 * unnamed one, and header set/add/remove on what the client sent.
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
  '/grpcecho.GrpcEcho/Echo',
  '/grpcecho.GrpcEcho/EchoTwo',
];
const MODIFIERS_HOST = 'modifiers.example.com';

let e2e: PorticoE2E;
let port: number;
const servers: grpc.Server[] = [];
let client: grpc.Client;
let modifiersClient: grpc.Client;

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
      if (path.startsWith('/grpcecho.')) {
        // Every value of each test header the backend received, in order.
        const headers = Object.fromEntries(
          Object.keys(call.metadata.getMap())
            .filter((k) => k.startsWith('x-header') || k === 'some-other-header')
            .sort()
            .map((k) => [k, call.metadata.get(k).map(String)]),
        );
        callback(null, Buffer.from(`${name} ${JSON.stringify(headers)}`));
        return;
      }
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

function call(path: string, headers: Record<string, string> = {}, through = client): Promise<CallResult> {
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
  return new Promise((resolve) => {
    through.makeUnaryRequest(
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
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GRPCRoute',
      metadata: { name: 'modifiers', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: {
        parentRefs: [{ name: 'gw' }],
        hostnames: [MODIFIERS_HOST],
        rules: [
          {
            name: 'named-rule',
            matches: [{ method: { service: 'grpcecho.GrpcEcho', method: 'Echo' } }],
            filters: [
              {
                type: 'RequestHeaderModifier',
                requestHeaderModifier: { set: [{ name: 'X-Header-Set', value: 'set-overwrites-values' }] },
              },
            ],
            backendRefs: [{ name: 'grpc-a', port: 80 }],
          },
          {
            matches: [{ method: { service: 'grpcecho.GrpcEcho', method: 'EchoTwo' } }],
            filters: [
              {
                type: 'RequestHeaderModifier',
                requestHeaderModifier: {
                  set: [{ name: 'X-Header-Set-1', value: 'header-set-1' }],
                  add: [{ name: 'X-Header-Add-1', value: 'header-add-1' }],
                  remove: ['X-Header-Remove-1'],
                },
              },
            ],
            backendRefs: [{ name: 'grpc-b', port: 80 }],
          },
        ],
      },
    },
  ]);
  client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.default_authority': HOST,
  });
  modifiersClient = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.default_authority': MODIFIERS_HOST,
  });
  await waitFor(async () => (await call('/echo.Echo/List')).code === grpc.status.OK, {
    timeoutMs: 30_000,
    what: 'the GRPCRoute through Envoy',
  });
}, 60_000);

afterAll(async () => {
  client?.close();
  modifiersClient?.close();
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

test('a named rule and an unnamed one each route their method (GRPCRouteNamedRouteRule)', async () => {
  expect((await call('/grpcecho.GrpcEcho/Echo', {}, modifiersClient)).body).toMatch(/^a /);
  expect((await call('/grpcecho.GrpcEcho/EchoTwo', {}, modifiersClient)).body).toMatch(/^b /);
});

test('RequestHeaderModifier sets over, adds to and removes what the client sent, whatever the case of the names', async () => {
  expect(await call('/grpcecho.GrpcEcho/Echo', { 'x-header-set': 'from-client' }, modifiersClient)).toEqual({
    code: grpc.status.OK,
    body: 'a {"x-header-set":["set-overwrites-values"]}',
  });
  const sent = {
    'x-header-set-1': 'original-set-1',
    'x-header-add-1': 'existing-add-1',
    'x-header-remove-1': 'should-be-removed-1',
    'some-other-header': 'kept',
  };
  // Node's HTTP/2 server joins the two values of x-header-add-1 into one, as HTTP allows.
  expect(await call('/grpcecho.GrpcEcho/EchoTwo', sent, modifiersClient)).toEqual({
    code: grpc.status.OK,
    body:
      'b {"some-other-header":["kept"],"x-header-add-1":["existing-add-1, header-add-1"],' +
      '"x-header-set-1":["header-set-1"]}',
  });
  expect(await e2e.rejectedUpdates()).toBe(0);
});
