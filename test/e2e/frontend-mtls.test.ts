/**
 * Client certificate validation (spec.tls.frontend) through a real Envoy: with AllowValidOnly a
 * client without a certificate signed by the configured CA is refused during the handshake, and
 * one with such a certificate gets through; with AllowInsecureFallback both get through.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/envoy-ads.js';
import * as fixtures from '../support/fixtures.js';
import { gatewayClass, httpRoute, serviceFor, tlsSecret } from '../support/manifests.js';
import { request } from '../support/http-client.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/tls/', import.meta.url));
const CERT = readFileSync(`${FIXTURES}example.crt`, 'utf8');
const KEY = readFileSync(`${FIXTURES}example.key`, 'utf8');
const HOST = 'www.example.com';

let e2e: PorticoE2E;
let backend: Server;
let strict: number;
let fallback: number;
let bundled: number;

/** The fixture certificate is self-signed (CA:TRUE): it is the client's certificate and its CA. */
function get(port: number, withClientCert: boolean) {
  return request(port, '/', {
    host: HOST,
    tls: { servername: HOST, ca: CERT, ...(withClientCert ? { cert: CERT, key: KEY } : {}) },
  }).then(
    (r) => r.status,
    () => 'refused' as const,
  );
}

beforeAll(async () => {
  backend = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  strict = await freePort();
  fallback = await freePort();
  bundled = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  const https = (name: string, port: number) => ({
    name,
    port,
    protocol: 'HTTPS',
    hostname: HOST,
    tls: { certificateRefs: [{ name: 'example-cert' }] },
  });
  const ca = [{ group: '', kind: 'ConfigMap', name: 'client-ca' }];
  e2e.write('all.yaml', [
    gatewayClass(),
    fixtures.gateway({
      name: 'gw',
      spec: {
        tls: {
          frontend: {
            default: { validation: { caCertificateRefs: ca } },
            perPort: [
              { port: fallback, tls: { validation: { mode: 'AllowInsecureFallback', caCertificateRefs: ca } } },
              {
                port: bundled,
                tls: {
                  validation: {
                    caCertificateRefs: [
                      { group: 'certificates.k8s.io', kind: 'ClusterTrustBundle', name: 'client-ca' },
                    ],
                  },
                },
              },
            ],
          },
        },
      },
      listeners: [https('strict', strict), https('fallback', fallback), https('bundled', bundled)],
    }),
    tlsSecret('example-cert', CERT, KEY),
    {
      apiVersion: 'certificates.k8s.io/v1beta1',
      kind: 'ClusterTrustBundle',
      metadata: { name: 'client-ca' },
      spec: { trustBundle: CERT },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'client-ca', namespace: 'default' },
      data: { 'ca.crt': CERT },
    },
    ...serviceFor('web', (backend.address() as { port: number }).port),
    httpRoute('web', {
      parentRefs: [{ name: 'gw' }],
      hostnames: [HOST],
      rules: [{ backendRefs: [{ name: 'web', port: 80 }] }],
    }),
  ]);
  await waitFor(async () => (await get(strict, true)) === 200, { timeoutMs: 30_000, what: 'the mutual TLS listener' });
  await waitFor(async () => (await get(fallback, false)) === 200, { timeoutMs: 30_000, what: 'the fallback listener' });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  await new Promise((r) => backend?.close(r));
});

test('AllowValidOnly: a client certificate signed by the CA gets through, no certificate is refused', async () => {
  expect(await get(strict, true)).toBe(200);
  expect(await get(strict, false)).toBe('refused');
});

test('AllowInsecureFallback: clients get through with or without a certificate', async () => {
  expect(await get(fallback, true)).toBe(200);
  expect(await get(fallback, false)).toBe(200);
  expect(await e2e.rejectedUpdates()).toBe(0);
});

test('CA certificates from a ClusterTrustBundle check client certificates the same way', async () => {
  await waitFor(async () => (await get(bundled, true)) === 200, { timeoutMs: 30_000, what: 'the bundled listener' });
  expect(await get(bundled, false)).toBe('refused');
});
