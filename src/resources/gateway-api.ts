/** The Gateway API kinds Portico reads (gateway.networking.k8s.io), and the listener filters of v1.7.0 (GEP-5224). */
import type { Condition, KubeObject } from './kube-object.js';

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
