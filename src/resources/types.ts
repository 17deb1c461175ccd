/**
 * The Kubernetes and Gateway API object shapes Portico reads.
 * Only the fields Portico uses are typed; everything arrives from YAML or the API server
 * as untrusted data, so the translator checks values before trusting them.
 */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

export interface KubeObject<Spec = unknown, Status = unknown> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Spec;
  status?: Status;
}

// ---------- Gateway API ----------

export interface GatewayClassSpec {
  controllerName: string;
  parametersRef?: { group: string; kind: string; name: string; namespace?: string };
  description?: string;
}
export interface GatewayClassStatus {
  conditions?: Condition[];
  supportedFeatures?: { name: string }[];
}
export type GatewayClass = KubeObject<GatewayClassSpec, GatewayClassStatus>;

export interface SecretObjectReference {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
}

export interface GatewayTLSConfig {
  mode?: 'Terminate' | 'Passthrough';
  certificateRefs?: SecretObjectReference[];
  options?: Record<string, string>;
}

export interface RouteGroupKind {
  group?: string;
  kind: string;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

export interface AllowedRoutes {
  namespaces?: { from?: 'All' | 'Same' | 'Selector' | 'None'; selector?: LabelSelector };
  kinds?: RouteGroupKind[];
}

export interface Listener {
  name: string;
  hostname?: string;
  port: number;
  protocol: string;
  tls?: GatewayTLSConfig;
  allowedRoutes?: AllowedRoutes;
  /** Pre-routing filters (experimental, v1.7.0, GEP-5224; HTTP and HTTPS listeners only). */
  filters?: ListenerFilters;
}

/**
 * A Gateway address. `routability` (experimental, v1.7.0, GEP-5093): empty (the implementation's
 * default), `Cluster`, or a domain-prefixed implementation-specific value.
 */
export interface GatewayAddress {
  type?: string;
  value: string;
  routability?: string;
}

export interface GatewaySpec {
  gatewayClassName: string;
  listeners: Listener[];
  addresses?: GatewayAddress[];
  infrastructure?: unknown;
  /** Which ListenerSets may add listeners to this Gateway (none by default). */
  allowedListeners?: { namespaces?: { from?: string; selector?: LabelSelector } };
}

export interface ListenerStatus {
  name: string;
  supportedKinds: RouteGroupKind[];
  attachedRoutes: number;
  conditions: Condition[];
}

export interface GatewayStatus {
  addresses?: GatewayAddress[];
  conditions?: Condition[];
  listeners?: ListenerStatus[];
  /** ListenerSets attached to this Gateway (allowed, and accepted). */
  attachedListenerSets?: number;
}
export type Gateway = KubeObject<GatewaySpec, GatewayStatus>;

export interface ListenerSetSpec {
  parentRef: { group?: string; kind?: string; name: string; namespace?: string };
  listeners: Listener[];
}
export interface ListenerSetStatus {
  conditions?: Condition[];
  listeners?: ListenerStatus[];
}
/** Listeners added to a Gateway from another object, possibly another namespace (GEP-1713). */
export type ListenerSet = KubeObject<ListenerSetSpec, ListenerSetStatus>;

export interface ParentReference {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
  sectionName?: string;
  port?: number;
}

export interface HTTPHeaderMatch {
  type?: 'Exact' | 'RegularExpression';
  name: string;
  value: string;
}
export interface HTTPQueryParamMatch {
  type?: 'Exact' | 'RegularExpression';
  name: string;
  value: string;
}
export interface HTTPPathMatch {
  type?: 'Exact' | 'PathPrefix' | 'RegularExpression';
  value?: string;
}
export interface HTTPRouteMatch {
  path?: HTTPPathMatch;
  headers?: HTTPHeaderMatch[];
  queryParams?: HTTPQueryParamMatch[];
  method?: string;
}

export interface HTTPHeader {
  name: string;
  value: string;
}
export interface HTTPHeaderFilter {
  set?: HTTPHeader[];
  add?: HTTPHeader[];
  remove?: string[];
}

export interface HTTPPathModifier {
  type: 'ReplaceFullPath' | 'ReplacePrefixMatch';
  replaceFullPath?: string;
  replacePrefixMatch?: string;
}

export interface HTTPRequestRedirectFilter {
  scheme?: string;
  hostname?: string;
  path?: HTTPPathModifier;
  port?: number;
  statusCode?: number;
}

export interface HTTPURLRewriteFilter {
  hostname?: string;
  path?: HTTPPathModifier;
}

export interface BackendObjectReference {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
}

export interface HTTPRequestMirrorFilter {
  backendRef: BackendObjectReference;
  percent?: number;
  fraction?: { numerator: number; denominator?: number };
}

export interface HTTPCORSFilter {
  allowOrigins?: string[];
  allowCredentials?: boolean;
  allowMethods?: string[];
  allowHeaders?: string[];
  exposeHeaders?: string[];
  maxAge?: number;
}

export interface LocalObjectReference {
  group: string;
  kind: string;
  name: string;
}

export interface HTTPRouteFilter {
  type: string;
  requestHeaderModifier?: HTTPHeaderFilter;
  responseHeaderModifier?: HTTPHeaderFilter;
  requestMirror?: HTTPRequestMirrorFilter;
  requestRedirect?: HTTPRequestRedirectFilter;
  urlRewrite?: HTTPURLRewriteFilter;
  cors?: HTTPCORSFilter;
  extensionRef?: LocalObjectReference;
}

export interface HTTPBackendRef extends BackendObjectReference {
  weight?: number;
  filters?: HTTPRouteFilter[];
}

export interface HTTPRouteTimeouts {
  request?: string;
  backendRequest?: string;
}

export interface HTTPRouteRetry {
  codes?: number[];
  attempts?: number;
  backoff?: string;
}

/**
 * Route-inline session persistence (experimental, deprecated in v1.7.0 in favour of XBackend's).
 * v1.7.0 moved `sessionName` to `cookie.name` / `header.name` and renamed `cookieConfig` to `cookie`.
 */
export interface SessionPersistence {
  absoluteTimeout?: string;
  /** Not in the v1.7.0 CRD; read so an object from an older schema is refused rather than half-honoured. */
  idleTimeout?: string;
  type?: 'Cookie' | 'Header';
  cookie?: { name?: string; lifetimeType?: 'Permanent' | 'Session'; path?: string };
  header?: { name: string };
}

export interface HTTPRouteRule {
  name?: string;
  matches?: HTTPRouteMatch[];
  filters?: HTTPRouteFilter[];
  backendRefs?: HTTPBackendRef[];
  timeouts?: HTTPRouteTimeouts;
  retry?: HTTPRouteRetry;
  sessionPersistence?: SessionPersistence;
}

export interface HTTPRouteSpec {
  parentRefs?: ParentReference[];
  hostnames?: string[];
  rules?: HTTPRouteRule[];
}

export interface RouteParentStatus {
  parentRef: ParentReference;
  controllerName: string;
  conditions: Condition[];
}
export interface RouteStatus {
  parents: RouteParentStatus[];
}
export type HTTPRoute = KubeObject<HTTPRouteSpec, RouteStatus>;

export interface GRPCMethodMatch {
  type?: 'Exact' | 'RegularExpression';
  service?: string;
  method?: string;
}
export interface GRPCHeaderMatch {
  type?: 'Exact' | 'RegularExpression';
  name: string;
  value: string;
}
export interface GRPCRouteMatch {
  method?: GRPCMethodMatch;
  headers?: GRPCHeaderMatch[];
}
/** GRPCRoute filters are a subset of HTTPRoute's (header modifiers, mirror, ExtensionRef). */
export type GRPCRouteFilter = HTTPRouteFilter;
export interface GRPCBackendRef extends BackendObjectReference {
  weight?: number;
  filters?: GRPCRouteFilter[];
}
export interface GRPCRouteRule {
  name?: string;
  matches?: GRPCRouteMatch[];
  filters?: GRPCRouteFilter[];
  backendRefs?: GRPCBackendRef[];
  sessionPersistence?: SessionPersistence;
}
export interface GRPCRouteSpec {
  parentRefs?: ParentReference[];
  hostnames?: string[];
  rules?: GRPCRouteRule[];
}
export type GRPCRoute = KubeObject<GRPCRouteSpec, RouteStatus>;

/** TLSRoute and TCPRoute: one rule of weighted backends; TLSRoute selects by SNI hostname. */
export interface L4RouteRule {
  name?: string;
  backendRefs?: HTTPBackendRef[];
}
export interface TLSRouteSpec {
  parentRefs?: ParentReference[];
  hostnames?: string[];
  rules?: L4RouteRule[];
}
export type TLSRoute = KubeObject<TLSRouteSpec, RouteStatus>;
export interface TCPRouteSpec {
  parentRefs?: ParentReference[];
  /** Not part of TCPRoute; read (and found absent) by the attachment code shared with other routes. */
  hostnames?: never;
  rules?: L4RouteRule[];
}
export type TCPRoute = KubeObject<TCPRouteSpec, RouteStatus>;
export type UDPRouteSpec = TCPRouteSpec;
export type UDPRoute = KubeObject<UDPRouteSpec, RouteStatus>;

export interface PolicyTargetReference {
  group?: string;
  kind?: string;
  name: string;
  sectionName?: string;
}
export interface SubjectAltName {
  type?: 'Hostname' | 'URI';
  hostname?: string;
  uri?: string;
}
export interface BackendTLSPolicySpec {
  targetRefs?: PolicyTargetReference[];
  validation?: {
    caCertificateRefs?: { group?: string; kind?: string; name: string }[];
    wellKnownCACertificates?: string;
    hostname?: string;
    subjectAltNames?: SubjectAltName[];
  };
  options?: Record<string, string>;
}
export interface PolicyAncestorStatus {
  ancestorRef: ParentReference;
  controllerName: string;
  conditions: Condition[];
}
export interface PolicyStatus {
  ancestors: PolicyAncestorStatus[];
}
export type BackendTLSPolicy = KubeObject<BackendTLSPolicySpec, PolicyStatus>;

export interface ReferenceGrantSpec {
  from: { group: string; kind: string; namespace: string }[];
  to: { group: string; kind: string; name?: string }[];
}
export type ReferenceGrant = KubeObject<ReferenceGrantSpec>;

// ---------- core Kubernetes ----------

export interface ServicePort {
  name?: string;
  protocol?: string;
  port: number;
  targetPort?: number | string;
  appProtocol?: string;
}
export interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  ports?: ServicePort[];
  selector?: Record<string, string>;
  externalName?: string;
}
export type Service = KubeObject<ServiceSpec>;

