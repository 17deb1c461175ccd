/**
 * `spec.infrastructure.labels` and `annotations` on every object provisioned for a Gateway, under
 * Portico's own keys, with reserved and invalid keys left out.
 */
import { infrastructureMetadata, isQualifiedName } from '../../../src/infra/kubernetes/infrastructure.js';
import {
  desiredObjects,
  gatewayCertificateSecret,
  PROMETHEUS_ANNOTATIONS,
} from '../../../src/infra/kubernetes/resources.js';
import type { KubeObject } from '../../../src/resources/types.js';
import * as fixtures from '../../support/fixtures.js';

function gateway(infrastructure: unknown): KubeObject {
  return fixtures.gateway({
    name: 'gw',
    namespace: 'apps',
    uid: '0f6c4a1e-0000-4000-8000-000000000001',
    listeners: [fixtures.listener('http', 80)],
    spec: { infrastructure },
  });
}

const settings = { xds: { host: 'portico-xds.portico-system.svc', port: 18000 } };

describe('Gateway infrastructure labels and annotations', () => {
  it('go on every provisioned object and on the Pod template, under the labels Portico selects by', () => {
    const gw = gateway({
      labels: { team: 'payments', 'example.com/tier': 'edge' },
      annotations: { 'linkerd.io/inject': 'enabled', note: 'free text, with spaces' },
    });
    const objects = [
      ...desiredObjects(gw, settings),
      gatewayCertificateSecret(gw, { 'ca.crt': 'ca', 'tls.crt': 'crt', 'tls.key': 'key' }),
    ];
    expect(objects.map((o) => o.kind)).toEqual(['ServiceAccount', 'ConfigMap', 'Deployment', 'Service', 'Secret']);
    for (const object of objects) {
      expect(object.metadata.labels).toEqual({
        team: 'payments',
        'example.com/tier': 'edge',
        'gateway.networking.k8s.io/gateway-name': 'gw',
        'app.kubernetes.io/managed-by': 'portico',
        'app.kubernetes.io/component': 'envoy',
      });
      // The Service also names the Envoys' Prometheus stats port (prometheus-stats.test.ts).
      expect(object.metadata.annotations).toEqual({
        ...(object.kind === 'Service' ? PROMETHEUS_ANNOTATIONS : {}),
        'linkerd.io/inject': 'enabled',
        note: 'free text, with spaces',
      });
    }
    const deployment = objects[2] as unknown as {
      spec: {
        selector: { matchLabels: Record<string, string> };
        template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> } };
      };
    };
    expect(deployment.spec.template.metadata.labels).toMatchObject({ team: 'payments', 'example.com/tier': 'edge' });
    expect(deployment.spec.template.metadata.annotations).toMatchObject({ 'linkerd.io/inject': 'enabled' });
    expect(Object.keys(deployment.spec.template.metadata.annotations)).toContain('portico.dev/bootstrap-hash');
    // The selector (immutable) stays Portico's own labels.
    expect(Object.keys(deployment.spec.selector.matchLabels).sort()).toEqual([
      'app.kubernetes.io/component',
      'app.kubernetes.io/managed-by',
      'gateway.networking.k8s.io/gateway-name',
    ]);
    const service = objects[3] as unknown as { spec: { selector: Record<string, string> } };
    expect(service.spec.selector).not.toHaveProperty('team');
  });

  it("leaves out Gateway API's and Portico's keys, and keys or values the API server would refuse", () => {
    const result = infrastructureMetadata(
      gateway({
        labels: {
          'gateway.networking.k8s.io/gateway-name': 'someone-else',
          'app.kubernetes.io/managed-by': 'helm',
          'portico.dev/anything': 'x',
          'bad key': 'x',
          long: 'x'.repeat(64),
          spaced: 'two words',
          number: 5,
          fine: 'yes',
        },
        annotations: { 'gateway.networking.k8s.io/x': 'y', '-bad': 'z', ok: 'any value at all' },
      }),
    );
    expect(result.labels).toEqual({ fine: 'yes' });
    expect(result.annotations).toEqual({ ok: 'any value at all' });
    expect(result.dropped).toHaveLength(9);
    expect(result.dropped.join('\n')).toMatch(/label gateway.networking.k8s.io\/gateway-name: the key is reserved/);
    expect(result.dropped.join('\n')).toMatch(/label spaced: "two words" is not a valid label value/);
    // Portico's own label wins on every object.
    const [serviceAccount] = desiredObjects(
      gateway({ labels: { 'gateway.networking.k8s.io/gateway-name': 'someone-else' } }),
      settings,
    );
    expect(serviceAccount!.metadata.labels!['gateway.networking.k8s.io/gateway-name']).toBe('gw');
  });

  it('adds nothing when the Gateway has no infrastructure, or one of the wrong shape', () => {
    for (const infrastructure of [undefined, null, 'labels', { labels: ['a'] }]) {
      const [serviceAccount] = desiredObjects(gateway(infrastructure), settings);
      expect(serviceAccount!.metadata.annotations).toBeUndefined();
      expect(Object.keys(serviceAccount!.metadata.labels!)).toHaveLength(3);
    }
  });

  it('checks keys as Kubernetes does', () => {
    for (const key of ['a', 'a.b/c', 'example.com/A_b-c.d', 'x'.repeat(63)]) expect(isQualifiedName(key)).toBe(true);
    for (const key of ['', '/a', 'a/', 'A.com/b', 'a/b/c', 'x'.repeat(64), '_a', 'a_']) {
      expect({ key, ok: isQualifiedName(key) }).toEqual({ key, ok: false });
    }
  });
});
