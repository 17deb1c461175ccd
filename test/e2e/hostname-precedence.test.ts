/**
 * GatewayRouteHostnameIntersectionPrecedence through a real Envoy, with the scenarios of the
 * upstream conformance tests (httproute-, grpcroute- and tlsroute-multiple-routes-attachment-same-
 * hostname-intersection): two routes on one listener whose hostnames intersect the listener's in the same
 * hostname are ranked by their own hostnames — the more specific one first, although it is newer and
 * its path match is shorter — and what it does not match still reaches the other route.
 */
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { startBackend, type Backend, type EchoReply } from '../support/backends.js';
import { request, type RequestOptions } from '../support/http-client.js';
import { freePort } from '../support/envoy-ads.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

const OLDER = '2026-01-01T00:00:00Z';
const NEWER = '2026-01-01T00:00:01Z';
const METHOD = '/echo.Echo/Get';
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/tls/', import.meta.url));

let e2e: PorticoE2E;
const backends: Backend[] = [];
const grpcServers: grpc.Server[] = [];
const tlsServers: TlsServer[] = [];
/** Listener name → port. */
const ports: Record<string, number> = {};

/** The HTTP scenarios: a listener hostname, the older route's hostname and match, the newer route's. */
const scenarios = {
  'exact-x': { listener: 'abc.example.com', older: '*.example.com', newer: 'abc.example.com' },
  'exact-x-path': { listener: 'abc.example.com', older: '*.example.com', newer: 'abc.example.com', path: true },
  'exact-x-path-header': {
    listener: 'abc.example.com',
    older: '*.example.com',
    newer: 'abc.example.com',
    path: true,
    header: true,
  },
  'wc-x': { listener: '*.example.com', older: '*.com', newer: '*.example.com' },
  'wc-x-path': { listener: '*.example.com', older: '*.com', newer: '*.example.com', path: true },
  'wc-x-path-header': { listener: '*.example.com', older: '*.com', newer: '*.example.com', path: true, header: true },
} as const;

type Scenario = { listener: string; older: string; newer: string; path?: boolean; header?: boolean };

function routesFor(name: string, s: Scenario) {
  const parentRefs = [{ name: 'gw', sectionName: name }];
  // The older route: a longer path prefix (and header B) where the scenario has matches.
  const olderMatch = s.path
    ? [
        {
          path: { type: 'PathPrefix', value: '/path/prefix' },
          ...(s.header ? { headers: [{ type: 'Exact', name: 'Header-B', value: 'B' }] } : {}),
        },
      ]
    : undefined;
  const newerMatch = s.path
    ? [
        {
          path: { type: 'PathPrefix', value: '/path' },
          ...(s.header ? { headers: [{ type: 'Exact', name: 'Header-A', value: 'A' }] } : {}),
        },
      ]
    : undefined;
  return [
    httpRoute(
      `${name}-older`,
      {
        parentRefs,
        hostnames: [s.older],
        rules: [{ ...(olderMatch ? { matches: olderMatch } : {}), backendRefs: [{ name: 'v1', port: 80 }] }],
      },
      OLDER,
    ),
    httpRoute(
      `${name}-newer`,
      {
        parentRefs,
        hostnames: [s.newer],
        rules: [{ ...(newerMatch ? { matches: newerMatch } : {}), backendRefs: [{ name: 'v2', port: 80 }] }],
      },
      NEWER,
    ),
  ];
}

function oneRuleRoute(
  kind: 'GRPCRoute' | 'TLSRoute',
  name: string,
  listener: string,
  hostname: string,
  backend: string,
  creationTimestamp: string,
) {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind,
    metadata: { name, namespace: 'default', creationTimestamp },
    spec: {
      parentRefs: [{ name: 'gw', sectionName: listener }],
      hostnames: [hostname],
      rules: [{ backendRefs: [{ name: backend, port: 80 }] }],
    },
  };
}

async function backendOf(listener: string, path: string, options: RequestOptions = {}): Promise<string> {
  const res = await request(ports[listener]!, path, { host: 'abc.example.com', ...options });
  return res.status === 200 ? (JSON.parse(res.body) as EchoReply).backend : `status ${res.status}`;
}

/** A gRPC server answering METHOD with its name. */
async function startGrpc(name: string): Promise<number> {
  const server = new grpc.Server();
  const identity = (b: Buffer) => b;
  server.addService(
    {
      [METHOD]: {
        path: METHOD,
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    },
    { [METHOD]: (_call: unknown, callback: grpc.sendUnaryData<Buffer>) => callback(null, Buffer.from(name)) },
  );
  grpcServers.push(server);
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
}

/** A TLS server (the client's session ends there: passthrough) that answers with its name. */
async function startTls(name: string): Promise<number> {
  const server = createTlsServer(
    {
      cert: readFileSync(`${FIXTURES}example.crt`, 'utf8'),
      key: readFileSync(`${FIXTURES}example.key`, 'utf8'),
    },
    (socket) => {
      socket.on('error', () => undefined);
      socket.end(name);
    },
  );
  tlsServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Connects with SNI abc.example.com through a listener; what the backend answered. */
function tlsBackendOf(listener: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = tlsConnect({
      port: ports[listener]!,
      host: '127.0.0.1',
      servername: 'abc.example.com',
      rejectUnauthorized: false,
    });
    let out = '';
    socket.on('data', (d: Buffer) => (out += d.toString()));
    socket.on('error', () => resolve(out));
    socket.on('close', () => resolve(out));
    socket.setTimeout(5000, () => socket.destroy());
  });
}

