/**
 * The Gateway's client certificate for TLS to backends (spec.tls.backend.clientCertificateRef,
 * conformance GatewayTLSBackendClientCertificate) through a real Envoy: a backend that requires a
 * client certificate signed by its CA is reached when the Gateway names one, and sees that
 * certificate; without it (or with a reference that cannot be used, which the Gateway's
 * ResolvedRefs condition reports) the backend refuses the handshake and the request gets a 5xx.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { gatewayCondition } from '../support/debug-status.js';
import { freePort } from '../support/envoy-ads.js';
import * as fixtures from '../support/fixtures.js';
import { request } from '../support/http-client.js';
import { gatewayClass, httpRoute, serviceFor, tlsSecret } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/tls/', import.meta.url));
/** Self-signed (CA:TRUE) for example.com and *.example.com: the backend's certificate, its client CA and the Gateway's client certificate. */
const CERT = readFileSync(`${FIXTURES}example.crt`, 'utf8');
const KEY = readFileSync(`${FIXTURES}example.key`, 'utf8');

let e2e: PorticoE2E;
let backend: Server;
let port: number;

function gatewayWith(clientCertificateRef?: Record<string, unknown>) {
  return fixtures.gateway({
    name: 'gw',
    generation: 1,
    listeners: [fixtures.listener('http', port)],
    spec: clientCertificateRef ? { tls: { backend: { clientCertificateRef } } } : {},
  });
}

function get() {
  return request(port, '/', { host: 'abc.example.com' });
}

beforeAll(async () => {
  // An HTTPS backend that refuses any client without a certificate signed by its CA, and answers
  // with the subject of the one it got.
  backend = createServer(
    { cert: CERT, key: KEY, ca: CERT, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.end(`client=${String(peer.subject?.CN ?? '-')}`);
    },
  );
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  port = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('gateway.yaml', [gatewayWith({ name: 'client-cert' })]);
  e2e.write('all.yaml', [
    gatewayClass(),
    tlsSecret('client-cert', CERT, KEY),
    ...serviceFor('secure', (backend.address() as { port: number }).port),
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ca', namespace: 'default' }, data: { 'ca.crt': CERT } },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'BackendTLSPolicy',
      metadata: { name: 'secure', namespace: 'default' },
      spec: {
        targetRefs: [{ group: '', kind: 'Service', name: 'secure' }],
        validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }], hostname: 'abc.example.com' },
      },
    },
    httpRoute('web', {
      parentRefs: [{ name: 'gw' }],
      hostnames: ['abc.example.com'],
      rules: [{ backendRefs: [{ name: 'secure', port: 80 }] }],
    }),
  ]);
  await waitFor(async () => (await get()).status === 200, { timeoutMs: 30_000, what: 'the backend through Envoy' });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  await new Promise((r) => backend?.close(r));
});

test("Envoy presents the Gateway's client certificate to the TLS backend", async () => {
  expect(await get()).toMatchObject({ status: 200, body: 'client=example.com' });
  expect(await gatewayCondition(e2e.debugPort(), 'ResolvedRefs')).toMatchObject({
    status: 'True',
    reason: 'ResolvedRefs',
  });
});

test('a reference that cannot be used: ResolvedRefs=False, the Gateway stays Accepted, the backend refuses Envoy', async () => {
  e2e.write('gateway.yaml', [gatewayWith({ name: 'no-such-secret' })]);
  await waitFor(async () => (await get()).status >= 500, { timeoutMs: 30_000, what: 'the backend refusing Envoy' });
  expect(await gatewayCondition(e2e.debugPort(), 'ResolvedRefs')).toMatchObject({
    status: 'False',
    reason: 'InvalidClientCertificateRef',
    message: 'spec.tls.backend.clientCertificateRef: Secret default/no-such-secret does not exist',
  });
  expect(await gatewayCondition(e2e.debugPort(), 'Accepted')).toMatchObject({ status: 'True' });
  // Named again: the certificate is presented again.
  e2e.write('gateway.yaml', [gatewayWith({ name: 'client-cert' })]);
  await waitFor(async () => (await get()).status === 200, {
    timeoutMs: 30_000,
    what: 'the certificate presented again',
  });
  expect(await e2e.rejectedUpdates()).toBe(0);
}, 60_000);
