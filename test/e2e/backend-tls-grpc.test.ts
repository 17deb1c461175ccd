/**
 * BackendTLSPolicy for GRPCRoute backends through a real Envoy (conformance BackendTLSPolicyGRPCRoute):
 * Envoy reaches a gRPC server over TLS, offering HTTP/2 by ALPN (a TLS gRPC server speaks nothing
 * else), with the policy's hostname as SNI and the certificate checked against the policy's CA and
 * hostname. A hostname the certificate does not carry, or a CA that did not sign it, fails the call
 * (UNAVAILABLE) instead of reaching the backend.
 */
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { debugStatus } from '../support/debug-status.js';
import { freePort } from '../support/envoy-ads.js';
import { gateway, gatewayClass, serviceFor } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';
import { TlsMaterial } from '../support/tls-material.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/tls/', import.meta.url));
/** The fixture certificate: self-signed (its own CA) for example.com, *.example.com, www., foo., bar. */
const CERT = readFileSync(`${FIXTURES}example.crt`, 'utf8');
const KEY = readFileSync(`${FIXTURES}example.key`, 'utf8');
const METHODS = ['/grpcecho.GrpcEcho/Echo', '/grpcecho.GrpcEcho/EchoTwo', '/grpcecho.GrpcEcho/EchoThree'];

let e2e: PorticoE2E;
let server: grpc.Server;
let client: grpc.Client;
let material: TlsMaterial;

const identity = (b: Buffer): Buffer => b;

/** A gRPC server over TLS answering every method with `tls <path>`. */
async function startTlsServer(): Promise<number> {
  server = new grpc.Server();
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
  const handlers: grpc.UntypedServiceImplementation = Object.fromEntries(
    METHODS.map((path) => [
      path,
      (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
        callback(null, Buffer.from(`tls ${path}`)),
    ]),
  );
  server.addService(definition, handlers);
  const credentials = grpc.ServerCredentials.createSsl(null, [
    { cert_chain: Buffer.from(CERT), private_key: Buffer.from(KEY) },
  ]);
  return new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))),
  );
}

function call(path: string): Promise<{ code: grpc.status; body: string }> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      identity,
      identity,
      Buffer.from('ping'),
      new grpc.Metadata(),
      { deadline: Date.now() + 5000 },
      (err, value) => resolve({ code: err ? err.code : grpc.status.OK, body: value ? value.toString() : '' }),
    );
  });
}

function policy(name: string, service: string, caConfigMap: string, hostname: string) {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'BackendTLSPolicy',
    metadata: { name, namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: {
      targetRefs: [{ group: '', kind: 'Service', name: service, sectionName: 'http' }],
      validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: caConfigMap }], hostname },
    },
  };
}

beforeAll(async () => {
  material = TlsMaterial.create();
  // A CA that did not sign the backend's certificate.
  const otherCa = await material.selfSigned(
    await material.key(['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']),
  );
  const backendPort = await startTlsServer();
  const port = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  const configMap = (name: string, pem: string) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default' },
    data: { 'ca.crt': pem },
  });
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', [{ name: 'http', protocol: 'HTTP', port }]),
    ...serviceFor('grpc-tls', backendPort),
    ...serviceFor('grpc-host-mismatch', backendPort),
    ...serviceFor('grpc-cert-mismatch', backendPort),
    configMap('backend-ca', CERT),
    configMap('other-ca', otherCa),
    policy('grpc-tls', 'grpc-tls', 'backend-ca', 'foo.example.com'),
    policy('grpc-host-mismatch', 'grpc-host-mismatch', 'backend-ca', 'mismatch.example.org'),
    policy('grpc-cert-mismatch', 'grpc-cert-mismatch', 'other-ca', 'foo.example.com'),
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GRPCRoute',
      metadata: { name: 'grpc', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: {
        parentRefs: [{ name: 'gw' }],
        hostnames: ['abc.example.com'],
        rules: [
          ['Echo', 'grpc-tls'],
          ['EchoTwo', 'grpc-host-mismatch'],
          ['EchoThree', 'grpc-cert-mismatch'],
        ].map(([method, service]) => ({
          matches: [{ method: { service: 'grpcecho.GrpcEcho', method } }],
          backendRefs: [{ name: service, port: 80 }],
        })),
      },
    },
  ]);
  client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.default_authority': 'abc.example.com',
  });
  await waitFor(async () => (await call('/grpcecho.GrpcEcho/Echo')).code === grpc.status.OK, {
    timeoutMs: 30_000,
    what: 'the gRPC backend over TLS through Envoy',
  });
}, 60_000);

afterAll(async () => {
  client?.close();
  await e2e?.stop();
  server?.forceShutdown();
  material?.remove();
});

test('a valid policy: the call reaches the gRPC backend over TLS', async () => {
  expect(await call('/grpcecho.GrpcEcho/Echo')).toEqual({ code: grpc.status.OK, body: 'tls /grpcecho.GrpcEcho/Echo' });
});

test('a hostname the certificate does not carry fails the call', async () => {
  expect((await call('/grpcecho.GrpcEcho/EchoTwo')).code).toBe(grpc.status.UNAVAILABLE);
});

test('a CA that did not sign the certificate fails the call', async () => {
  expect((await call('/grpcecho.GrpcEcho/EchoThree')).code).toBe(grpc.status.UNAVAILABLE);
  expect(await e2e.rejectedUpdates()).toBe(0);
});

test('each policy has the Gateway as its ancestor, Accepted and ResolvedRefs (its CA reference resolves)', async () => {
  const policies = (await debugStatus(e2e.debugPort())).filter((r) => r.kind === 'BackendTLSPolicy');
  expect(policies.map((p) => p.metadata.name).sort()).toEqual(['grpc-cert-mismatch', 'grpc-host-mismatch', 'grpc-tls']);
  for (const p of policies) {
    expect(p.status?.ancestors).toHaveLength(1);
    expect(p.status?.ancestors?.[0]?.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Accepted', 'True', 'Accepted'],
      ['ResolvedRefs', 'True', 'ResolvedRefs'],
    ]);
  }
});
