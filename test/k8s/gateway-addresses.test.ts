/**
 * A Gateway's `spec.addresses` through the provisioner, against the REAL API server (its Service
 * CIDR is 10.96.0.0/16; its `kubernetes` Service holds 10.96.0.1): a free IP of the Service CIDR
 * becomes the Service's cluster IP, one in use is AddressNotUsable (what the suite's
 * GatewayStaticAddresses checks, with the addresses the lead's cluster passes it), a change of
 * cluster IP recreates the Service, an IP outside the CIDR asks the load balancer, an empty value
 * takes what the Service gets (GatewayAddressEmpty); with the v1.7.0 Gateway CRD, routability
 * (Cluster makes a ClusterIP Service, the conformance sentinel is reported as asked, other values
 * are not assigned) in status.addresses.
 */
import { readFileSync } from 'node:fs';
import { withGatewayAddresses } from '../../src/infra/kubernetes/addresses.js';
import { GatewayProvisioner } from '../../src/infra/kubernetes/reconciler.js';
import { provisionedName } from '../../src/infra/kubernetes/resources.js';
import { APPLY_PATCH, MERGE_PATCH } from '../../src/kube-client/kube-api.js';
import type { KubeApi } from '../../src/kube-client/kube-api.js';
import type { Condition, KubeObject } from '../../src/resources/types.js';
import * as fixtures from '../support/fixtures.js';
import { connectTestCluster, create, eventually, get, patch, remove, uniqueName } from './test-cluster.js';
import { parse } from 'yaml';

interface ServiceView {
  metadata: { uid: string };
  spec: { type: string; clusterIP: string; loadBalancerIP?: string };
}