export interface EndpointSlice extends KubeObject {
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints?: {
    addresses: string[];
    conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  }[];
  ports?: { name?: string; port?: number; protocol?: string; appProtocol?: string }[];
}

export interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export type Namespace = KubeObject;

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

/** certificates.k8s.io ClusterTrustBundle (cluster-scoped): CA certificates in `spec.trustBundle` (PEM). */
export interface ClusterTrustBundle extends KubeObject {
  spec?: { signerName?: string; trustBundle?: string };
}

/** Every kind Portico reads, keyed as `<group>/<Kind>` for the Gateway API and `<Kind>` for core kinds. */
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
}

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
export const CONTROLLER_NAME = 'portico.dev/gateway-controller';
/** The API group of Portico's own kinds. */
export const PORTICO_GROUP = 'gateway.portico.dev';

// ---------- XBackend (gateway.networking.x-k8s.io/v1alpha1, experimental in Gateway API v1.7.0) ----------

export const GATEWAY_X_GROUP = 'gateway.networking.x-k8s.io';

/** Session persistence on an XBackend (GEP-1619 as v1.7.0 has it: `cookie.name`/`path`, `header.name`). */
export interface XBackendSessionPersistence {
  type?: 'Cookie' | 'Header';
  absoluteTimeout?: string;
  cookie?: { name?: string; path?: string; lifetimeType?: 'Permanent' | 'Session' };
  header?: { name?: string };
}

