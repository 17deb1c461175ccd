/**
 * The Kubernetes and Gateway API object shapes Portico reads.
 * Only the fields Portico uses are typed; everything arrives from YAML or the API server
 * as untrusted data, so the translator checks values before trusting them.
 */
import type { KubeObject } from './kube-object.js';
import type {
  BackendTLSPolicy,
  GRPCRoute,
  Gateway,
  GatewayClass,
  HTTPRoute,
  ListenerSet,
  ReferenceGrant,
  TCPRoute,
  TLSRoute,
  UDPRoute,
} from './gateway-api.js';
import type { ClusterTrustBundle, ConfigMap, EndpointSlice, Namespace, Secret, Service } from './core-kinds.js';
import type { Pod, XBackend, XTelemetryPolicy } from './experimental-kinds.js';
import type { BackendTrafficPolicy, ClientTrafficPolicy, SecurityPolicy } from './portico-kinds.js';

export * from './kube-object.js';
export * from './gateway-api.js';
export * from './core-kinds.js';
export * from './experimental-kinds.js';
export * from './portico-kinds.js';

export interface ResourceSet {
  gatewayClasses: GatewayClass[];
  gateways: Gateway[];
  httpRoutes: HTTPRoute[];
  grpcRoutes: GRPCRoute[];
  tlsRoutes: TLSRoute[];
  tcpRoutes: TCPRoute[];
  udpRoutes: UDPRoute[];
  backendTLSPolicies: BackendTLSPolicy[];
  listenerSets: ListenerSet[];
  referenceGrants: ReferenceGrant[];
  services: Service[];
  endpointSlices: EndpointSlice[];
  secrets: Secret[];
  namespaces: Namespace[];
  /** Only the ones a BackendTLSPolicy may name (CA certificates); see the providers. */
  configMaps: ConfigMap[];
  /** CA certificates that BackendTLSPolicies and Gateway frontend validation may name. */
  clusterTrustBundles: ClusterTrustBundle[];
  /** Portico's parameters kind (gateway.portico.dev), named by GatewayClasses and Gateways. */
  envoyProxyParameters: KubeObject[];
  // XBackend (v1.7.0 experimental) and the Pods its EndpointSelector selects.
  xBackends: XBackend[];
  pods: Pod[];
  /** XTelemetryPolicy (v1.7.0 experimental, GEP-4768): tracing for the Gateways it targets. */
  xTelemetryPolicies: XTelemetryPolicy[];
  /** Portico's SecurityPolicy (gateway.portico.dev): access control for Gateways, listeners and routes. */
  securityPolicies: SecurityPolicy[];
  /** Portico's BackendTrafficPolicy (gateway.portico.dev): how Envoy treats the backends of routes. */
  backendTrafficPolicies: BackendTrafficPolicy[];
  /** Portico's ClientTrafficPolicy (gateway.portico.dev): how Envoy treats clients' connections on Gateways and listeners. */
  clientTrafficPolicies: ClientTrafficPolicy[];
}

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
export const CONTROLLER_NAME = 'portico.dev/gateway-controller';
/** The API group of Portico's own kinds. */
export const PORTICO_GROUP = 'gateway.portico.dev';
export const GATEWAY_X_GROUP = 'gateway.networking.x-k8s.io';
