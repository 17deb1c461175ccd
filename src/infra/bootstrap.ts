/**
 * The Envoy bootstrap that connects an Envoy to Portico for one Gateway: node identity
 * (`node.cluster` = `<namespace>/<gateway>`, the key of the snapshot it gets; `node.id` unique per
 * replica), listeners and clusters over ADS (routes, endpoints and secrets follow through the
 * resources), a static cluster for the xDS server (HTTP/2; mutual TLS with the `tls` option, which
 * a cluster always uses: the stream carries TLS private keys), an admin interface on loopback,
 * and (with `stats`) a listener that serves only its Prometheus stats page (admin-listeners.ts). Built as a typed object in protobufjs keepCase form, so it goes through
 * the same round-trip check as every xDS resource, and printed as proto JSON.
 */
import { RE2_MAX_PROGRAM_SIZE } from '../translate/gatewayapi/regex-size.js';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { toProtoJson } from '../proto/proto-json.js';
import { adminCluster, adminPageListener, PROMETHEUS_PATH, STATS_LISTENER_NAME } from './admin-listeners.js';
import type { JsonValue } from '../proto/proto-json.js';
import { DOWNSTREAM_CONNECTIONS, HTTP_PROTOCOL_OPTIONS, SECRET } from '../proto/type-urls.js';
import type { Bootstrap, Cluster, envoy, Secret } from '../translate/xds/types.js';

type ConfigSource = envoy.config.core.v3.ConfigSource;
type CommonTlsContext = envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import type { GatewayKey } from '../xds/contract.js';

export const BOOTSTRAP_TYPE_URL = 'type.googleapis.com/envoy.config.bootstrap.v3.Bootstrap' as const;
export const XDS_CLUSTER_NAME = 'portico-xds';
export const DEFAULT_XDS_ADDRESS = '127.0.0.1:18000';
export const DEFAULT_ADMIN_PORT = 19901;
export const UPSTREAM_TLS_CONTEXT_TYPE_URL =
  'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext' as const;

/** Files (the Gateway's own xDS client certificate Secret) for mutual TLS to the xDS server. */
export interface BootstrapTls {
  /** CA that signed the xDS server certificate. */
  caFile: string;
  /** Envoy's client certificate (naming its Gateway) and key. */
  certFile: string;
  keyFile: string;
  /** SNI and the DNS name the server certificate must carry; default: the xDS host when it is a name. */
  serverName?: string;
  /**
   * Read the certificate, key and CA through SDS from two files (`xdsTlsSdsFiles` gives their
   * content), reloaded whenever `watchedDirectory` has its files replaced (a Kubernetes Secret
   * mount swaps them atomically; so does the local launcher): a renewed client certificate is used
   * from the next connection on, without restarting Envoy. Without it, the files are read once.
   */
  sds?: { clientFile: string; caFile: string; watchedDirectory: string };
}

/** SDS resource names of the xDS channel's own certificate and CA. */
export const XDS_CLIENT_SDS_NAME = 'portico-xds-client';
export const XDS_CA_SDS_NAME = 'portico-xds-ca';

export interface HostPort {
  host: string;
  port: number;
}

export interface BootstrapOptions {
  /** `<namespace>/<name>`. */
  gateway: GatewayKey;
  xds: HostPort;
  adminPort: number;
  /** Defaults to `<ns>/<name>/<hostname>-<pid>`. */
  nodeId?: string;
  /** `sotw` (default) or `delta` ADS. */
  protocol?: 'sotw' | 'delta';
  /** Mutual TLS to the xDS server; plaintext without it (local use only). */
  tls?: BootstrapTls;
  /** Open downstream connections Envoy accepts in all (`DEFAULT_MAX_DOWNSTREAM_CONNECTIONS`). */
  maxDownstreamConnections?: number;
  /**
   * Prometheus stats (`/stats/prometheus`) served on this address and port by a listener of
   * their own (admin-listeners.ts); none without it.
   */
  stats?: HostPort;
}

/**
 * The connections an Envoy holds open from clients, across all its listeners, before it refuses
 * new ones (Envoy's overload manager, `global_downstream_max_connections`). Without a limit a
 * flood of idle connections takes memory and file descriptors until Envoy falls over, and Envoy
 * warns so at every start. 50,000 is Envoy Gateway's default: far above what one replica serves
 * well, low enough to stop before memory or file descriptors run out.
 */
