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
