/**
 * Small Gateway API object sets for pipeline, provider and debug tests: the quickstart's shapes,
 * made by the shared fixtures (test/support/fixtures.ts), each at generation 1.
 */
import type { KubeObject } from '../../src/resources/types.js';
import * as fixtures from './fixtures.js';

export const gatewayClass: KubeObject = fixtures.gatewayClass();

export function gateway(name: string, port = 8080, namespace = 'default'): KubeObject {
  return fixtures.gateway({ name, namespace, generation: 1, listeners: [fixtures.listener('http', port)] });
}

export function httpRoute(name: string, gatewayName: string, backend: string, namespace = 'default'): KubeObject {
  return fixtures.httpRoute({
    name,
    namespace,
    generation: 1,
    parentRefs: [{ name: gatewayName }],
    hostnames: ['www.example.com'],
    rules: [{ backendRefs: [{ name: backend, port: 80 }] }],
  });
}

export function service(name: string, namespace = 'default'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  };
}

/**
 * Gateway `gw` whose only listener (HTTPS, certificate Secret `cert`) checks client certificates
 * against ConfigMap `client-ca`, a ListenerSet `extra` (HTTP 8081) it admits, and route `web`
 * attached through the ListenerSet to Service `backend`: what the route gets depends on the
 * ConfigMap only through the Gateway side.
 */
export function frontendValidationThroughListenerSet(): {
  gateway: KubeObject;
  listenerSet: KubeObject;
  route: KubeObject;
} {
  const gw: KubeObject = {
    ...gateway('gw'),
    spec: {
      gatewayClassName: 'portico',
      allowedListeners: { namespaces: { from: 'Same' } },
      tls: {
        frontend: {
          default: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'client-ca' }] } },
        },
      },
      listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert' }] } }],
    },
  };
  const listenerSet: KubeObject = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'ListenerSet',
    metadata: { name: 'extra', namespace: 'default' },
    spec: { parentRef: { name: 'gw' }, listeners: [{ name: 'http', port: 8081, protocol: 'HTTP' }] },
  };
  const route = httpRoute('web', 'gw', 'backend');
  (route.spec as { parentRefs: unknown[] }).parentRefs = [
    { group: 'gateway.networking.k8s.io', kind: 'ListenerSet', name: 'extra' },
  ];
  return { gateway: gw, listenerSet, route };
}