export const DEFAULT_MAX_DOWNSTREAM_CONNECTIONS = 50_000;

export function defaultNodeId(gateway: GatewayKey, replica: string | number = process.pid): string {
  return `${gateway}/${hostname()}-${replica}`;
}

export function buildBootstrap(options: BootstrapOptions): Bootstrap {
  const configSource: ConfigSource = { ads: {}, resource_api_version: 'V3' };
  return {
    node: { id: options.nodeId ?? defaultNodeId(options.gateway), cluster: options.gateway },
    dynamic_resources: {
      ads_config: {
        api_type: options.protocol === 'delta' ? 'DELTA_GRPC' : 'GRPC',
        transport_api_version: 'V3',
        grpc_services: [{ envoy_grpc: { cluster_name: XDS_CLUSTER_NAME, retry_policy: XDS_RECONNECT } }],
        set_node_on_first_message_only: true,
      },
      lds_config: configSource,
      cds_config: configSource,
    },
    static_resources: options.stats
      ? {
          listeners: [adminPageListener(STATS_LISTENER_NAME, options.stats.host, options.stats.port, PROMETHEUS_PATH)],
          clusters: [xdsCluster(options.xds, options.tls), adminCluster(options.adminPort)],
        }
      : { clusters: [xdsCluster(options.xds, options.tls)] },
    admin: { address: socketAddress('127.0.0.1', options.adminPort) },
    // No stats sink is configured, so a periodic flush (every 5 s) would only walk every stat on
    // the main thread (≈ 500,000 with 5,000 clusters), delaying the xDS updates that arrive
    // meanwhile: it was the tail of an endpoint change's push → ACK (p99 44–82 ms, 13–23 ms
    // without it). The admin endpoint flushes when it is asked.
    stats_flush_on_admin: true,
    layered_runtime: ENVOY_RUNTIME,
    overload_manager: {
      resource_monitors: [
        {
          name: 'envoy.resource_monitors.global_downstream_max_connections',
          typed_config: {
            '@type': DOWNSTREAM_CONNECTIONS,
            max_active_downstream_connections: options.maxDownstreamConnections ?? DEFAULT_MAX_DOWNSTREAM_CONNECTIONS,
          },
        },
      ],
    },
  };
}

/**
 * How Envoy reconnects to a control plane that went away: jittered exponential backoff from
 * 0.5 s, capped at 5 s instead of Envoy's 30 s. Envoy serves its last configuration meanwhile,
 * so the cap only bounds how long a restarted Portico waits before its changes reach Envoys that
 * were in a long backoff (measured with the standalone kill -9 test: ~7 s after Portico was
 * back with the default); one attempt per 5 s per Envoy is no load on a Portico that is down.
 */
const XDS_RECONNECT: envoy.config.core.v3.RetryPolicy = {
  retry_back_off: { base_interval: { seconds: 0, nanos: 500_000_000 }, max_interval: { seconds: 5, nanos: 0 } },
};

/**
 * Runtime of every Envoy Portico configures: a static layer with the RE2 program size limit the
 * translator checks regular expressions against (Envoy's default, 100, rejects ordinary patterns
 * and with them the whole RouteConfiguration), then the admin layer Envoy has by default.
 */
export const ENVOY_RUNTIME: envoy.config.bootstrap.v3.LayeredRuntime = {
  layers: [
    {
      name: 'portico',
      // A google.protobuf.Struct, in protobufjs's object form.
      static_layer: {
        fields: {
          're2.max_program_size.error_level': { numberValue: RE2_MAX_PROGRAM_SIZE },
          're2.max_program_size.warn_level': { numberValue: RE2_MAX_PROGRAM_SIZE },
        },
      },
    },
    { name: 'admin', admin_layer: {} },
  ],
};

/** The bootstrap as Envoy reads it (`-c file.json`): proto JSON without the top-level `@type`. */
export function bootstrapJson(bootstrap: Bootstrap): JsonValue {
  const printed = toProtoJson(BOOTSTRAP_TYPE_URL, bootstrap) as { [key: string]: JsonValue };
  const { '@type': _type, ...rest } = printed;
  return rest;
}

