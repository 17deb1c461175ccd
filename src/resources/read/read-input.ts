/**
 * The readers by kind, run by the ResourceSet builders on each object they take in: the shape of
 * an object is checked once, when it enters, and the translator gets the result from the
 * reader's memo (`readOnce`). Kinds without a reader are still checked by the translator itself.
 */
import type { KubeObject } from '../types.js';
import { readBackendTlsPolicy } from './backend-tls-policy.js';
import { readBackendTrafficPolicy } from './backend-traffic-policy.js';
import { readEnvoyProxyParameters } from './envoy-proxy-parameters.js';
import { readGateway } from './gateway.js';
import { readGatewayClass } from './gateway-class.js';
import { readListenerSet } from './listener-set.js';
import { readReferenceGrant } from './reference-grant.js';
import { readRouteCommon } from './route-common.js';
import { readSecurityPolicy } from './security-policy.js';
import { readClientTrafficPolicy } from './client-traffic-policy.js';
import { readTelemetryPolicy } from './telemetry-policy.js';
import { readXBackend } from './xbackend.js';

const READERS = new Map<string, (object: KubeObject) => unknown>([
  ['BackendTLSPolicy', readBackendTlsPolicy],
  ['BackendTrafficPolicy', readBackendTrafficPolicy],
  ['ClientTrafficPolicy', readClientTrafficPolicy],
  ['EnvoyProxyParameters', readEnvoyProxyParameters],
  ['Gateway', readGateway],
  ['GatewayClass', readGatewayClass],
  ['ListenerSet', readListenerSet],
  ['ReferenceGrant', readReferenceGrant],
  ['SecurityPolicy', readSecurityPolicy],
  ['XBackend', readXBackend],
  ['XTelemetryPolicy', readTelemetryPolicy],
  ...['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'].map(
    (kind): [string, (object: KubeObject) => unknown] => [kind, readRouteCommon],
  ),
]);

/**
 * Reads `object` with its kind's reader, if it has one (the result is kept for the translator).
 * Never throws: the builders run outside the translator's per-object guards, and one object a
 * reader cannot handle must not stop the ResourceSet; the translator reads it again inside them
 * and reports it on that object.
 */
export function readInput(object: KubeObject): void {
  try {
    READERS.get(object.kind)?.(object);
  } catch {
    // Reported by the translator, which reads the object again.
  }
}
