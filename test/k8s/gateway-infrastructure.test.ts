/**
 * GatewayInfrastructure against the REAL API server: a Gateway's `spec.infrastructure.labels` and
 * `annotations` on every object the provisioner creates for it (ServiceAccount, ConfigMap,
 * Deployment and its Pod template, Service, xDS client certificate Secret), found by the
 * conformance suite's selector (`gateway.networking.k8s.io/gateway-name`), and gone from them when
 * they are removed from the Gateway.
 */
import { issueCa } from '../../src/infra/kubernetes/certs.js';
import type { XdsCa } from '../../src/infra/kubernetes/certs.js';
import { GatewayProvisioner } from '../../src/infra/kubernetes/reconciler.js';
import { gatewayCertificateSecretName, provisionedName } from '../../src/infra/kubernetes/resources.js';
import type { KubeApi } from '../../src/kube-client/kube-api.js';
import * as fixtures from '../support/fixtures.js';
import { connectTestCluster, create, patch, remove, uniqueName } from './test-cluster.js';

interface Meta {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { template?: Meta };
}

describe('Gateway infrastructure labels and annotations (real API server)', () => {
  let api: KubeApi;
  let namespace: string;
  let ca: XdsCa;
  let provisioner: GatewayProvisioner;
  const gatewayName = 'with-infrastructure';
  const name = provisionedName(gatewayName);
  const paths = () => [
    `/api/v1/namespaces/${namespace}/serviceaccounts/${name}`,
    `/api/v1/namespaces/${namespace}/configmaps/${name}`,
    `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`,
    `/api/v1/namespaces/${namespace}/services/${name}`,
    `/api/v1/namespaces/${namespace}/secrets/${gatewayCertificateSecretName(gatewayName)}`,
  ];
  /** Every provisioned object's metadata, and the Deployment's Pod template's. */
  const metadataOfAll = async () => {
    const out: Meta['metadata'][] = [];
    for (const path of paths()) {
      const object = await api.request<Meta>({ path });
      out.push(object.metadata);
      if (object.spec?.template) out.push(object.spec.template.metadata);
    }
    return out;
  };

  beforeAll(async () => {
    api = (await connectTestCluster()).api;
    namespace = uniqueName('portico-infra');
    await create(api, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    ca = await issueCa();
    provisioner = new GatewayProvisioner({
      api,
      controllerNamespace: 'portico-system',
      xds: { host: 'portico-xds.portico-system.svc', port: 18000 },
      tls: true,
      xdsCa: () => ca,
    });
  });

  afterAll(async () => {
    if (!api) return;
    provisioner?.stop();
    await provisioner?.reconcile([]);
    await remove(api, 'Gateway', gatewayName, namespace);
    await remove(api, 'Namespace', namespace);
  });

  it('puts them on every provisioned object and the Pods, and takes away what the Gateway no longer has', async () => {
    const gateway = await create(
      api,
      fixtures.gateway({
        name: gatewayName,
        namespace,
        spec: {
          infrastructure: {
            labels: { key2: 'value2', 'example.com/team': 'edge' },
            annotations: { key1: 'value1', 'example.com/note': 'kept while the Gateway says so' },
          },
        },
      }),
    );
    expect((await provisioner.reconcile([gateway])).errors).toEqual([]);

    const all = await metadataOfAll();
    expect(all).toHaveLength(6);
    for (const metadata of all) {
      expect(metadata.labels).toMatchObject({ key2: 'value2', 'example.com/team': 'edge' });
      expect(metadata.annotations).toMatchObject({
        key1: 'value1',
        'example.com/note': 'kept while the Gateway says so',
      });
      expect(metadata.labels?.['gateway.networking.k8s.io/gateway-name']).toBe(gatewayName);
    }
    // What the conformance test lists by.
    const selected = await api.request<{ items: Meta[] }>({
      path: `/api/v1/namespaces/${namespace}/serviceaccounts`,
      query: { labelSelector: `gateway.networking.k8s.io/gateway-name=${gatewayName}` },
    });
    expect(selected.items).toHaveLength(1);
    expect(selected.items[0]!.metadata.labels).toMatchObject({ key2: 'value2' });

    // One label and one annotation removed, one changed.
    const changed = await patch(api, 'Gateway', gatewayName, namespace, {
      spec: {
        infrastructure: {
          labels: { key2: 'changed', 'example.com/team': null },
          annotations: { 'example.com/note': null },
        },
      },
    });
    expect((await provisioner.reconcile([changed])).errors).toEqual([]);
    for (const metadata of await metadataOfAll()) {
      expect(metadata.labels?.key2).toBe('changed');
      expect(metadata.labels).not.toHaveProperty('example.com/team');
      expect(metadata.annotations?.key1).toBe('value1');
      expect(metadata.annotations ?? {}).not.toHaveProperty('example.com/note');
    }

    // All of it removed: Portico's own labels stay.
    const bare = await patch(api, 'Gateway', gatewayName, namespace, { spec: { infrastructure: null } });
    expect((await provisioner.reconcile([bare])).errors).toEqual([]);
    for (const metadata of await metadataOfAll()) {
      expect(metadata.labels).not.toHaveProperty('key2');
      expect(metadata.annotations ?? {}).not.toHaveProperty('key1');
      expect(metadata.labels?.['app.kubernetes.io/managed-by']).toBe('portico');
    }
  });
});
