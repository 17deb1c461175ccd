/**
 * Type URLs of every Envoy message Portico serves or packs into an Any, as literal types so a
 * misspelt URL is a compile error rather than an empty Any at runtime.
 */
import type { XdsKind } from './xds-resources.js';

const PREFIX = 'type.googleapis.com/';

export const LISTENER = `${PREFIX}envoy.config.listener.v3.Listener` as const;
export const ROUTE_CONFIGURATION = `${PREFIX}envoy.config.route.v3.RouteConfiguration` as const;
export const CLUSTER = `${PREFIX}envoy.config.cluster.v3.Cluster` as const;
export const CLUSTER_LOAD_ASSIGNMENT = `${PREFIX}envoy.config.endpoint.v3.ClusterLoadAssignment` as const;
export const SECRET = `${PREFIX}envoy.extensions.transport_sockets.tls.v3.Secret` as const;

export const HTTP_CONNECTION_MANAGER =
  `${PREFIX}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager` as const;
export const ROUTER = `${PREFIX}envoy.extensions.filters.http.router.v3.Router` as const;
export const CORS = `${PREFIX}envoy.extensions.filters.http.cors.v3.Cors` as const;
export const HTTP_FAULT = `${PREFIX}envoy.extensions.filters.http.fault.v3.HTTPFault` as const;
export const CORS_POLICY = `${PREFIX}envoy.extensions.filters.http.cors.v3.CorsPolicy` as const;
export const STATEFUL_SESSION = `${PREFIX}envoy.extensions.filters.http.stateful_session.v3.StatefulSession` as const;
export const STATEFUL_SESSION_PER_ROUTE =
  `${PREFIX}envoy.extensions.filters.http.stateful_session.v3.StatefulSessionPerRoute` as const;
export const COOKIE_BASED_SESSION_STATE =
  `${PREFIX}envoy.extensions.http.stateful_session.cookie.v3.CookieBasedSessionState` as const;
export const HEADER_BASED_SESSION_STATE =
  `${PREFIX}envoy.extensions.http.stateful_session.header.v3.HeaderBasedSessionState` as const;
export const DOWNSTREAM_TLS_CONTEXT =
  `${PREFIX}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext` as const;
export const DOWNSTREAM_CONNECTIONS =
  `${PREFIX}envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig` as const;
export const STDOUT_ACCESS_LOG = `${PREFIX}envoy.extensions.access_loggers.stream.v3.StdoutAccessLog` as const;
export const STDERR_ACCESS_LOG = `${PREFIX}envoy.extensions.access_loggers.stream.v3.StderrAccessLog` as const;
export const OPEN_TELEMETRY_ACCESS_LOG =
  `${PREFIX}envoy.extensions.access_loggers.open_telemetry.v3.OpenTelemetryAccessLogConfig` as const;
export const TCP_PROXY = `${PREFIX}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy` as const;
export const UPSTREAM_TLS_CONTEXT = `${PREFIX}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext` as const;
export const UDP_PROXY = `${PREFIX}envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig` as const;
export const UDP_PROXY_ROUTE = `${PREFIX}envoy.extensions.filters.udp.udp_proxy.v3.Route` as const;
export const TLS_INSPECTOR = `${PREFIX}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector` as const;
export const HTTP_PROTOCOL_OPTIONS = `${PREFIX}envoy.extensions.upstreams.http.v3.HttpProtocolOptions` as const;
export const PREVIOUS_HOSTS_PREDICATE =
  `${PREFIX}envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate` as const;
// Pre-routing (listener) filters.
export const EXT_AUTHZ = `${PREFIX}envoy.extensions.filters.http.ext_authz.v3.ExtAuthz` as const;
export const EXT_AUTHZ_PER_ROUTE = `${PREFIX}envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute` as const;

// SecurityPolicy authorization.
export const RBAC = `${PREFIX}envoy.extensions.filters.http.rbac.v3.RBAC` as const;
export const RBAC_PER_ROUTE = `${PREFIX}envoy.extensions.filters.http.rbac.v3.RBACPerRoute` as const;
export const OAUTH2 = `${PREFIX}envoy.extensions.filters.http.oauth2.v3.OAuth2` as const;
export const ROUTE_FILTER_CONFIG = `${PREFIX}envoy.config.route.v3.FilterConfig` as const;