export interface XBackendSpec {
  type: 'EndpointSelector' | 'ExternalHostname';
  /** The port Envoy connects to: the endpoints' (pods') port, or the external host's. */
  port: { number?: number };
  endpointSelector?: { matchLabels?: Record<string, string> };
  externalHostname?: { hostname?: string };
  protocol?: 'TCP' | 'HTTP' | 'HTTP2' | 'HTTP11' | 'H2C' | 'MCP' | 'GRPC' | 'WSS';
  tls?: {
    mode?: 'None' | 'ServerOnly' | 'ClientAndServer';
    clientCertificateRef?: SecretObjectReference;
    validation?: BackendTLSPolicySpec['validation'];
  };
  sessionPersistence?: XBackendSessionPersistence;
}

export interface XBackendStatus {
  ancestors?: PolicyAncestorStatus[];
}
export type XBackend = KubeObject<XBackendSpec, XBackendStatus>;

/** The part of a Pod an XBackend's EndpointSelector reads: labels, addresses and readiness. */
export interface PodStatus {
  phase?: string;
  podIP?: string;
  podIPs?: { ip: string }[];
  conditions?: { type: string; status: string }[];
}
export type Pod = KubeObject<unknown, PodStatus>;

// ---------- XTelemetryPolicy (gateway.networking.x-k8s.io/v1alpha1, experimental in Gateway API v1.7.0) ----------

