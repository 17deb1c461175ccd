/**
 * Gateway API and core objects for end-to-end tests, as plain objects ready to be written as YAML.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringifyForKubectl } from '../../src/resources/kubectl-yaml.js';
import type { KubeObject } from '../../src/resources/types.js';
import * as fixtures from './fixtures.js';

/** Writes `objects` into `dir/file` as a multi-document manifest that kubectl would read the same way. */
export function writeManifests(dir: string, file: string, objects: readonly unknown[]): void {
  writeFileSync(join(dir, file), objects.map((o) => stringifyForKubectl(o)).join('---\n'));
}

export function gatewayClass(): KubeObject {
  return fixtures.gatewayClass();
}

export function gateway(name: string, listeners: unknown[]): KubeObject {
  return fixtures.gateway({ name, generation: 1, listeners });
}

export function httpRoute(name: string, spec: Record<string, unknown>, creationTimestamp = '2026-01-01T00:00:00Z') {
  return {
    apiVersion: fixtures.GATEWAY_API_VERSION,
    kind: 'HTTPRoute',
    metadata: { name, namespace: 'default', generation: 1, creationTimestamp },
    spec,
  };
}

/** A Service on port 80 whose only endpoint is a backend on 127.0.0.1. */
export function serviceFor(name: string, backendPort: number, appProtocol?: string) {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'default' },
      spec: { ports: [{ name: 'http', port: 80, targetPort: backendPort, ...(appProtocol ? { appProtocol } : {}) }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: backendPort, protocol: 'TCP' }],
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    },
  ];
}

export function tlsSecret(name: string, certificate: string, key: string) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default' },
    type: 'kubernetes.io/tls',
    stringData: { 'tls.crt': certificate, 'tls.key': key },
  };
}
