/**
 * Provisioning against the REAL API server (`make k8s-up`): `portico certgen` into a Portico
 * namespace, then the reconciler for a Gateway in another namespace — ServiceAccount, ConfigMap
 * (bootstrap), Deployment, Service and the client Secret copy, owned by the Gateway; the bootstrap
 * passes the proto round trip and a real `envoy --mode validate`; status.addresses from the
 * Service; and everything removed when the Gateway goes (this API server has no garbage collector).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCertgenCommand } from '../../src/cli/certgen-command.js';
import { findEnvoy } from '../../src/infra/envoy-binary.js';
import { gatewayAddresses, withGatewayAddresses } from '../../src/infra/kubernetes/addresses.js';
import { GatewayProvisioner } from '../../src/infra/kubernetes/reconciler.js';
import { BOOTSTRAP_TYPE_URL, provisionedBootstrap, provisionedName } from '../../src/infra/kubernetes/resources.js';
import { isNotFound, MERGE_PATCH } from '../../src/k8s/kube-api.js';
import type { KubeApi } from '../../src/k8s/kube-api.js';
import { checkRoundTrip } from '../../src/proto/codec.js';
import type { KubeObject } from '../../src/resources/types.js';
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
  let provisioner: GatewayProvisioner;
  const gatewayName = 'public';
  const name = provisionedName(gatewayName);
  const paths = () => ({
    ServiceAccount: `/api/v1/namespaces/${gatewayNs}/serviceaccounts/${name}`,
    ConfigMap: `/api/v1/namespaces/${gatewayNs}/configmaps/${name}`,
    Deployment: `/apis/apps/v1/namespaces/${gatewayNs}/deployments/${name}`,
    Service: `/api/v1/namespaces/${gatewayNs}/services/${name}`,
    Secret: `/api/v1/namespaces/${gatewayNs}/secrets/portico-xds-client`,
  });
  const settings = () => ({ xds: { host: `portico-xds.${controllerNs}.svc`, port: 18000 }, tls: true });

  beforeAll(async () => {
    cluster = await connectTestCluster();
    api = cluster.api;
    controllerNs = uniqueName('portico-prov-sys');
    gatewayNs = uniqueName('portico-prov-gw');
    for (const ns of [controllerNs, gatewayNs]) {
      await create(api, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
    gateway = await create(api, {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: gatewayName, namespace: gatewayNs },
      spec: {
        gatewayClassName: 'portico',
        listeners: [
          { name: 'http', port: 80, protocol: 'HTTP' },
          { name: 'alt', port: 8080, protocol: 'HTTP', hostname: 'a.example.com' },
          { name: 'alt-b', port: 8080, protocol: 'HTTP', hostname: 'b.example.com' },
        ],
      },
    });
    provisioner = new GatewayProvisioner({ api, controllerNamespace: controllerNs, ...settings() });
  });

  afterAll(async () => {
    if (!api) return;
    provisioner?.stop();
    await remove(api, 'Gateway', gatewayName, gatewayNs);
    for (const path of Object.values(paths())) {
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
    const client = await getOrUndefined(api, `/api/v1/namespaces/${controllerNs}/secrets/portico-xds-client`);
    for (const secret of [server, client]) {
      expect(secret?.type).toBe('kubernetes.io/tls');
      expect(Object.keys(secret?.data ?? {}).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    }
    const second = quietIo();
    expect(await runCertgenCommand(args, second as never)).toBe(0);
    expect(second.text()).toMatch(/kept the existing certificates/);
    const again = await getOrUndefined(api, `/api/v1/namespaces/${controllerNs}/secrets/portico-xds-server`);
    expect(again?.metadata.resourceVersion).toBe(server?.metadata.resourceVersion);
  });

  it('creates the ServiceAccount, ConfigMap, Deployment, Service and client Secret, owned by the Gateway', async () => {
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
          controller: kind !== 'Secret',
        }),
      ]);
      if (kind !== 'Secret') {
        expect(object!.metadata.labels?.['gateway.networking.k8s.io/gateway-name']).toBe(gatewayName);
      }
    }

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
    expect(container.ports.map((p) => p.containerPort)).toEqual([80, 8080, 19902]);
    expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/ready', port: 19902 } });
    expect(deployment.spec.template.spec.volumes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ configMap: expect.objectContaining({ name }) }),
        expect.objectContaining({ secret: expect.objectContaining({ secretName: 'portico-xds-client' }) }),
      ]),
    );

    // The client certificate copy is the original's.
    const original = await getOrUndefined(api, `/api/v1/namespaces/${controllerNs}/secrets/portico-xds-client`);
    const copy = await getOrUndefined(api, paths().Secret);
    expect(copy?.data).toEqual(original?.data);
    expect(copy?.type).toBe('kubernetes.io/tls');

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
    expect(xdsCluster.transport_socket).toMatchObject({
      typed_config: {
        common_tls_context: { tls_certificates: [{ private_key: { filename: '/etc/portico/xds-tls/tls.key' } }] },
      },
    });
    expect(checkRoundTrip(BOOTSTRAP_TYPE_URL, provisionedBootstrap(gateway, settings()))).toEqual([]);

    // Envoy itself accepts it (certificate files from the client Secret, at a local path).
    const dir = mkdtempSync(join(tmpdir(), 'portico-prov-envoy-'));
    try {
      const secret = await getOrUndefined(api, paths().Secret);
      mkdirSync(join(dir, 'tls'));
      for (const [file, value] of Object.entries(secret!.data!)) {
        writeFileSync(join(dir, 'tls', file), Buffer.from(value, 'base64'));
      }
      const local = text!.replaceAll('/etc/portico/xds-tls', join(dir, 'tls'));
      writeFileSync(join(dir, 'bootstrap.json'), local);
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

  it('removes everything when the Gateway is gone, and keeps the original client Secret', async () => {
    await remove(api, 'Gateway', gatewayName, gatewayNs);
    const result = await provisioner.reconcile([]);
    expect(result.errors).toEqual([]);
    for (const [kind, path] of Object.entries(paths())) {
      expect({ kind, found: (await getOrUndefined(api, path)) !== undefined }).toEqual({ kind, found: false });
    }
    expect(await getOrUndefined(api, `/api/v1/namespaces/${controllerNs}/secrets/portico-xds-client`)).toBeDefined();
    // Idempotent.
    expect(await provisioner.reconcile([])).toEqual({ applied: [], deleted: [], errors: [] });
  });
});
