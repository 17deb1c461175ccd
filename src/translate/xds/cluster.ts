/** Clusters: EDS over ADS, so endpoint churn only ever touches ClusterLoadAssignments. */
import { edsNameOf } from '../../ir/eds-name.js';
import type { IrCluster, IrUpstreamTls } from '../../ir/types.js';
import { HTTP_PROTOCOL_OPTIONS, UPSTREAM_TLS_CONTEXT } from '../../proto/type-urls.js';
import { adsConfigSource } from './config-source.js';
import { applyClusterTraffic, applyRetryBudget } from './traffic-cluster.js';
import type { Cluster, envoy } from './types.js';

/** Envoy's 5s default is short for backends that are still starting; 10s matches common practice. */
const CONNECT_TIMEOUT_SECONDS = 10;

/**
 * TLS to the endpoints (BackendTLSPolicy): SNI, trusted CAs and the names the certificate must carry,
 * and the Gateway's client certificate when it has one.
 */
function upstreamTlsTransportSocket(tls: IrUpstreamTls, http2: boolean): envoy.config.core.v3.TransportSocket {
  const validation: envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext = {
    trusted_ca: 'pem' in tls.ca ? { inline_string: tls.ca.pem } : { filename: tls.ca.file },
    match_typed_subject_alt_names: tls.subjectAltNames.map((san) => ({
      san_type: san.type,
      matcher: { exact: san.value },
    })),
  };
  const common: envoy.extensions.transport_sockets.tls.v3.CommonTlsContext = { validation_context: validation };
  // The Gateway's client certificate (spec.tls.backend), served over SDS like listener certificates.
  if (tls.clientCertificateSecretName !== undefined) {
    common.tls_certificate_sds_secret_configs = [
      { name: tls.clientCertificateSecretName, sds_config: adsConfigSource() },
    ];
  }
  // A TLS server speaks HTTP/2 only when ALPN says so.
  if (http2) common.alpn_protocols = ['h2'];
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: { '@type': UPSTREAM_TLS_CONTEXT, sni: tls.sni, common_tls_context: common },
  };
}

export function buildCluster(cluster: IrCluster): Cluster {
  const edsName = edsNameOf(cluster);
  const out: Cluster = {
    name: cluster.name,
    type: 'EDS',
    // No service_name: Envoy asks for the ClusterLoadAssignment named like the cluster; a copy
    // names the one it shares with its base.
    eds_cluster_config:
      edsName === cluster.name
        ? { eds_config: adsConfigSource() }
        : { eds_config: adsConfigSource(), service_name: edsName },
    connect_timeout: { seconds: CONNECT_TIMEOUT_SECONDS },
    // lb_policy ROUND_ROBIN is the default (enum zero) and left out.
  };
  if (cluster.dns) resolvedByEnvoy(out, cluster.dns);
  if (cluster.protocol === 'http2') {
    out.typed_extension_protocol_options = {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': HTTP_PROTOCOL_OPTIONS,
        // h2c with prior knowledge: the backend declared HTTP/2 (appProtocol), no ALPN to ask.
        explicit_http_config: { http2_protocol_options: {} },
      },
    };
  }
  if (cluster.tls) out.transport_socket = upstreamTlsTransportSocket(cluster.tls, cluster.protocol === 'http2');
  if (cluster.traffic) applyClusterTraffic(out, cluster.traffic, cluster.protocol);
  if (cluster.retryBudget) applyRetryBudget(out, cluster.retryBudget);
  return out;
}

/** A host Envoy resolves itself (a remote JWKS) instead of EDS: its addresses as DNS gives them, IPv4 first. */
function resolvedByEnvoy(out: Cluster, dns: { hostname: string; port: number }): void {
  delete out.eds_cluster_config;
  out.type = 'STRICT_DNS';
  out.dns_lookup_family = 'V4_PREFERRED';
  const address = { socket_address: { address: dns.hostname, port_value: dns.port } };
  out.load_assignment = { cluster_name: out.name, endpoints: [{ lb_endpoints: [{ endpoint: { address } }] }] };
}
