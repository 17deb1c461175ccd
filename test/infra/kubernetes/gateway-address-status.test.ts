/**
 * The address plan and status of a provisioned Gateway (gateway-addresses.ts, addresses.ts) in the
 * cases the real-API-server test does not reach: unknown Service CIDRs, IPv6, hostnames, a stale
 * plan, and the status writer's merge with a live AddressesAssigned.
 */
import { withGatewayAddresses } from '../../../src/infra/kubernetes/addresses.js';
import {
  addressRequests,
  addressStatus,
  planAddresses,
  requestsKey,
} from '../../../src/infra/kubernetes/gateway-addresses.js';
import type { AddressRequest, PlanInput } from '../../../src/infra/kubernetes/gateway-addresses.js';
import { planStatus } from '../../../src/k8s/status-diff.js';
import type { KubeObject } from '../../../src/resources/types.js';
import * as fixtures from '../../support/fixtures.js';

const input = (over: Partial<PlanInput> = {}): PlanInput => ({
  serviceCidrs: ['10.96.0.0/16', 'fd00:10:96::/112'],
  serviceType: 'LoadBalancer',
  currentClusterIPs: [],
  holderOf: () => undefined,
  ownService: 'apps/portico-gw',
  ...over,
});

const ip = (value?: string, routability = ''): AddressRequest => ({
  type: 'IPAddress',
  ...(value !== undefined ? { value } : {}),
  routability,
});

function service(clusterIPs: string[], ingress: { ip?: string; hostname?: string }[] = []): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'portico-gw', namespace: 'apps' },
    spec: { clusterIP: clusterIPs[0], clusterIPs },
    status: { loadBalancer: { ingress } },
  } as KubeObject;
}

describe('address plan', () => {
  it('tries every IP as a cluster IP when the Service CIDRs are unknown', () => {
    const plan = planAddresses([ip('192.0.2.1')], input({ serviceCidrs: undefined }));
    expect(plan.clusterIP).toBe('192.0.2.1');
  });

  it('places IPv6 addresses of the CIDR as cluster IPs, and keeps the one the Service has', () => {
    const plan = planAddresses(
      [ip('fd00:10:96::5'), ip('fd00:10:96::6')],
      input({ currentClusterIPs: ['fd00:10:96::6'] }),
    );
    expect(plan.clusterIP).toBe('fd00:10:96::6');
    expect(plan.verdicts[0]).toMatchObject({ state: 'unusable' });
  });

  it('refuses a hostname with a value, an unknown type and a non-IP; an IP outside the CIDRs of a ClusterIP Service', () => {
    const plan = planAddresses(
      [
        { type: 'Hostname', value: 'gw.example.com', routability: '' },
        { type: 'example.com/odd', value: 'x', routability: '' },
        ip('not-an-ip'),
        ip('192.0.2.1'),
      ],
      input({ serviceType: 'ClusterIP' }),
    );
    expect(plan.verdicts.map((v) => v.state)).toEqual(['unusable', 'unusable', 'unusable', 'unusable']);
    expect(plan.clusterIP).toBeUndefined();
    expect(plan.loadBalancerIP).toBeUndefined();
  });

  it('fills an empty Hostname request from the load balancer', () => {
    const requests: AddressRequest[] = [{ type: 'Hostname', routability: '' }, ip()];
    const plan = planAddresses(requests, input());
    const status = addressStatus(
      requests,
      plan,
      service(['10.96.0.9'], [{ hostname: 'lb.example.com' }, { ip: '203.0.113.4' }]),
      true,
    );
    expect(status.addresses).toEqual([
      { type: 'Hostname', value: 'lb.example.com', routability: '' },
      { type: 'IPAddress', value: '203.0.113.4', routability: '' },
    ]);
    expect(status.assigned).toMatchObject({ status: 'True', reason: 'AddressesAssigned' });
    expect(status.programmed).toBeUndefined();
  });

  it('reads spec.addresses with the CRD default type and no empty values', () => {
    const gateway = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'gw' },
      spec: {
        addresses: [{ value: '10.96.0.5' }, { type: 'Hostname', value: '' }, 'junk', { routability: 'Cluster' }],
      },
    } as KubeObject;
    expect(addressRequests(gateway)).toEqual([
      { type: 'IPAddress', value: '10.96.0.5', routability: '' },
      { type: 'Hostname', routability: '' },
      { type: 'IPAddress', routability: 'Cluster' },
    ]);
  });
});

describe('address status in the report', () => {
  const gateway = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'gw', namespace: 'apps', generation: 3 },
    spec: { gatewayClassName: 'portico', addresses: [{ type: 'IPAddress', value: '10.96.0.5' }] },
  } as KubeObject;
  const translated = {
    apiVersion: gateway.apiVersion,
    kind: 'Gateway',
    metadata: gateway.metadata as { name: string; namespace: string; generation: number },
    status: {
      conditions: [
        { type: 'Accepted', status: 'True', reason: 'Accepted', message: '', lastTransitionTime: 't0' },
        { type: 'Programmed', status: 'True', reason: 'Programmed', message: '', lastTransitionTime: 't0' },
      ],
    },
  };
  const report = { synced: true, errors: [], warnings: [], resources: [translated] };
  const requests = addressRequests(gateway);

  it('says the addresses are being assigned while the last plan was for other requests', () => {
    const stale = new Map([
      ['apps/gw', { requests: requestsKey([ip('10.96.0.6')]), plan: planAddresses([ip('10.96.0.6')], input()) }],
    ]);
    const out = withGatewayAddresses(
      report,
      () => service(['10.96.0.6']),
      { plans: stale, routability: false },
      () => gateway,
    );
    const status = out.resources[0]!.status as { conditions: { type: string; reason: string }[]; addresses?: unknown };
    expect(status.conditions.find((c) => c.type === 'Programmed')!.reason).toBe('AddressNotAssigned');
    expect(status.addresses).toBeUndefined();
  });

  it('writes one AddressesAssigned over a live one', () => {
    const plans = new Map([['apps/gw', { requests: requestsKey(requests), plan: planAddresses(requests, input()) }]]);
    const out = withGatewayAddresses(
      report,
      () => service(['10.96.0.5']),
      { plans, routability: false },
      () => gateway,
      't1',
    );
    const live = {
      ...gateway,
      status: {
        conditions: [
          { type: 'Accepted', status: 'True', reason: 'Accepted', message: '', lastTransitionTime: 't0' },
          { type: 'AddressesAssigned', status: 'False', reason: 'NotAssigned', message: 'x', lastTransitionTime: 't0' },
        ],
      },
    };
    const gatewayClass = fixtures.gatewayClass();
    const plan = planStatus(live, out.resources[0]!.status, () => gatewayClass);
    expect(plan.write).toBe(true);
    const conditions = (plan as unknown as { status: { conditions: { type: string; status: string }[] } }).status
      .conditions;
    expect(conditions.filter((c) => c.type === 'AddressesAssigned')).toEqual([
      expect.objectContaining({ status: 'True', reason: 'AddressesAssigned' }),
    ]);
    expect((plan as unknown as { status: { addresses: unknown } }).status.addresses).toEqual([
      { type: 'IPAddress', value: '10.96.0.5' },
    ]);
  });
});
