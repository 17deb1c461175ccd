/**
 * The intermediate representation between the two pure translation stages.
 *
 * It is shaped like Envoy configuration (listeners, filter chains, route configurations,
 * virtual hosts, routes, clusters, endpoints, secrets) with every name already computed and
 * every value already validated: `translate/xds` turns it into Envoy v3 messages without
 * making decisions. It is plain JSON-serializable data, sorted deterministically.
 */
import type { IrPreRoutingFilter, IrRouteExtAuthz } from './pre-routing.js';
import type { IrRouteConfig } from './route-types.js';
import type { IrOidc } from './security.js';
import type { IrSource } from './source.js';
import type { IrJwtAuthn } from './security-jwt.js';
import type { IrClusterTraffic } from './traffic.js';
import type {
  IrConnectionLimit,
  IrHcmClientTraffic,
  IrListenerClientTraffic,
  IrTlsParameters,
} from './client-traffic.js';
import type { IrRateLimitService } from './rate-limit.js';
import type { IrAccessLog, IrAccessLogParameters } from './access-log.js';

export * from './pre-routing.js';
export * from './route-types.js';
export * from './security.js';
export * from './source.js';
export * from './traffic.js';
export * from './client-traffic.js';
export * from './rate-limit.js';
export * from './access-log.js';

export interface IrGateway {
  /** `<namespace>/<name>`: Envoy's `node.cluster` for proxies serving this Gateway. */
  name: string;
  namespace: string;
  gatewayName: string;
  listeners: IrListener[];
  routeConfigs: IrRouteConfig[];
  clusters: IrCluster[];
  secrets: IrSecret[];
  /**
   * What the parameters of its GatewayClass and its own `spec.infrastructure.parametersRef` say
   * about the Envoy Deployment and Service provisioned for it (`envoy-proxy-parameters.ts`).
   * Absent when neither names parameters.
   */
  infrastructure?: IrInfrastructure;
}

/**
 * A Gateway's parameters: merged and valid, or why they cannot be used (its Accepted=False
 * InvalidParameters message): the provisioner then holds the Gateway's Envoy objects as they are.
 */
export type IrInfrastructure = { parameters: IrProxyParameters } | { invalid: string };

export type IrEnvoyLogLevel = 'trace' | 'debug' | 'info' | 'warning' | 'error' | 'critical' | 'off';

/** Kubernetes quantities (`100m`, `128Mi`) as written; checked to parse and to be non-negative. */
export interface IrResourceList {
  cpu?: string;
  memory?: string;
}

export interface IrToleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

/** The spec of an EnvoyProxyParameters (gateway.portico.dev/v1alpha1), validated; every field optional. */
export interface IrProxyParameters {
  deployment?: {
    replicas?: number;
    image?: string;
    logLevel?: IrEnvoyLogLevel;
    resources?: { requests?: IrResourceList; limits?: IrResourceList };
    nodeSelector?: Record<string, string>;
    tolerations?: IrToleration[];
  };
  service?: {
    type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
    externalTrafficPolicy?: 'Cluster' | 'Local';
    annotations?: Record<string, string>;
  };
  /** Access logs of the Gateway's Envoy (absent: Portico's default, JSON on stdout). */
  telemetry?: { accessLog?: IrAccessLogParameters };
}

/** One Envoy listener per port. Gateway listeners sharing a port become filter chains or virtual hosts of it. */
export interface IrListener {
  /** e.g. `default/eg/tcp-8080`. */
  name: string;
  address: string;
  port: number;
  /**
   * `HTTP`: one chain, no SNI. `HTTPS` and `TLS` (a port with only TLS Gateway listeners): chains
   * selected by SNI, HTTP and TLS-proxy ones side by side. `TCP`: one chain, no SNI.
   */
  protocol: 'HTTP' | 'HTTPS' | 'TLS' | 'TCP' | 'UDP';
  filterChains: IrFilterChain[];
  /** UDP listeners have no filter chains: datagrams go to one cluster (UDPRoute). */
  udp?: { statPrefix: string; clusterName: string; accessLog?: IrAccessLog[] };
  /** ClientTrafficPolicy settings of the whole listener (PROXY protocol, buffer limit, keepalive). */
  clientTraffic?: IrListenerClientTraffic;
}

export interface IrFilterChain {
  name: string;
  /** SNI names matched by this chain; empty means any. Exact (`a.example.com`) or wildcard (`*.example.com`). */
  serverNames: string[];
  /** Set for TLS-terminating chains. */
  tls?: IrTlsContext;
  /** The HTTP connection manager of this chain (HTTP and HTTPS listeners). */
  http?: IrHttpConnectionManager;
  /** The TCP proxy of this chain (TLSRoute, TCPRoute). */
  tcp?: IrTcpProxy;
  /** ClientTrafficPolicy `connection.connectionLimit`: the connection_limit network filter, first. */
  connectionLimit?: IrConnectionLimit;
}

