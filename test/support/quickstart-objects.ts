/** Small Gateway API object sets for pipeline, provider and debug tests. */
import type { KubeObject } from '../../src/resources/types.js';

export const gatewayClass: KubeObject = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'GatewayClass',
  metadata: { name: 'portico' },
  spec: { controllerName: 'portico.dev/gateway-controller' },
};

export function gateway(name: string, port = 8080, namespace = 'default'): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace, generation: 1 },
    spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', protocol: 'HTTP', port }] },
  };
}

export function httpRoute(name: string, gatewayName: string, backend: string, namespace = 'default'): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace, generation: 1 },
    spec: {
      parentRefs: [{ name: gatewayName }],
      hostnames: ['www.example.com'],
      rules: [{ backendRefs: [{ name: backend, port: 80 }] }],
    },
  };
}

export function service(name: string, namespace = 'default'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  };
}