// SecurityPolicy basicAuth and apiKeyAuth.
export const BASIC_AUTH = `${PREFIX}envoy.extensions.filters.http.basic_auth.v3.BasicAuth` as const;
export const BASIC_AUTH_PER_ROUTE = `${PREFIX}envoy.extensions.filters.http.basic_auth.v3.BasicAuthPerRoute` as const;
export const API_KEY_AUTH = `${PREFIX}envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuth` as const;
export const API_KEY_AUTH_PER_ROUTE =
  `${PREFIX}envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuthPerRoute` as const;

// SecurityPolicy jwt.
export const JWT_AUTHN = `${PREFIX}envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication` as const;
export const JWT_AUTHN_PER_ROUTE = `${PREFIX}envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig` as const;

// BackendTrafficPolicy compression, requestBuffer and responseOverride.
export const COMPRESSOR = `${PREFIX}envoy.extensions.filters.http.compressor.v3.Compressor` as const;
export const COMPRESSOR_PER_ROUTE = `${PREFIX}envoy.extensions.filters.http.compressor.v3.CompressorPerRoute` as const;
export const GZIP_COMPRESSOR = `${PREFIX}envoy.extensions.compression.gzip.compressor.v3.Gzip` as const;
export const BROTLI_COMPRESSOR = `${PREFIX}envoy.extensions.compression.brotli.compressor.v3.Brotli` as const;
export const ZSTD_COMPRESSOR = `${PREFIX}envoy.extensions.compression.zstd.compressor.v3.Zstd` as const;
export const BUFFER = `${PREFIX}envoy.extensions.filters.http.buffer.v3.Buffer` as const;
export const BUFFER_PER_ROUTE = `${PREFIX}envoy.extensions.filters.http.buffer.v3.BufferPerRoute` as const;
export const CUSTOM_RESPONSE = `${PREFIX}envoy.extensions.filters.http.custom_response.v3.CustomResponse` as const;
export const LOCAL_RESPONSE_POLICY =
  `${PREFIX}envoy.extensions.http.custom_response.local_response_policy.v3.LocalResponsePolicy` as const;
export const HTTP_RESPONSE_STATUS_CODE_MATCH_INPUT =
  `${PREFIX}envoy.type.matcher.v3.HttpResponseStatusCodeMatchInput` as const;

// Tracing (XTelemetryPolicy).
export const OPENTELEMETRY_CONFIG = `${PREFIX}envoy.config.trace.v3.OpenTelemetryConfig` as const;

// ClientTrafficPolicy.
export const CONNECTION_LIMIT =
  `${PREFIX}envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit` as const;
export const PROXY_PROTOCOL = `${PREFIX}envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol` as const;
export const CUSTOM_HEADER_IP_DETECTION =
  `${PREFIX}envoy.extensions.http.original_ip_detection.custom_header.v3.CustomHeaderConfig` as const;
export const EARLY_HEADER_MUTATION =
  `${PREFIX}envoy.extensions.http.early_header_mutation.header_mutation.v3.HeaderMutation` as const;
// BackendTrafficPolicy rateLimit.
export const LOCAL_RATE_LIMIT = `${PREFIX}envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit` as const;
export const RATE_LIMIT = `${PREFIX}envoy.extensions.filters.http.ratelimit.v3.RateLimit` as const;

/** The type URLs of resources served over xDS. */
export type ResourceTypeUrl =
  typeof LISTENER | typeof ROUTE_CONFIGURATION | typeof CLUSTER | typeof CLUSTER_LOAD_ASSIGNMENT | typeof SECRET;

export const TYPE_URL_BY_KIND: { readonly [K in XdsKind]: ResourceTypeUrl } = {
  listeners: LISTENER,
  routes: ROUTE_CONFIGURATION,
  clusters: CLUSTER,
  endpoints: CLUSTER_LOAD_ASSIGNMENT,
  secrets: SECRET,
};

/** Inverse of `TYPE_URL_BY_KIND`, for requests that name a type URL. */
export function kindOfTypeUrl(typeUrl: string): XdsKind | undefined {
  for (const [kind, url] of Object.entries(TYPE_URL_BY_KIND) as [XdsKind, ResourceTypeUrl][]) {
    if (url === typeUrl) return kind;
  }
  return undefined;
}