/**
 * Connections forwarded as they are to weighted clusters. `rejectWeight` is the share of
 * backendRefs that could not be resolved: those connections are closed (TLSRoute, TCPRoute:
 * "Connection rejections must respect weight").
 */
export interface IrTcpProxy {
  statPrefix: string;
  backends: { clusterName: string; weight: number }[];
  rejectWeight: number;
  /** ClientTrafficPolicy `timeout.tcp.idleTimeout`. */
  idleTimeoutMs?: number;
  /** One entry per access log (none: no log). */
  accessLog?: IrAccessLog[];
  /** A BackendTrafficPolicy's ConsistentHash on the client's address (its clusters are Maglev). */
  hashSourceIp?: boolean;
}

export interface IrTlsContext {
  /** Names of `IrSecret`s (TLS certificates) served over SDS, in the listener's order. */
  certificateSecretNames: string[];
  /** ALPN offered to clients. */
  alpnProtocols: string[];
  /**
   * Client certificates checked against these CAs (`spec.tls.frontend`). `required`: a client
   * without a valid certificate is refused (AllowValidOnly); otherwise it is let through
   * (AllowInsecureFallback).
   */
  clientValidation?: { trustedCa: string; required: boolean };
  /** ClientTrafficPolicy `tls`: protocol versions and cipher suites. */
  params?: IrTlsParameters;
}

export interface IrHttpConnectionManager {
  /** Stat prefix, derived from the listener. */
  statPrefix: string;
  /** Name of the `IrRouteConfig` fetched over RDS. */
  routeConfigName: string;
  /** HTTP filters needed by some route of the route config, beyond the router (which is always last). */
  filters: IrHttpFilterKind[];
  /** Gateway listeners' pre-routing filters, first in the chain, each enabled on its listener's virtual hosts. */
  preRouting?: IrPreRoutingFilter[];
  /** The route rules' ExternalAuth filters (one per configuration, by name), each off but on its rules' routes. */
  extAuthz?: IrRouteExtAuthz[];
  /** SecurityPolicies' ext_authz filters (one per configuration, by name), each off but on its policies' routes. */
  securityExtAuthz?: IrRouteExtAuthz[];
  /** SecurityPolicy OIDC logins (one oauth2 filter per policy, by name), each off but on its policy's routes. */
  oidc?: IrOidc[];
  /** The Gateway's tracing (its XTelemetryPolicy), the same on every connection manager of the Gateway. */
  tracing?: IrTracing;
  /** The JWT providers of the SecurityPolicies its routes use (one jwt_authn filter, a requirement per policy). */
  jwtAuthn?: IrJwtAuthn;
  /** ClientTrafficPolicy settings of the connection manager (client address, timeouts, headers, HTTP versions, paths). */
  clientTraffic?: IrHcmClientTraffic;
  /** The rate limit service its routes' Global rate limits ask (one ratelimit filter). */
  rateLimitService?: IrRateLimitService;
  /** The Gateway's access logs (none: no log). */
  accessLog?: IrAccessLog[];
}

/** Optional HTTP filters; each is installed disabled-by-default and enabled per route. */
export type IrHttpFilterKind =
  | 'cors'
  | 'stateful_session_cookie'
  | 'stateful_session_header'
  /** Aborts the share of requests that belongs to unresolved backendRefs with a 500. */
  | 'invalid_backend_abort'
  /** SecurityPolicy `authorization` (Envoy's rbac filter, configured per route). */
  | 'rbac'
  /** SecurityPolicy `basicAuth` without / with `forwardUsernameHeader` (one filter per header name). */
  | 'basic_auth'
  | `basic_auth_forward:${string}`
  /** SecurityPolicy `apiKeyAuth`. */
  | 'api_key_auth'
  /** SecurityPolicy `jwt` (Envoy's jwt_authn filter, its providers in `IrHttpConnectionManager.jwtAuthn`). */
  | 'jwt_authn'
  /** BackendTrafficPolicy `faultInjection` (Envoy's fault filter, configured per route). */
  | 'fault_injection'
  /** BackendTrafficPolicy `compressor`: `compressor:<type>[:<minContentLength>]`, one filter each. */
  | `compressor:${string}`
  /** BackendTrafficPolicy `requestBuffer` (Envoy's buffer filter, its limit per route). */
  | 'buffer'
  /** BackendTrafficPolicy `responseOverride` (Envoy's custom_response filter, its rules per route). */
  | 'custom_response'
  /** BackendTrafficPolicy `rateLimit.local` (Envoy's local_ratelimit filter, configured per route). */
  | 'local_ratelimit'
  /** BackendTrafficPolicy `rateLimit.global` (Envoy's ratelimit filter, `IrHttpConnectionManager.rateLimitService`). */
  | 'ratelimit';

export interface IrEndpoint {
  address: string;
  port: number;
  /** Load-balancing weight; only set in clusters that combine several backends. */
  weight?: number;
  /**
   * Envoy priority; only set (to 1) for the endpoints of weight-0 backends in a combined session
   * cluster: they take no new requests, only the sessions already bound to them.
   */
  priority?: number;
}

