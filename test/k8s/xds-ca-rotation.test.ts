/**
 * A rotation of the xDS CA against the REAL API server: `portico certgen --rotate begin|switch|
 * finish` on the Secrets of a Portico namespace, and the provisioner (reading the CA as Portico
 * reads its mount) passing over a Gateway after each step. During the transition the Gateway's
 * Secret trusts both CAs (`ca.crt`, which its Envoy reads for the server certificate) while its
 * certificate stays; after `switch` its certificate is reissued by the new CA, still trusting
 * both; after `finish` it trusts the new CA alone. certgen refuses a step whose predecessor has
 * not reached the Gateways' Secrets yet.
 */
import { X509Certificate } from 'node:crypto';
import { runCertgenCommand } from '../../src/cli/certgen-command.js';
import { splitPem } from '../../src/infra/kubernetes/ca-bundle.js';
import type { XdsCa } from '../../src/infra/kubernetes/certs.js';
import { GatewayProvisioner } from '../../src/infra/kubernetes/reconciler.js';
import { gatewayCertificateSecretName, provisionedName } from '../../src/infra/kubernetes/resources.js';
import type { KubeApi } from '../../src/kube-client/kube-api.js';
import type { KubeObject } from '../../src/resources/types.js';
import * as fixtures from '../support/fixtures.js';
import { connectTestCluster, create, remove, uniqueName } from './test-cluster.js';
import type { TestCluster } from './test-cluster.js';

interface SecretObject {
  metadata: { name: string; namespace: string };
  data?: Record<string, string>;
}

let cluster: TestCluster;
let api: KubeApi;
let controllerNs: string;
let gatewayNs: string;
let gateway: KubeObject;
const gatewayName = 'edge';

async function secretFiles(namespace: string, name: string): Promise<Record<string, string>> {
  const secret = await api.request<SecretObject>({ path: `/api/v1/namespaces/${namespace}/secrets/${name}` });
  return Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
  );
}

/** What Portico reads from its `--xds-ca-dir` mount: the Secret certgen wrote. */
async function mountedCa(): Promise<XdsCa> {
  const files = await secretFiles(controllerNs, 'portico-xds-ca');
  return { cert: files['tls.crt']!, key: files['tls.key']!, trust: files['ca.crt']! };
}

const gatewaySecret = () => secretFiles(gatewayNs, gatewayCertificateSecretName(gatewayName));
const serialsOf = (bundle: string) => splitPem(bundle).map((pem) => new X509Certificate(pem).serialNumber);
const signedBy = (cert: string, ca: string) => new X509Certificate(cert).verify(new X509Certificate(ca).publicKey);

async function certgen(...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const sink = { write: (s: string) => ((out += s), true) };
  const code = await runCertgenCommand(['--kubeconfig', cluster.kubeconfig, '--namespace', controllerNs, ...args], {
    stdout: sink,
    stderr: sink,
  } as never);
  return { code, out };
}

/** One provisioning pass, with the CA as mounted now. */
async function pass(): Promise<void> {
  const ca = await mountedCa();
  const provisioner = new GatewayProvisioner({
    api,
    controllerNamespace: controllerNs,
    xds: { host: `portico-xds.${controllerNs}.svc`, port: 18000 },
    tls: true,
    xdsCa: () => ca,
  });
  const result = await provisioner.reconcile([gateway]);
  expect(result.errors).toEqual([]);
}