/** Calls METHOD with :authority abc.example.com through a listener; the answering server's name. */
function grpcBackendOf(listener: string): Promise<string> {
  const client = new grpc.Client(`127.0.0.1:${ports[listener]}`, grpc.credentials.createInsecure(), {
    'grpc.default_authority': 'abc.example.com',
  });
  return new Promise<string>((resolve) =>
    client.makeUnaryRequest(
      METHOD,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from('ping'),
      new grpc.Metadata(),
      { deadline: Date.now() + 5000 },
      (err, value) => resolve(err ? `code ${err.code}` : String(value)),
    ),
  ).finally(() => client.close());
}

beforeAll(async () => {
  for (const name of ['v1', 'v2']) backends.push(await startBackend(name));
  const grpcPorts = [await startGrpc('grpc-v1'), await startGrpc('grpc-v2')];
  const tlsPorts = [await startTls('tls-v1'), await startTls('tls-v2')];
  const listeners: unknown[] = [];
  for (const [name, s] of [
    ...Object.entries(scenarios),
    ['grpc-exact-x', { listener: 'abc.example.com' }],
    ['grpc-wc-x', { listener: '*.example.com' }],
  ] as const) {
    ports[name] = await freePort();
    listeners.push({ name, protocol: 'HTTP', port: ports[name], hostname: s.listener });
  }
  for (const [name, hostname] of [
    ['tls-exact-x', 'abc.example.com'],
    ['tls-wc-x', '*.example.com'],
  ] as const) {
    ports[name] = await freePort();
    listeners.push({ name, protocol: 'TLS', port: ports[name], hostname, tls: { mode: 'Passthrough' } });
  }
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', listeners),
    ...serviceFor('v1', backends[0]!.port),
    ...serviceFor('v2', backends[1]!.port),
    ...serviceFor('grpc-v1', grpcPorts[0]!),
    ...serviceFor('grpc-v2', grpcPorts[1]!),
    ...serviceFor('tls-v1', tlsPorts[0]!),
    ...serviceFor('tls-v2', tlsPorts[1]!),
    ...Object.entries(scenarios).flatMap(([name, s]) => routesFor(name, s)),
    oneRuleRoute('GRPCRoute', 'grpc-exact-x-older', 'grpc-exact-x', '*.example.com', 'grpc-v1', OLDER),
    oneRuleRoute('GRPCRoute', 'grpc-exact-x-newer', 'grpc-exact-x', 'abc.example.com', 'grpc-v2', NEWER),
    oneRuleRoute('GRPCRoute', 'grpc-wc-x-older', 'grpc-wc-x', '*.com', 'grpc-v1', OLDER),
    oneRuleRoute('GRPCRoute', 'grpc-wc-x-newer', 'grpc-wc-x', '*.example.com', 'grpc-v2', NEWER),
    oneRuleRoute('TLSRoute', 'tls-exact-x-older', 'tls-exact-x', '*.example.com', 'tls-v1', OLDER),
    oneRuleRoute('TLSRoute', 'tls-exact-x-newer', 'tls-exact-x', 'abc.example.com', 'tls-v2', NEWER),
    oneRuleRoute('TLSRoute', 'tls-wc-x-older', 'tls-wc-x', '*.com', 'tls-v1', OLDER),
    oneRuleRoute('TLSRoute', 'tls-wc-x-newer', 'tls-wc-x', '*.example.com', 'tls-v2', NEWER),
  ]);
  await waitFor(async () => (await grpcBackendOf('grpc-wc-x')).startsWith('grpc-'), {
    timeoutMs: 30_000,
    what: 'Envoy to serve every listener',
  });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  await Promise.all(backends.map((b) => b.close()));
  for (const server of grpcServers) server.forceShutdown();
  for (const server of tlsServers) server.close();
});

test('Envoy accepted everything (no update rejected)', async () => {
  expect(await e2e.rejectedUpdates()).toBe(0);
});

describe.each([
  ['exact', 'exact-x'],
  ['more specific wildcard', 'wc-x'],
])('HTTPRoute: the %s hostname takes precedence over the older, less specific one', (_what, prefix) => {
  test('with the same match', async () => {
    expect(await backendOf(prefix, '/')).toBe('v2');
  });
  test('despite a shorter path prefix', async () => {
    expect(await backendOf(`${prefix}-path`, '/path/prefix/longer')).toBe('v2');
  });
  test('and passes what it does not match to the other route', async () => {
    const listener = `${prefix}-path-header`;
    expect(await backendOf(listener, '/path/prefix/longer', { headers: { 'Header-A': 'A', 'Header-B': 'B' } })).toBe(
      'v2',
    );
    expect(await backendOf(listener, '/path/prefix/longer', { headers: { 'Header-B': 'B' } })).toBe('v1');
  });
});

test.each([
  ['exact', 'grpc-exact-x'],
  ['more specific wildcard', 'grpc-wc-x'],
])('GRPCRoute: the %s hostname takes precedence over the older, less specific one', async (_what, listener) => {
  expect(await grpcBackendOf(listener)).toBe('grpc-v2');
});

test.each([
  ['exact', 'tls-exact-x'],
  ['more specific wildcard', 'tls-wc-x'],
])('TLSRoute: the %s hostname takes precedence over the older, less specific one', async (_what, listener) => {
  expect(await tlsBackendOf(listener)).toBe('tls-v2');
});
