/**
 * BackendTLSPolicy through a real Envoy: Envoy speaks TLS to an HTTPS backend, sends the policy's
 * hostname as SNI, and checks the backend's certificate against the CA from a ConfigMap and the
 * hostname (or the policy's subjectAltNames). A certificate without the expected name, or a policy
 * whose CA cannot be read, fails the request with a 5xx instead of reaching the backend.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/envoy-ads.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';
import { request } from '../support/http-client.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/tls/', import.meta.url));
const CERT = readFileSync(`${FIXTURES}example.crt`, 'utf8');
const KEY = readFileSync(`${FIXTURES}example.key`, 'utf8');

let e2e: PorticoE2E;
let backend: Server;
let port: number;

function policy(name: string, service: string, validation: Record<string, unknown>) {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'BackendTLSPolicy',
    metadata: { name, namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { targetRefs: [{ group: '', kind: 'Service', name: service }], validation },
  };
}

const CA = [{ group: '', kind: 'ConfigMap', name: 'backend-ca' }];

beforeAll(async () => {
  // One HTTPS backend (the fixture certificate: example.com, *.example.com, www., foo., bar.)
  // answering with the SNI it was reached by.
  backend = createServer({ cert: CERT, key: KEY }, (req, res) => {
    res.end(`tls sni=${(req.socket as TLSSocket).servername || '-'}`);
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const backendPort = (backend.address() as { port: number }).port;
  port = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  const services = ['good', 'wrong-name', 'by-san', 'no-ca', 'no-policy', 'by-bundle', 'no-bundle'];
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', [{ name: 'http', protocol: 'HTTP', port }]),
    ...services.flatMap((s) => serviceFor(s, backendPort)),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'backend-ca', namespace: 'default' },
      data: { 'ca.crt': CERT },
    },
    policy('good', 'good', { caCertificateRefs: CA, hostname: 'foo.example.com' }),
    policy('wrong-name', 'wrong-name', { caCertificateRefs: CA, hostname: 'api.example.org' }),
    policy('by-san', 'by-san', {
      caCertificateRefs: CA,
      hostname: 'api.example.org',
      subjectAltNames: [{ type: 'Hostname', hostname: 'www.example.com' }],
    }),
    // CA certificates from a ClusterTrustBundle (cluster-scoped), and from one that does not exist.
    {
      apiVersion: 'certificates.k8s.io/v1beta1',
      kind: 'ClusterTrustBundle',
      metadata: { name: 'backend-ca' },
      spec: { trustBundle: CERT },
    },
    policy('by-bundle', 'by-bundle', {
      caCertificateRefs: [{ group: 'certificates.k8s.io', kind: 'ClusterTrustBundle', name: 'backend-ca' }],
      hostname: 'foo.example.com',
    }),
    policy('no-bundle', 'no-bundle', {
      caCertificateRefs: [{ group: 'certificates.k8s.io', kind: 'ClusterTrustBundle', name: 'missing' }],
      hostname: 'foo.example.com',
    }),
    policy('no-ca', 'no-ca', {
      caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'missing' }],
      hostname: 'foo.example.com',
    }),
    httpRoute('web', {
      parentRefs: [{ name: 'gw' }],
      hostnames: ['www.example.com'],
      rules: services.map((s) => ({
        matches: [{ path: { type: 'PathPrefix', value: `/${s}` } }],
        backendRefs: [{ name: s, port: 80 }],
      })),
    }),
  ]);
  await waitFor(async () => (await get('/good')).status === 200, { timeoutMs: 30_000, what: 'TLS to the backend' });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  await new Promise((r) => backend?.close(r));
});

function get(path: string) {
  return request(port, path, { host: 'www.example.com' });
}

test('Envoy reaches the backend over TLS with the policy hostname as SNI, the certificate checked against the CA', async () => {
  const response = await get('/good');
  expect(response.status).toBe(200);
  expect(response.body).toBe('tls sni=foo.example.com');
});

test('a certificate that does not carry the hostname is refused: 5xx, never served', async () => {
  const response = await get('/wrong-name');
  expect(response.status).toBeGreaterThanOrEqual(500);
  expect(response.body).not.toContain('tls sni=');
});

test('with subjectAltNames, the hostname is only the SNI and the certificate must carry one of the names', async () => {
  const response = await get('/by-san');
  expect(response.status).toBe(200);
  expect(response.body).toBe('tls sni=api.example.org');
});

test('a policy whose CA certificate cannot be read fails closed with a 500; no policy means plain HTTP', async () => {
  expect((await get('/no-ca')).status).toBe(500);
  // Plain HTTP to a TLS port: the backend cannot answer it.
  expect((await get('/no-policy')).status).toBeGreaterThanOrEqual(500);
  expect(await e2e.rejectedUpdates()).toBe(0);
});

test('CA certificates from a ClusterTrustBundle; one that does not exist fails closed with a 500', async () => {
  expect(await get('/by-bundle')).toMatchObject({ status: 200, body: 'tls sni=foo.example.com' });
  expect((await get('/no-bundle')).status).toBe(500);
});
