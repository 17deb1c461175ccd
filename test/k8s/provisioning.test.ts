/**
 * Provisioning against the REAL API server (`make k8s-up`): `portico certgen` into a Portico
 * namespace, then the reconciler for Gateways in another namespace — ServiceAccount, ConfigMap
 * (bootstrap), Deployment, Service and the Gateway's own xDS client certificate Secret (naming it
 * in a URI SAN, mounted by its Deployment only, renewed when due), owned by the Gateway; the
 * bootstrap passes the proto round trip and a real `envoy --mode validate`; status.addresses from
 * the Service; and everything removed when the Gateway goes (this API server has no garbage
 * collector).
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { concat, NEVER, of } from 'rxjs';
import { runCertgenCommand } from '../../src/cli/certgen-command.js';
import { findEnvoy } from '../../src/infra/envoy-binary.js';
import { gatewayAddresses, withGatewayAddresses } from '../../src/infra/kubernetes/addresses.js';
import { GatewayProvisioner } from '../../src/infra/kubernetes/reconciler.js';
import {
  BOOTSTRAP_TYPE_URL,
  gatewayCertificateSecretName,
  provisionedBootstrap,
  provisionedName,
} from '../../src/infra/kubernetes/resources.js';
import type { XdsCa } from '../../src/infra/kubernetes/certs.js';
import { isNotFound, MERGE_PATCH } from '../../src/kube-client/kube-api.js';
import type { KubeApi } from '../../src/kube-client/kube-api.js';
import { checkRoundTrip } from '../../src/proto/codec.js';
import type { KubeObject } from '../../src/resources/types.js';
import * as fixtures from '../support/fixtures.js';
import { connectTestCluster, create, remove, uniqueName } from './test-cluster.js';
import type { TestCluster } from './test-cluster.js';

const run = promisify(execFile);

interface Owned extends KubeObject {
  metadata: KubeObject['metadata'] & {
    ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
    labels?: Record<string, string>;
  };
  data?: Record<string, string>;
  type?: string;
}

async function getOrUndefined(api: KubeApi, path: string): Promise<Owned | undefined> {
  try {
    return await api.request<Owned>({ path });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

function quietIo(): {
  stdout: { write: (s: string) => boolean };
  stderr: { write: (s: string) => boolean };
  text: () => string;
} {
  let text = '';
  const write = (s: string): boolean => ((text += s), true);
  return { stdout: { write }, stderr: { write }, text: () => text };
}

describe('provisioning Envoy per Gateway (real API server)', () => {
  let cluster: TestCluster;
  let api: KubeApi;
  let controllerNs: string;
  let gatewayNs: string;
  let gateway: KubeObject;
  let other: KubeObject;
  let provisioner: GatewayProvisioner;
  /** The provisioner's clock: the real one unless a test moves it. */
  let now: Date | undefined;
  const gatewayName = 'public';
  const otherName = 'internal.example.com';
  const name = provisionedName(gatewayName);
  let ca: XdsCa | undefined;
  const paths = () => ({
    ServiceAccount: `/api/v1/namespaces/${gatewayNs}/serviceaccounts/${name}`,
    ConfigMap: `/api/v1/namespaces/${gatewayNs}/configmaps/${name}`,
    Deployment: `/apis/apps/v1/namespaces/${gatewayNs}/deployments/${name}`,
    Service: `/api/v1/namespaces/${gatewayNs}/services/${name}`,
    Secret: `/api/v1/namespaces/${gatewayNs}/secrets/${gatewayCertificateSecretName(gatewayName)}`,
  });
  const otherSecretPath = () => `/api/v1/namespaces/${gatewayNs}/secrets/${gatewayCertificateSecretName(otherName)}`;
  const otherDeploymentPath = () => `/apis/apps/v1/namespaces/${gatewayNs}/deployments/${provisionedName(otherName)}`;
  /** The certificate in a Gateway's Secret. */
  const certificateOf = async (path: string): Promise<X509Certificate> =>
    new X509Certificate(Buffer.from((await getOrUndefined(api, path))!.data!['tls.crt']!, 'base64'));
  const settings = () => ({ xds: { host: `portico-xds.${controllerNs}.svc`, port: 18000 }, tls: true });

  beforeAll(async () => {
    cluster = await connectTestCluster();
    api = cluster.api;
    controllerNs = uniqueName('portico-prov-sys');
    gatewayNs = uniqueName('portico-prov-gw');
    for (const ns of [controllerNs, gatewayNs]) {
      await create(api, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
    gateway = await create(
      api,
      fixtures.gateway({
        name: gatewayName,
        namespace: gatewayNs,
        listeners: [
          fixtures.listener('http', 80),
          fixtures.listener('alt', 8080, { hostname: 'a.example.com' }),
          fixtures.listener('alt-b', 8080, { hostname: 'b.example.com' }),
        ],
      }),
    );
    other = await create(
      api,
      fixtures.gateway({ name: otherName, namespace: gatewayNs, listeners: [fixtures.listener('http', 80)] }),
    );
    provisioner = new GatewayProvisioner({
      api,
      controllerNamespace: controllerNs,
      ...settings(),
      // What Portico reads from its --xds-ca-dir mount: here, the Secret certgen wrote.
      xdsCa: () => {
        if (!ca) throw new Error('certgen has not run');
        return ca;
      },
      now: () => now ?? new Date(),
    });
  });

  afterAll(async () => {
    if (!api) return;
    provisioner?.stop();
    await remove(api, 'Gateway', gatewayName, gatewayNs);
    await remove(api, 'Gateway', otherName, gatewayNs);
    for (const path of [...Object.values(paths()), otherSecretPath(), otherDeploymentPath()]) {
      await api.request({ method: 'DELETE', path }).catch(() => undefined);
    }
    for (const ns of [controllerNs, gatewayNs]) await remove(api, 'Namespace', ns);
  });

  it('certgen writes the xDS Secrets, and keeps them on a second run', async () => {
    const args = ['--kubeconfig', cluster.kubeconfig, '--namespace', controllerNs];
    const first = quietIo();
    expect(await runCertgenCommand(args, first as never)).toBe(0);
    expect(first.text()).toMatch(/issued/);
    const server = await getOrUndefined(api, `/api/v1/namespaces/${controllerNs}/secrets/portico-xds-server`);
    const caSecret = await getOrUndefined(api, `/api/v1/namespaces/${controllerNs}/secrets/portico-xds-ca`);
    for (const secret of [server, caSecret]) {
      expect(secret?.type).toBe('kubernetes.io/tls');
      expect(Object.keys(secret?.data ?? {}).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    }
    // No shared client certificate any more.
    expect(await getOrUndefined(api, `/api/v1/namespaces/${controllerNs}/secrets/portico-xds-client`)).toBeUndefined();
    const decode = (field: string) => Buffer.from(caSecret!.data![field]!, 'base64').toString('utf8');
    ca = { cert: decode('tls.crt'), key: decode('tls.key') };
    const second = quietIo();
    expect(await runCertgenCommand(args, second as never)).toBe(0);
    expect(second.text()).toMatch(/kept the existing certificates/);
    const again = await getOrUndefined(api, `/api/v1/namespaces/${controllerNs}/secrets/portico-xds-server`);
    expect(again?.metadata.resourceVersion).toBe(server?.metadata.resourceVersion);
  });

  it('creates the ServiceAccount, ConfigMap, Deployment, Service and client Secret, owned by the Gateway', async () => {
    // What an older Portico left: a copy of the shared client certificate. It goes.
    await create(api, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'portico-xds-client',
        namespace: gatewayNs,
        labels: { 'app.kubernetes.io/managed-by': 'portico', 'app.kubernetes.io/component': 'envoy' },
      },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': '', 'tls.key': '' },
    } as KubeObject);
    const result = await provisioner.reconcile([gateway]);
    expect(result.errors).toEqual([]);
    for (const [kind, path] of Object.entries(paths())) {
      const object = await getOrUndefined(api, path);
      expect({ kind, found: object !== undefined }).toEqual({ kind, found: true });
      expect(object!.metadata.ownerReferences).toEqual([
        expect.objectContaining({
          kind: 'Gateway',
          name: gatewayName,
          uid: gateway.metadata.uid,
          controller: true,
        }),
      ]);
      expect(object!.metadata.labels?.['gateway.networking.k8s.io/gateway-name']).toBe(gatewayName);
    }
    expect(await getOrUndefined(api, `/api/v1/namespaces/${gatewayNs}/secrets/portico-xds-client`)).toBeUndefined();

    const service = (await getOrUndefined(api, paths().Service)) as unknown as {
      spec: { type: string; ports: { port: number; targetPort: number }[]; clusterIP: string };
    };
    expect(service.spec.type).toBe('LoadBalancer');
    expect(service.spec.ports.map((p) => [p.port, p.targetPort])).toEqual([
      [80, 80],
      [8080, 8080],
    ]);

    const deployment = (await getOrUndefined(api, paths().Deployment)) as unknown as {
      spec: {
        template: {
          spec: {
            containers: {
              image: string;
              args: string[];
              ports: { containerPort: number }[];
              readinessProbe: unknown;
            }[];
            volumes: { secret?: { secretName: string }; configMap?: { name: string } }[];
          };
        };
      };
    };
    const container = deployment.spec.template.spec.containers[0]!;
    expect(container.image).toMatch(/^envoyproxy\/envoy:v\d/);
    expect(container.args.slice(0, 2)).toEqual(['-c', '/etc/envoy/bootstrap.json']);
    // The Gateway's listeners, readiness, Prometheus stats.
    expect(container.ports.map((p) => p.containerPort)).toEqual([80, 8080, 19902, 19001]);
    expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/ready', port: 19902 } });
    expect(deployment.spec.template.spec.volumes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ configMap: expect.objectContaining({ name }) }),
        expect.objectContaining({ secret: expect.objectContaining({ secretName: `${name}-xds` }) }),
      ]),
    );

    // The Gateway's own certificate, signed by the CA certgen kept, naming this Gateway only.
    const secret = await getOrUndefined(api, paths().Secret);
    expect(secret?.type).toBe('kubernetes.io/tls');
    const certificate = await certificateOf(paths().Secret);
    expect(certificate.verify(new X509Certificate(ca!.cert).publicKey)).toBe(true);
    expect(certificate.subjectAltName).toBe(`URI:spiffe://portico.dev/ns/${gatewayNs}/gateway/${gatewayName}`);

    // Applying again changes nothing.
    const before = await getOrUndefined(api, paths().Deployment);
    expect((await provisioner.reconcile([gateway])).errors).toEqual([]);
    expect((await getOrUndefined(api, paths().Deployment))?.metadata.resourceVersion).toBe(
      before?.metadata.resourceVersion,
    );
  });

  it('puts a bootstrap in the ConfigMap that round-trips through the proto schema and that Envoy validates', async () => {
    const configMap = await getOrUndefined(api, paths().ConfigMap);
    const text = configMap?.data?.['bootstrap.json'];
    expect(typeof text).toBe('string');
    const json = JSON.parse(text!) as {
      node: { cluster: string };
      static_resources: { clusters: { name: string; transport_socket?: unknown; type: string }[] };
    };
    expect(json.node.cluster).toBe(`${gatewayNs}/${gatewayName}`);
    const xdsCluster = json.static_resources.clusters.find((c) => c.name === 'portico-xds')!;
    expect(xdsCluster.type).toBe('STRICT_DNS');
    expect(JSON.stringify(xdsCluster)).toContain(`portico-xds.${controllerNs}.svc`);
    // The certificate is read through SDS files that watch the Secret mount: a renewal is picked up.
    expect(xdsCluster.transport_socket).toMatchObject({
      typed_config: {
        common_tls_context: {
          tls_certificate_sds_secret_configs: [
            { sds_config: { path_config_source: { path: '/etc/envoy/xds-client-sds.json' } } },
          ],
        },
      },
    });
    expect(configMap?.data?.['xds-client-sds.json']).toContain('"watched_directory"');
    expect(checkRoundTrip(BOOTSTRAP_TYPE_URL, provisionedBootstrap(gateway, settings()))).toEqual([]);

    // Envoy itself accepts it (certificate files from the client Secret, at a local path).
    const dir = mkdtempSync(join(tmpdir(), 'portico-prov-envoy-'));
    try {
      const secret = await getOrUndefined(api, paths().Secret);
      mkdirSync(join(dir, 'tls'));
      for (const [file, value] of Object.entries(secret!.data!)) {
        writeFileSync(join(dir, 'tls', file), Buffer.from(value, 'base64'));
      }
      const local = (content: string) =>
        content.replaceAll('/etc/portico/xds-tls', join(dir, 'tls')).replaceAll('/etc/envoy', dir);
      for (const key of ['xds-client-sds.json', 'xds-ca-sds.json']) {
        writeFileSync(join(dir, key), local(configMap!.data![key]!));
      }
      writeFileSync(join(dir, 'bootstrap.json'), local(text!));
      const { stdout, stderr } = await run(findEnvoy(), [
        '--mode',
        'validate',
        '-c',
        join(dir, 'bootstrap.json'),
        '--service-node',
        `${gatewayNs}/${gatewayName}/pod-1`,
      ]).catch((err: { stdout?: string; stderr?: string }) => {
        throw new Error(`envoy --mode validate failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
      });
      expect(`${stdout}${stderr}`).toMatch(/OK/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("gives each Gateway its own certificate, mounted by that Gateway's Deployment only", async () => {
    expect((await provisioner.reconcile([gateway, other])).errors).toEqual([]);
    const mine = await certificateOf(paths().Secret);
    const theirs = await certificateOf(otherSecretPath());
    expect(theirs.subjectAltName).toBe(`URI:spiffe://portico.dev/ns/${gatewayNs}/gateway/${otherName}`);
    expect(theirs.serialNumber).not.toBe(mine.serialNumber);
    const volumesOf = async (path: string) =>
      (
        (await getOrUndefined(api, path)) as unknown as {
          spec: { template: { spec: { volumes: { secret?: { secretName: string } }[] } } };
        }
      ).spec.template.spec.volumes
        .filter((v) => v.secret)
        .map((v) => v.secret!.secretName);
    expect(await volumesOf(paths().Deployment)).toEqual([gatewayCertificateSecretName(gatewayName)]);
    expect(await volumesOf(otherDeploymentPath())).toEqual([gatewayCertificateSecretName(otherName)]);
    const secrets = await api.request<{ items: Owned[] }>({
      path: `/api/v1/namespaces/${gatewayNs}/secrets`,
      query: { labelSelector: 'app.kubernetes.io/managed-by=portico' },
    });
    expect(secrets.items.map((item) => item.metadata.name).sort()).toEqual(
      [gatewayCertificateSecretName(gatewayName), gatewayCertificateSecretName(otherName)].sort(),
    );
  });

  it('keeps a certificate that is not due, and renews it with under a day left', async () => {
    const before = await getOrUndefined(api, paths().Secret);
    const first = await certificateOf(paths().Secret);
    expect((await provisioner.reconcile([gateway, other])).errors).toEqual([]);
    expect((await getOrUndefined(api, paths().Secret))?.metadata.resourceVersion).toBe(
      before?.metadata.resourceVersion,
    );

    // A day and an hour later: less than a day of the 2-day certificate is left.
    now = new Date(Date.now() + 25 * 3_600_000);
    expect((await provisioner.reconcile([gateway, other])).errors).toEqual([]);
    const renewed = await certificateOf(paths().Secret);
    expect(renewed.serialNumber).not.toBe(first.serialNumber);
    expect(renewed.subjectAltName).toBe(first.subjectAltName);
    expect(renewed.verify(new X509Certificate(ca!.cert).publicKey)).toBe(true);
    // openssl dates certificates to the second, from the real clock: both may be issued in one second.
    expect(new Date(renewed.validTo).getTime()).toBeGreaterThanOrEqual(new Date(first.validTo).getTime());
    now = undefined;
  });

  it('renews a due certificate with no change of input (a quiet cluster)', async () => {
    // A running provisioner, as `serve` starts it, fed one output that never changes.
    let clock = new Date();
    const running = new GatewayProvisioner({
      api,
      controllerNamespace: controllerNs,
      ...settings(),
      xdsCa: () => ca!,
      now: () => clock,
      certificateCheckMs: 200,
    });
    const input = {
      gateways: [{ name: `${gatewayNs}/${gatewayName}` }, { name: `${gatewayNs}/${otherName}` }],
      resources: [gateway, other],
    };
    running.start(concat(of(input), NEVER), of(true));
    try {
      await running.idle();
      const first = await certificateOf(paths().Secret);
      // A day and an hour later, and nothing changed: the certificate is renewed all the same.
      clock = new Date(Date.now() + 25 * 3_600_000);
      let renewed = first;
      for (let i = 0; i < 100 && renewed.serialNumber === first.serialNumber; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        renewed = await certificateOf(paths().Secret);
      }
      expect(renewed.serialNumber).not.toBe(first.serialNumber);
      expect(renewed.subjectAltName).toBe(first.subjectAltName);
    } finally {
      running.stop();
      // A pass already under way finishes: let it, before other tests change the cluster.
      await running.idle();
    }
  });

  it('derives status.addresses from the Service: cluster IP, then load balancer ingress', async () => {
    const service = (await getOrUndefined(api, paths().Service))!;
    const clusterIp = (service.spec as { clusterIP: string }).clusterIP;
    expect(clusterIp).toMatch(/^10\.96\./);
    expect(gatewayAddresses(service)).toEqual([{ type: 'IPAddress', value: clusterIp }]);

    // No load-balancer controller here: play one through the status subresource.
    const withIngress = await api.request<Owned>({
      method: 'PATCH',
      path: `${paths().Service}/status`,
      contentType: MERGE_PATCH,
      body: { status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }, { hostname: 'lb.example.com' }] } } },
    });
    expect(gatewayAddresses(withIngress)).toEqual([
      { type: 'IPAddress', value: '203.0.113.7' },
      { type: 'Hostname', value: 'lb.example.com' },
    ]);

    const report = withGatewayAddresses(
      {
        synced: true,
        errors: [],
        warnings: [],
        resources: [
          {
            apiVersion: 'gateway.networking.k8s.io/v1',
            kind: 'Gateway',
            metadata: { name: gatewayName, namespace: gatewayNs, generation: 1 },
            status: { conditions: [] },
          },
          {
            apiVersion: 'gateway.networking.k8s.io/v1',
            kind: 'Gateway',
            metadata: { name: 'not-provisioned', namespace: gatewayNs, generation: 1 },
            status: { conditions: [] },
          },
        ],
      },
      (namespace, serviceName) =>
        namespace === gatewayNs && serviceName === name ? (withIngress as KubeObject) : undefined,
    );
    expect(report.resources[0]!.status).toEqual({
      conditions: [],
      addresses: [
        { type: 'IPAddress', value: '203.0.113.7' },
        { type: 'Hostname', value: 'lb.example.com' },
      ],
    });
    expect(report.resources[1]!.status).toEqual({ conditions: [] });
  });

  it("removes everything when the Gateway is gone, and keeps certgen's Secrets", async () => {
    await remove(api, 'Gateway', gatewayName, gatewayNs);
    await remove(api, 'Gateway', otherName, gatewayNs);
    const result = await provisioner.reconcile([]);
    expect(result.errors).toEqual([]);
    for (const [kind, path] of Object.entries({ ...paths(), other: otherSecretPath() })) {
      expect({ kind, found: (await getOrUndefined(api, path)) !== undefined }).toEqual({ kind, found: false });
    }
    expect(await getOrUndefined(api, `/api/v1/namespaces/${controllerNs}/secrets/portico-xds-ca`)).toBeDefined();
    expect(await getOrUndefined(api, `/api/v1/namespaces/${controllerNs}/secrets/portico-xds-server`)).toBeDefined();
    // Idempotent.
    expect(await provisioner.reconcile([])).toEqual({ applied: [], deleted: [], errors: [] });
  });
});