/** A sampling probability as the CRD writes it (`denominator` defaults to 100). */
export interface TelemetryFraction {
  numerator: number;
  denominator?: number;
}

/** One attribute put on every span (GEP-4768 `Attribute`). */
export interface TelemetryAttribute {
  name: string;
  sourceType: 'Header' | 'Literal' | 'Attribute';
  headerName?: string;
  literalValue?: string;
  /** A key of the standardized attribute dictionary (GEP-5253), e.g. `http.request.method`. */
  attributeKey?: string;
}

export type TelemetryMode = 'Enabled' | 'Disabled' | 'ImplementationDefault';

export interface XTelemetryPolicySpec {
  targetRefs: { group: string; kind: string; name: string }[];
  tracing?: {
    mode?: TelemetryMode;
    provider?: { backendRef: BackendObjectReference; headers?: HTTPHeader[] };
    samplingRate?: TelemetryFraction;
    parentBasedSampling?: { mode?: TelemetryMode; samplingRate?: TelemetryFraction };
    serviceName?: string;
    spanName?: string;
    attributes?: TelemetryAttribute[];
  };
}
export type XTelemetryPolicy = KubeObject<XTelemetryPolicySpec, PolicyStatus>;

// ---------- Listener filters (experimental in Gateway API v1.7.0, GEP-5224) ----------

/** HTTPExternalAuthFilter: ask an ext_authz server (Envoy's gRPC protocol, or plain HTTP) about each request. */
export interface HTTPExternalAuthFilter {
  protocol?: 'HTTP' | 'GRPC';
  backendRef?: BackendObjectReference;
  grpc?: { allowedHeaders?: string[] };
  http?: { path?: string; allowedHeaders?: string[]; allowedResponseHeaders?: string[] };
  forwardBody?: { maxSize?: number };
}

export interface ListenerFilter {
  type: string;
  externalAuth?: HTTPExternalAuthFilter;
  extensionRef?: LocalObjectReference;
}

/** `Listener.filters`: today only the request phase, run in list order before route matching. */
export interface ListenerFilters {
  requests?: ListenerFilter[];
}