export interface IrCluster {
  /** Stable: `<namespace>/<service>/<port>` — independent of which rule uses it. */
  name: string;
  source: IrSource & { port: number };
  /** Upstream protocol: HTTP/1.1, HTTP/2 prior knowledge (h2c), or bytes as they come (TCP proxy). */
  protocol: 'http1' | 'http2' | 'tcp' | 'udp';
  /** TLS to the endpoints (a BackendTLSPolicy applies to the Service port). */
  tls?: IrUpstreamTls;
  /**
   * TCP clusters of a Service port with a BackendTLSPolicy: what a TLS-terminating listener must
   * do to reach it (originate TLS with `tls`, or nothing when the policy cannot be used). A
   * passthrough listener forwards the client's own TLS and ignores it.
   */
  reencrypt?: { tls?: IrUpstreamTls };
  /** Endpoints served over EDS (a ClusterLoadAssignment named like the cluster, or `edsName`). May be empty. */
  endpoints: IrEndpoint[];
  /**
   * Set on a copy of another cluster with the same endpoints (a BackendTrafficPolicy's copy, a
   * listener's TLS copy): the name of the ClusterLoadAssignment it shares with that cluster (its
   * `eds_cluster_config.service_name`), so one assignment per Service port is built and pushed,
   * however many copies use it.
   */
  edsName?: string;
  /**
   * Instead of EDS: a host name (or address) Envoy resolves itself (STRICT_DNS, IPv4 first), with
   * its port: a server outside the cluster named by URL (an OIDC provider's token endpoint, a
   * SecurityPolicy's remote JWKS URI). `endpoints` is then empty and no ClusterLoadAssignment is served.
   */
  dns?: { hostname: string; port: number };
  /**
   * Set when the cluster combines several backends (a rule with session persistence over weighted
   * backendRefs: Envoy keeps a session within one cluster, so the backends become one cluster with
   * weighted endpoints). `source` is then the first member.
   */
  members?: (IrSource & { port: number; weight: number })[];
  /**
   * What a BackendTrafficPolicy does to it: the cluster is then the policy's copy of a backend
   * cluster (`<cluster>/policy/<namespace>/<name>`), used by the routes the policy applies to.
   */
  traffic?: IrClusterTraffic;
  /** An XBackendTrafficPolicy's retryConstraint on the Service's cluster (Envoy's retry budget). */
  retryBudget?: IrRetryBudget;
}

export interface IrRetryBudget {
  /** Of the requests active at once, the share (percent) that may be retries. */
  budgetPercent: number;
  /** Retries always allowed at once, whatever the share. */
  minRetryConcurrency: number;
}

/** TLS origination to a backend: SNI, the CAs that must sign its certificate, the names it must carry. */
export interface IrUpstreamTls {
  sni: string;
  /** PEM CA certificates, or a file of them on the Envoy's machine (the system's). */
  ca: { pem: string } | { file: string };
  /** The certificate must carry one of these subject alternative names. */
  subjectAltNames: { type: 'DNS' | 'URI' | 'IP_ADDRESS'; value: string }[];
  /** The SDS secret (one of the Gateway's `secrets`) Envoy presents as its client certificate. */
  clientCertificateSecretName?: string;
}

/** A secret served over SDS: a TLS certificate, or an opaque value (`generic`). */
export type IrSecret = IrTlsSecret | IrGenericSecret;

export interface IrTlsSecret {
  /** e.g. `<namespace>/<secret-name>`. */
  name: string;
  source: IrSource;
  certificateChain: string;
  privateKey: string;
}

/** An opaque secret value (an OAuth2 client secret, an HMAC key), Envoy's `generic_secret`. */
export interface IrGenericSecret {
  name: string;
  source: IrSource;
  generic: string;
}

// ---------- Tracing (XTelemetryPolicy, GEP-4768) ----------

/**
 * A Gateway's tracing: Envoy's OpenTelemetry tracer, exporting OTLP over gRPC to one collector
 * cluster. A request is traced when Envoy's random sampling picks it and, if it carries a trace
 * parent (`traceparent`), the parent is sampled.
 */
export interface IrTracing {
  /** `<namespace>/<name>` of the XTelemetryPolicy it comes from. */
  policy: string;
  /** The `IrCluster` (HTTP/2) of the OTLP/gRPC collector. */
  clusterName: string;
  /** The OTLP resource's `service.name`. */
  serviceName: string;
  /** Share of requests traced, in percent (0–100). */
  samplingPercent: number;
  /** Span attributes: a fixed value, or the value of a request header when the span ends. */
  attributes: IrTracingAttribute[];
  /** Metadata sent with every export call (lowercase names). */
  exportHeaders: { name: string; value: string }[];
}

export type IrTracingAttribute = { name: string; literal: string } | { name: string; requestHeader: string };