beforeAll(async () => {
  cluster = await connectTestCluster();
  api = cluster.api;
  controllerNs = uniqueName('portico-rot-sys');
  gatewayNs = uniqueName('portico-rot-gw');
  for (const ns of [controllerNs, gatewayNs]) {
    await create(api, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  }
  gateway = await create(
    api,
    fixtures.gateway({ name: gatewayName, namespace: gatewayNs, listeners: [fixtures.listener('http', 80)] }),
  );
});

afterAll(async () => {
  if (!api) return;
  // This API server has no garbage collector: what was provisioned is deleted here.
  const name = provisionedName(gatewayName);
  for (const path of [
    `/api/v1/namespaces/${gatewayNs}/serviceaccounts/${name}`,
    `/api/v1/namespaces/${gatewayNs}/configmaps/${name}`,
    `/apis/apps/v1/namespaces/${gatewayNs}/deployments/${name}`,
    `/api/v1/namespaces/${gatewayNs}/services/${name}`,
    `/api/v1/namespaces/${gatewayNs}/secrets/${gatewayCertificateSecretName(gatewayName)}`,
  ]) {
    await api.request({ method: 'DELETE', path }).catch(() => undefined);
  }
  await remove(api, 'Gateway', gatewayName, gatewayNs);
  for (const ns of [controllerNs, gatewayNs]) await remove(api, 'Namespace', ns);
});

test("the provisioner writes both CAs into the Gateway's Secret during a rotation, and certgen waits for it", async () => {
  expect((await certgen()).code).toBe(0);
  await pass();
  const oldCa = (await mountedCa()).cert;
  const first = await gatewaySecret();
  expect(serialsOf(first['ca.crt']!)).toEqual(serialsOf(oldCa));
  expect(signedBy(first['tls.crt']!, oldCa)).toBe(true);

  // begin: both CAs trusted, by the server and (once Portico passed) by the Gateway's Envoys.
  const begin = await certgen('--rotate', 'begin');
  expect(begin).toMatchObject({ code: 0, out: expect.stringMatching(/step 1 of 3/) });
  const newCa = (await secretFiles(controllerNs, 'portico-xds-ca'))['next.crt']!;
  const both = serialsOf(oldCa + newCa);
  expect(serialsOf((await secretFiles(controllerNs, 'portico-xds-server'))['ca.crt']!)).toEqual(both);
  // Before Portico has passed, the switch is refused: this Envoy would not trust the new server certificate.
  const early = await certgen('--rotate', 'switch');
  expect(early.code).toBe(1);
  expect(early.out).toContain(
    `do not trust the new CA yet (${gatewayNs}/${gatewayCertificateSecretName(gatewayName)})`,
  );
  await pass();
  const trusting = await gatewaySecret();
  expect(serialsOf(trusting['ca.crt']!)).toEqual(both);
  // The certificate itself stays (the old CA still signs, and is trusted).
  expect(trusting['tls.crt']).toBe(first['tls.crt']);
  expect(trusting['tls.key']).toBe(first['tls.key']);

  // switch: the new CA signs; still both trusted.
  const switched = await certgen('--rotate', 'switch');
  expect(switched).toMatchObject({ code: 0, out: expect.stringMatching(/step 2 of 3/) });
  const caSecret = await secretFiles(controllerNs, 'portico-xds-ca');
  expect(caSecret['tls.crt']).toBe(newCa);
  expect(Object.keys(caSecret).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
  expect(signedBy((await secretFiles(controllerNs, 'portico-xds-server'))['tls.crt']!, newCa)).toBe(true);
  // Before Portico has reissued the Gateway's certificate, finish is refused: it would be cut off.
  const tooSoon = await certgen('--rotate', 'finish');
  expect(tooSoon.code).toBe(1);
  expect(tooSoon.out).toContain('hold a certificate the new CA did not sign');
  await pass();
  const reissued = await gatewaySecret();
  expect(signedBy(reissued['tls.crt']!, newCa)).toBe(true);
  expect(serialsOf(reissued['ca.crt']!)).toEqual(both);

  // finish: the new CA alone, on both ends; the certificate stays.
  expect(await certgen('--rotate', 'finish')).toMatchObject({ code: 0, out: expect.stringMatching(/step 3 of 3/) });
  expect(serialsOf((await secretFiles(controllerNs, 'portico-xds-server'))['ca.crt']!)).toEqual(serialsOf(newCa));
  await pass();
  const done = await gatewaySecret();
  expect(serialsOf(done['ca.crt']!)).toEqual(serialsOf(newCa));
  expect(done['tls.crt']).toBe(reissued['tls.crt']);
}, 60_000);
