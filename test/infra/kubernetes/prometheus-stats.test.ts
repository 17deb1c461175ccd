/**
 * Every provisioned Envoy serves Prometheus stats on its own port, named by the Pod's and the
 * Service's `prometheus.io/*` annotations, through a listener that forwards only GET
 * /stats/prometheus to the admin interface, which stays on loopback.
 */
import { ADMIN_CLUSTER_NAME, PROMETHEUS_PATH } from '../../../src/infra/admin-listeners.js';
import {
  desiredObjects,
  ENVOY_ADMIN_PORT,
  ENVOY_OWN_PORTS,
  ENVOY_STATS_PORT,
  provisionedBootstrap,
} from '../../../src/infra/kubernetes/resources.js';
import type { KubeObject } from '../../../src/resources/types.js';
import * as fixtures from '../../support/fixtures.js';

const settings = { xds: { host: 'portico-xds.portico-system.svc', port: 18000 } };
const gw = {
  ...fixtures.gateway({ name: 'gw', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] }),
  metadata: { name: 'gw', namespace: 'default', uid: 'u-1' },
} as KubeObject;

const expectedAnnotations = {
  'prometheus.io/scrape': 'true',
  'prometheus.io/port': '19001',
  'prometheus.io/path': '/stats/prometheus',
};

type Container = { ports: { name: string; containerPort: number }[] };

test('the Pods and the Service name the stats port and path; the Service does not expose it', () => {
  const [, , deployment, service] = desiredObjects(gw, settings) as unknown as [
    unknown,
    unknown,
    { spec: { template: { metadata: { annotations: Record<string, string> }; spec: { containers: Container[] } } } },
    { metadata: { annotations: Record<string, string> }; spec: { ports: { port: number }[] } },
  ];
  expect(ENVOY_STATS_PORT).toBe(19001);
  expect(deployment.spec.template.metadata.annotations).toMatchObject(expectedAnnotations);
  expect(deployment.spec.template.spec.containers[0]!.ports).toContainEqual(
    expect.objectContaining({ name: 'metrics', containerPort: 19001 }),
  );
  expect(service.metadata.annotations).toMatchObject(expectedAnnotations);
  // The Gateway's Service is often a public load balancer: Prometheus scrapes the Pod IPs.
  expect(service.spec.ports.map((p) => p.port)).toEqual([80]);
  // No Gateway listener can take the port.
  expect(ENVOY_OWN_PORTS.get(19001)).toBe('the Prometheus stats listener');
});

test("the bootstrap's stats listener forwards only GET /stats/prometheus to the loopback admin", () => {
  const bootstrap = provisionedBootstrap(gw, settings);
  expect(bootstrap.admin?.address?.socket_address).toEqual({ address: '127.0.0.1', port_value: ENVOY_ADMIN_PORT });
  const stats = bootstrap.static_resources?.listeners?.find((l) => l.name === 'portico-stats');
  expect(stats?.address?.socket_address).toEqual({ address: '0.0.0.0', port_value: 19001 });
  const hcm = stats?.filter_chains?.[0]?.filters?.[0]?.typed_config as unknown as {
    route_config: { virtual_hosts: { routes: unknown[] }[] };
  };
  expect(hcm.route_config.virtual_hosts).toHaveLength(1);
  expect(hcm.route_config.virtual_hosts[0]!.routes).toEqual([
    {
      match: { path: PROMETHEUS_PATH, headers: [{ name: ':method', string_match: { exact: 'GET' } }] },
      route: { cluster: ADMIN_CLUSTER_NAME },
    },
  ]);
  const admin = bootstrap.static_resources?.clusters?.find((c) => c.name === ADMIN_CLUSTER_NAME);
  expect(admin?.load_assignment?.endpoints?.[0]?.lb_endpoints?.[0]?.endpoint?.address?.socket_address).toEqual({
    address: '127.0.0.1',
    port_value: ENVOY_ADMIN_PORT,
  });
  // The readiness listener is still there, the same way.
  expect(bootstrap.static_resources?.listeners?.map((l) => l.name)).toEqual(['portico-stats', 'portico-readiness']);
});