describe('Gateway spec.addresses through the provisioner (real API server)', () => {
  let api: KubeApi;
  let namespace: string;
  let provisioner: GatewayProvisioner;
  const gatewayName = 'static';
  const name = provisionedName(gatewayName);
  /** Free cluster IPs of the Service CIDR's static band, different on each run. */
  const base = 100 + Math.floor(Math.random() * 100);
  const usable = `10.96.0.${base}`;
  const other = `10.96.0.${base + 1}`;
  const servicePath = () => `/api/v1/namespaces/${namespace}/services/${name}`;
  const service = () => api.request<ServiceView & KubeObject>({ path: servicePath() });

  /** Sets the Gateway's addresses, runs a pass, and returns the status Portico would write. */
  async function passWith(addresses: unknown[]): Promise<{
    conditions: Condition[];
    addresses?: { type: string; value: string; routability?: string }[];
  }> {
    const gateway = await patch(api, 'Gateway', gatewayName, namespace, { spec: { addresses } });
    const result = await provisioner.reconcile([gateway]);
    expect(result.errors).toEqual([]);
    return statusOf(gateway);
  }

  async function statusOf(gateway: KubeObject) {
    const live = (await api.request({ path: servicePath() })) as KubeObject;
    const translated = {
      apiVersion: gateway.apiVersion,
      kind: 'Gateway',
      metadata: { name: gatewayName, namespace, generation: gateway.metadata.generation! },
      status: {
        conditions: [
          { type: 'Accepted', status: 'True', reason: 'Accepted', message: '', lastTransitionTime: 'x' },
          { type: 'Programmed', status: 'True', reason: 'Programmed', message: '', lastTransitionTime: 'x' },
        ],
      },
    };
    const report = withGatewayAddresses(
      { synced: true, errors: [], warnings: [], resources: [translated] },
      (ns, n) => (ns === namespace && n === name ? live : undefined),
      provisioner.addressOutcomes$.value,
      (ns, n) => (ns === namespace && n === gatewayName ? gateway : undefined),
    );
    return report.resources[0]!.status as {
      conditions: Condition[];
      addresses?: { type: string; value: string; routability?: string }[];
    };
  }

  const condition = (status: { conditions: Condition[] }, type: string) =>
    status.conditions.find((c) => c.type === type);

  /** Server-side applies a Gateway CRD (tests here switch between one with and one without routability). */
  async function installGatewayCrd(crd: KubeObject, routability: boolean): Promise<void> {
    await api.request({
      method: 'PATCH',
      path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
      query: { fieldManager: 'portico-test', force: 'true' },
      contentType: APPLY_PATCH,
      body: crd,
    });
    // The OpenAPI document follows the CRD a moment later.
    await eventually(`the Gateway schema ${routability ? 'with' : 'without'} routability`, async () => {
      const doc = await api.request<unknown>({ path: '/openapi/v3/apis/gateway.networking.k8s.io/v1' });
      return JSON.stringify(doc).includes('"routability"') === routability ? true : undefined;
    });
  }

  /** The vendored Gateway CRD (what `make k8s-up` installed), optionally without the routability fields. */
  function vendoredGatewayCrd(withRoutability: boolean): KubeObject {
    const dir = (JSON.parse(readFileSync('package.json', 'utf8')) as { portico: { gatewayApiCrds: string } }).portico
      .gatewayApiCrds;
    const crd = parse(readFileSync(`${dir}/gateway.networking.k8s.io_gateways.yaml`, 'utf8')) as KubeObject;
    const strip = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(strip);
      else if (typeof value === 'object' && value !== null) {
        const record = value as Record<string, unknown>;
        if (!withRoutability && typeof record.properties === 'object' && record.properties !== null) {
          delete (record.properties as Record<string, unknown>).routability;
        }
        Object.values(record).forEach(strip);
      }
    };
    strip(crd);
    return crd;
  }

  beforeAll(async () => {
    api = (await connectTestCluster()).api;
    await installGatewayCrd(vendoredGatewayCrd(false), false);
    namespace = uniqueName('portico-addresses');
    await create(api, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    await create(api, fixtures.gateway({ name: gatewayName, namespace }));
    provisioner = new GatewayProvisioner({
      api,
      controllerNamespace: 'portico-system',
      xds: { host: 'portico-xds.portico-system.svc', port: 18000 },
      tls: false,
    });
  });

  afterAll(async () => {
    if (!api) return;
    provisioner?.stop();
    await provisioner?.reconcile([]);
    await remove(api, 'Gateway', gatewayName, namespace);
    await remove(api, 'Namespace', namespace);
    await installGatewayCrd(vendoredGatewayCrd(true), JSON.stringify(vendoredGatewayCrd(true)).includes('routability'));
  });

  it('takes a free cluster IP, says the one in use is not usable, and keeps the usable one alone', async () => {
    // The suite's middle step: the unusable address, then the usable one.
    const both = await passWith([
      { type: 'IPAddress', value: '10.96.0.1' },
      { type: 'IPAddress', value: usable },
    ]);
    expect((await service()).spec.clusterIP).toBe(usable);
    expect(condition(both, 'Programmed')).toMatchObject({ status: 'False', reason: 'AddressNotUsable' });
    expect(condition(both, 'Programmed')!.message).toMatch(
      /10\.96\.0\.1 is already in use, by Service default\/kubernetes/,
    );
    expect(condition(both, 'AddressesAssigned')).toMatchObject({ status: 'False', reason: 'PartiallyAssigned' });
    expect(both.addresses).toEqual([{ type: 'IPAddress', value: usable }]);

    // The last step: the usable one only. Programmed stays what the Envoys say.
    const uid = (await service()).metadata.uid;
    const one = await passWith([{ type: 'IPAddress', value: usable }]);
    expect((await service()).metadata.uid).toBe(uid);
    expect(condition(one, 'Programmed')).toMatchObject({ status: 'True', reason: 'Programmed' });
    expect(condition(one, 'AddressesAssigned')).toMatchObject({ status: 'True', reason: 'AddressesAssigned' });
    expect(one.addresses).toEqual([{ type: 'IPAddress', value: usable }]);
  });

  it('recreates the Service for another cluster IP, and refuses a second one', async () => {
    const uid = (await service()).metadata.uid;
    const moved = await passWith([{ value: other }]);
    const now = await service();
    expect(now.spec.clusterIP).toBe(other);
    expect(now.metadata.uid).not.toBe(uid);
    expect(moved.addresses).toEqual([{ type: 'IPAddress', value: other }]);
    // The old one is free again.
    expect(await get(api, 'Service', name, namespace)).toBeDefined();

    const two = await passWith([{ value: usable }, { value: other }]);
    expect((await service()).spec.clusterIP).toBe(other);
    expect(condition(two, 'Programmed')!.message).toMatch(
      new RegExp(
        `${usable.replace(/\./g, '\\.')}: a Gateway's Service has one cluster IP, and it is ${other.replace(/\./g, '\\.')}`,
      ),
    );
    expect(two.addresses).toEqual([{ type: 'IPAddress', value: other }]);
  });

  it('asks the load balancer for an address outside the Service CIDR, and reports it once assigned', async () => {
    const waiting = await passWith([{ type: 'IPAddress', value: '192.0.2.10' }]);
    expect((await service()).spec.loadBalancerIP).toBe('192.0.2.10');
    expect(condition(waiting, 'Programmed')).toMatchObject({ status: 'False', reason: 'AddressNotAssigned' });
    expect(condition(waiting, 'Programmed')!.message).toMatch(/waiting for the load balancer to assign 192\.0\.2\.10/);
    expect(condition(waiting, 'AddressesAssigned')).toMatchObject({ status: 'False', reason: 'NotAssigned' });
    expect(waiting.addresses).toEqual([]);

    // No load-balancer controller here: play one through the status subresource.
    await api.request({
      method: 'PATCH',
      path: `${servicePath()}/status`,
      contentType: MERGE_PATCH,
      body: { status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } } },
    });
    const gateway = (await get(api, 'Gateway', gatewayName, namespace))!;
    const assigned = await statusOf(gateway);
    expect(condition(assigned, 'Programmed')).toMatchObject({ status: 'True' });
    expect(assigned.addresses).toEqual([{ type: 'IPAddress', value: '192.0.2.10' }]);
  });

  it('gives an empty value the address the Service gets (GatewayAddressEmpty)', async () => {
    const empty = await passWith([{ type: 'IPAddress' }]);
    // The load balancer's address (still in the Service's status) comes first.
    expect(empty.addresses).toEqual([{ type: 'IPAddress', value: '192.0.2.10' }]);
    expect(condition(empty, 'AddressesAssigned')).toMatchObject({ status: 'True' });
    expect(condition(empty, 'Programmed')).toMatchObject({ status: 'True' });
  });

  describe('with the v1.7.0 Gateway CRD (routability)', () => {
    beforeAll(async () => {
      const crd = parse(
        readFileSync(
          '/work/shared/gateway-api-v1.7.0/crd/experimental/gateway.networking.k8s.io_gateways.yaml',
          'utf8',
        ),
      ) as KubeObject;
      await installGatewayCrd(crd, true);
    });

    it('makes a Cluster-only Gateway a ClusterIP Service, and reports routability on every address', async () => {
      // Checked at most every 10 minutes: a new provisioner reads the schema now.
      provisioner.stop();
      provisioner = new GatewayProvisioner({
        api,
        controllerNamespace: 'portico-system',
        xds: { host: 'portico-xds.portico-system.svc', port: 18000 },
        tls: false,
      });
      const cluster = await passWith([{ type: 'IPAddress', routability: 'Cluster' }]);
      const now = await service();
      expect(now.spec.type).toBe('ClusterIP');
      expect(cluster.addresses).toEqual([{ type: 'IPAddress', value: now.spec.clusterIP, routability: 'Cluster' }]);
      expect(condition(cluster, 'AddressesAssigned')).toMatchObject({ status: 'True' });

      const staticCluster = await passWith([{ type: 'IPAddress', value: usable, routability: 'Cluster' }]);
      expect((await service()).spec.clusterIP).toBe(usable);
      expect(staticCluster.addresses).toEqual([{ type: 'IPAddress', value: usable, routability: 'Cluster' }]);

      const sentinel = await passWith([{ type: 'IPAddress', routability: 'testing.x-k8s.io/sentinel' }]);
      expect(sentinel.addresses).toEqual([
        { type: 'IPAddress', value: usable, routability: 'testing.x-k8s.io/sentinel' },
      ]);
    });

    it('does not assign a routability it cannot give', async () => {
      const outside = await passWith([{ type: 'IPAddress', value: '192.0.2.20', routability: 'Cluster' }]);
      expect(condition(outside, 'Programmed')).toMatchObject({ status: 'False', reason: 'AddressNotAssigned' });
      expect(condition(outside, 'AddressesAssigned')).toMatchObject({ status: 'False', reason: 'NotAssigned' });
      expect(condition(outside, 'AddressesAssigned')!.message).toMatch(
        /outside the cluster's Service CIDRs \(10\.96\.0\.0\/16\)/,
      );
      expect(outside.addresses).toEqual([]);

      const partly = await passWith([
        { type: 'IPAddress', routability: 'example.com/corp-wan' },
        { type: 'IPAddress', routability: 'Cluster' },
      ]);
      expect(condition(partly, 'AddressesAssigned')).toMatchObject({ status: 'False', reason: 'PartiallyAssigned' });
      expect(condition(partly, 'AddressesAssigned')!.message).toMatch(
        /routability "example.com\/corp-wan" is not one Portico provides/,
      );
      expect(condition(partly, 'Programmed')).toMatchObject({ status: 'True' });
      expect(partly.addresses).toHaveLength(1);
      expect(partly.addresses![0]).toMatchObject({ routability: 'Cluster' });
    });
  });
});
