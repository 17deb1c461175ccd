/**
 * An XBackend's verdict (what it asks for: port, protocol, TLS, session) is remembered per spec
 * object between translations. Its TLS validation may name a ClusterTrustBundle: a translation
 * whose bundles changed, the XBackend and the ConfigMaps staying the same objects (as the
 * pipeline's ResourceSet keeps unchanged kinds), must see the bundles of its own input.
 */
import { readFileSync } from 'node:fs';
import { buildResourceSet } from '../../../src/resources/resource-set.js';
import type { KubeObject, ResourceSet } from '../../../src/resources/types.js';
import { translateGatewayApi } from '../../../src/translate/gatewayapi/index.js';
import * as fixtures from '../../support/fixtures.js';

const CA = readFileSync('test/fixtures/tls/example.crt', 'utf8');

const objects: KubeObject[] = [
  fixtures.gatewayClass({ generation: 1 }),
  fixtures.gateway({ name: 'gw', generation: 1, listeners: [fixtures.listener('http', 80)] }),
  {
    apiVersion: 'gateway.networking.x-k8s.io/v1alpha1',
    kind: 'XBackend',
    metadata: { name: 'secure', namespace: 'default', generation: 1 },
    spec: {
      type: 'EndpointSelector',
      port: { number: 8443 },
      endpointSelector: { matchLabels: { app: 'secure' } },
      tls: {
        mode: 'ServerOnly',
        validation: {
          hostname: 'secure.example.com',
          caCertificateRefs: [{ group: 'certificates.k8s.io', kind: 'ClusterTrustBundle', name: 'backend-ca' }],
        },
      },
    },
  },
  fixtures.httpRoute({
    name: 'web',
    generation: 1,
    parentRefs: [{ name: 'gw' }],
    rules: [{ backendRefs: [{ group: 'gateway.networking.x-k8s.io', kind: 'XBackend', name: 'secure' }] }],
  }),
];

const bundle = {
  apiVersion: 'certificates.k8s.io/v1beta1',
  kind: 'ClusterTrustBundle',
  metadata: { name: 'backend-ca' },
  spec: { trustBundle: CA },
} as KubeObject;

function secureCluster(resources: ResourceSet) {
  return translateGatewayApi(resources)
    .gateways.flatMap((g) => g.clusters)
    .find((c) => c.name === 'default/secure/xbackend');
}

test("an XBackend's TLS follows its ClusterTrustBundle when nothing else changed", () => {
  const without = buildResourceSet(objects);
  expect(secureCluster(without)).toBeUndefined();
  // The same XBackend and ConfigMaps; only the bundles differ.
  const withBundle: ResourceSet = { ...without, clusterTrustBundles: buildResourceSet([bundle]).clusterTrustBundles };
  expect(secureCluster(withBundle)?.tls).toMatchObject({ sni: 'secure.example.com', ca: { pem: CA } });
  // And back: the bundle gone, the XBackend cannot be used.
  expect(secureCluster(without)).toBeUndefined();
});