function xdsCluster(xds: HostPort, tls: BootstrapTls | undefined): Cluster {
  return {
    ...(tls ? { transport_socket: xdsTransportSocket(xds, tls) } : {}),
    name: XDS_CLUSTER_NAME,
    // A name (a Service in a cluster) is resolved by DNS; an IP needs no resolution.
    type: isIP(xds.host) === 0 ? 'STRICT_DNS' : 'STATIC',
    connect_timeout: { seconds: 5, nanos: 0 },
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': HTTP_PROTOCOL_OPTIONS,
        explicit_http_config: {
          // gRPC needs HTTP/2; keepalive notices a control plane that went away without closing.
          http2_protocol_options: {
            connection_keepalive: { interval: { seconds: 30, nanos: 0 }, timeout: { seconds: 5, nanos: 0 } },
          },
        },
      },
    },
    load_assignment: {
      cluster_name: XDS_CLUSTER_NAME,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(xds.host, xds.port) } }] }],
    },
  };
}

function xdsTransportSocket(xds: HostPort, tls: BootstrapTls): envoy.config.core.v3.TransportSocket {
  const serverName = tls.serverName ?? (isIP(xds.host) === 0 ? xds.host : undefined);
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': UPSTREAM_TLS_CONTEXT_TYPE_URL,
      ...(serverName ? { sni: serverName } : {}),
      common_tls_context: tls.sds ? sdsTlsContext(tls.sds, serverName) : fileTlsContext(tls, serverName),
    },
  };
}

function serverNameMatch(
  serverName: string | undefined,
): envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext {
  // Without a name to check, any certificate of the CA is accepted (the CA is Portico's own).
  return serverName ? { match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: serverName } }] } : {};
}

function fileTlsContext(tls: BootstrapTls, serverName: string | undefined): CommonTlsContext {
  return {
    alpn_protocols: ['h2'],
    tls_certificates: [{ certificate_chain: { filename: tls.certFile }, private_key: { filename: tls.keyFile } }],
    validation_context: { trusted_ca: { filename: tls.caFile }, ...serverNameMatch(serverName) },
  };
}

function sdsTlsContext(sds: NonNullable<BootstrapTls['sds']>, serverName: string | undefined): CommonTlsContext {
  const source = (path: string): ConfigSource => ({ path_config_source: { path }, resource_api_version: 'V3' });
  return {
    alpn_protocols: ['h2'],
    tls_certificate_sds_secret_configs: [{ name: XDS_CLIENT_SDS_NAME, sds_config: source(sds.clientFile) }],
    combined_validation_context: {
      default_validation_context: serverNameMatch(serverName),
      validation_context_sds_secret_config: { name: XDS_CA_SDS_NAME, sds_config: source(sds.caFile) },
    },
  };
}

/**
 * The two SDS files `BootstrapTls.sds` names (as Envoy reads them: a DiscoveryResponse in JSON with
 * one Secret), keyed `clientFile` and `caFile`. Each Secret points at the certificate files and
 * watches their directory.
 */
export function xdsTlsSdsFiles(tls: BootstrapTls): { clientFile: string; caFile: string } {
  const watched = tls.sds ? { watched_directory: { path: tls.sds.watchedDirectory } } : {};
  const file = (secret: Secret): string => `${JSON.stringify({ resources: [toProtoJson(SECRET, secret)] }, null, 2)}\n`;
  return {
    clientFile: file({
      name: XDS_CLIENT_SDS_NAME,
      tls_certificate: {
        certificate_chain: { filename: tls.certFile },
        private_key: { filename: tls.keyFile },
        ...watched,
      },
    }),
    caFile: file({ name: XDS_CA_SDS_NAME, validation_context: { trusted_ca: { filename: tls.caFile }, ...watched } }),
  };
}

function socketAddress(address: string, port: number): envoy.config.core.v3.Address {
  return { socket_address: { address, port_value: port } };
}

/** Parses `host:port` (or `[v6]:port`); throws a readable error. */
export function parseHostPort(text: string, what: string): HostPort {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new Error(`${what} must be HOST:PORT, not "${text}"`);
  return { host: match[1] ?? match[2]!, port };
}

/** Parses `<namespace>/<name>`. */
export function parseGatewayKey(text: string): GatewayKey {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/.test(text)) {
    throw new Error(`--gateway must be NAMESPACE/NAME, not "${text}"`);
  }
  return text;
}
