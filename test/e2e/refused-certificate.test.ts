/**
 * A certificate Envoy would refuse, brought by a second listener of the Gateway (RSA 1024) and by
 * a tenant's ListenerSet (ECDSA on secp256k1), on the port where the Gateway owner serves HTTPS:
 * through a real Envoy over ADS, the owner's listener serves, Envoy never rejects an update, and
 * the listeners that named the bad Secrets say why in their status. Sent to Envoy, either Secret
 * would make it reject the whole secrets response, the owner's certificate with it.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/envoy-ads.js';
import * as fixtures from '../support/fixtures.js';
import { gatewayClass, httpRoute, serviceFor, tlsSecret } from '../support/manifests.js';
import { request } from '../support/http-client.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';
import { TlsMaterial } from '../support/tls-material.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/tls/', import.meta.url));
const CERT = readFileSync(`${FIXTURES}example.crt`, 'utf8');
const KEY = readFileSync(`${FIXTURES}example.key`, 'utf8');

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
interface StatusDocument {
  resources: {
    kind: string;
    metadata: { name: string };
    status?: { listeners?: { name: string; conditions: Condition[] }[] };
  }[];
}

let e2e: PorticoE2E;
let backend: Server;
let port: number;
const material = TlsMaterial.create();

function httpsGet(servername: string) {
  return request(port, '/', { host: servername, tls: { servername, ca: CERT } }).then(
    (r) => `${r.status} ${r.body}`,
    (err: Error) => `refused (${err.message})`,
  );
}

async function listenerCondition(kind: string, name: string, listener: string, type: string) {
  const status = JSON.parse((await request(e2e.debugPort(), '/debug/status')).body) as StatusDocument;
  const object = status.resources.find((r) => r.kind === kind && r.metadata.name === name);
  return object?.status?.listeners?.find((l) => l.name === listener)?.conditions.find((c) => c.type === type);
}

beforeAll(async () => {
  backend = createServer((req, res) => res.end(`served ${req.headers.host}`));
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const rsa1024 = await material.key(['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024']);
  const secp256k1 = await material.key(['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp256k1']);
  const weak = tlsSecret('weak-cert', await material.selfSigned(rsa1024, 'weak.example.com'), rsa1024);
  const tenant = tlsSecret('shop-cert', await material.selfSigned(secp256k1, 'shop.example.com'), secp256k1);
  tenant.metadata.namespace = 'tenant';
  port = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  const https = (name: string, hostname: string, secret: string) => ({
    name,
    port,
    protocol: 'HTTPS',
    hostname,
    tls: { certificateRefs: [{ name: secret }] },
  });
  e2e.write('all.yaml', [
    gatewayClass(),
    fixtures.gateway({
      name: 'gw',
      spec: { allowedListeners: { namespaces: { from: 'All' } } },
      listeners: [https('www', 'www.example.com', 'www-cert'), https('weak', 'weak.example.com', 'weak-cert')],
    }),
    tlsSecret('www-cert', CERT, KEY),
    weak,
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tenant' } },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'ListenerSet',
      metadata: { name: 'shop', namespace: 'tenant', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: {
        parentRef: { name: 'gw', namespace: 'default' },
        listeners: [https('shop', 'shop.example.com', 'shop-cert')],
      },
    },
    tenant,
    ...serviceFor('web', (backend.address() as { port: number }).port),
    httpRoute('web', {
      parentRefs: [{ name: 'gw' }],
      hostnames: ['www.example.com', 'weak.example.com'],
      rules: [{ backendRefs: [{ name: 'web', port: 80 }] }],
    }),
  ]);
  await waitFor(async () => (await httpsGet('www.example.com')).startsWith('200'), {
    timeoutMs: 30_000,
    what: "the Gateway owner's HTTPS listener",
  });
}, 120_000);

afterAll(async () => {
  await e2e?.stop();
  await new Promise((r) => backend?.close(r));
  material.remove();
});

test("the owner's HTTPS listener serves, and Envoy rejected nothing", async () => {
  expect(await httpsGet('www.example.com')).toBe('200 served www.example.com');
  expect(await e2e.rejectedUpdates()).toBe(0);
});

test('the listeners with refused certificates are not served, and say why', async () => {
  // No filter chain matches their names: the handshake fails (the owner's certificate is not for them).
  expect(await httpsGet('weak.example.com')).toMatch(/^refused/);
  expect(await httpsGet('shop.example.com')).toMatch(/^refused/);
  expect(await listenerCondition('Gateway', 'gw', 'weak', 'ResolvedRefs')).toMatchObject({
    status: 'False',
    reason: 'InvalidCertificateRef',
    message: expect.stringContaining('tls.crt has an RSA key of 1024 bits: Envoy requires at least 2048'),
  });
  expect(await listenerCondition('ListenerSet', 'shop', 'shop', 'ResolvedRefs')).toMatchObject({
    status: 'False',
    reason: 'InvalidCertificateRef',
    message: expect.stringContaining('tls.crt has an ECDSA key on curve secp256k1'),
  });
  expect(await listenerCondition('Gateway', 'gw', 'www', 'Programmed')).toMatchObject({ status: 'True' });
});
