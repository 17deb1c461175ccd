/**
 * The ports of a provisioned Envoy (Deployment container ports and Service ports): every listener
 * port of the Gateway and of its attached ListenerSets, UDP listeners on UDP ports, a UDP and a
 * TCP listener with one port number as two ports.
 */
import { acceptedGateways } from '../../../src/infra/kubernetes/reconciler.js';
import { desiredObjects } from '../../../src/infra/kubernetes/resources.js';
import type { KubeObject } from '../../../src/resources/types.js';
import * as fixtures from '../../support/fixtures.js';

const gateway: KubeObject = fixtures.gateway({
  name: 'gw',
  namespace: 'apps',
  uid: '0f6c4a1e-0000-4000-8000-000000000001',
  listeners: [
    fixtures.listener('http', 80),
    fixtures.listener('dns', 53, { protocol: 'UDP' }),
    fixtures.listener('dns-tcp', 53, { protocol: 'TCP' }),
    fixtures.listener('http-again', 80, { hostname: 'a.example.com' }),
  ],
});

function listenerSet(name: string, accepted: boolean): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'ListenerSet',
    metadata: { name, namespace: 'team' },
    spec: {
      parentRef: { name: 'gw', namespace: 'apps' },
      listeners: [{ name: 'https', port: 443, protocol: 'HTTPS' }],
    },
    status: { conditions: [{ type: 'Accepted', status: accepted ? 'True' : 'False' }] },
  };
}

const settings = { xds: { host: 'portico-xds.portico-system.svc', port: 18000 } };

function servicePorts(objects: KubeObject[]) {
  const service = objects.find((o) => o.kind === 'Service')!;
  return (service.spec as { ports: { port: number; protocol: string }[] }).ports.map((p) => `${p.port}/${p.protocol}`);
}

function containerPorts(objects: KubeObject[]) {
  const deployment = objects.find((o) => o.kind === 'Deployment')!;
  const spec = deployment.spec as {
    template: { spec: { containers: { ports: { containerPort: number; protocol: string }[] }[] } };
  };
  return spec.template.spec.containers[0]!.ports.map((p) => `${p.containerPort}/${p.protocol}`);
}

test('UDP listeners get UDP ports, next to a TCP port with the same number', () => {
  const objects = desiredObjects(gateway, settings);
  expect(servicePorts(objects)).toEqual(['80/TCP', '53/UDP', '53/TCP']);
  expect(containerPorts(objects)).toEqual(expect.arrayContaining(['80/TCP', '53/UDP', '53/TCP']));
});

test("an attached ListenerSet's listener ports are provisioned too; a refused one's are not", () => {
  const accepted = listenerSet('extra', true);
  const refused = listenerSet('refused', false);
  const input = { gateways: [{ name: 'apps/gw' }], resources: [gateway, accepted, refused] };
  const served = acceptedGateways(input);
  expect(served.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Gateway/gw', 'ListenerSet/extra']);
  expect(servicePorts(desiredObjects(gateway, settings, [accepted]))).toEqual([
    '80/TCP',
    '53/UDP',
    '53/TCP',
    '443/TCP',
  ]);
});
