/** Listeners: one per port, with one filter chain per IR chain (SNI-selected on HTTPS and TLS ports). */
import type { IrFilterChain, IrListener, IrTcpProxy, IrTlsContext } from '../../ir/types.js';
import { DOWNSTREAM_TLS_CONTEXT, TCP_PROXY, TLS_INSPECTOR, UDP_PROXY, UDP_PROXY_ROUTE } from '../../proto/type-urls.js';
import { adsConfigSource } from './config-source.js';
import { httpConnectionManagerFilter } from './http-connection-manager.js';
import { connectionLimitFilter, tlsParameters, withListenerClientTraffic } from './client-traffic.js';
import { durationFromMs } from './duration.js';
import type { envoy, Listener, Packed } from './types.js';
import { accessLogs } from './access-log.js';

type TransportSocket = envoy.config.core.v3.TransportSocket;
type NetworkFilter = envoy.config.listener.v3.Filter;

/** Certificates are fetched over SDS by name, so a rotated Secret never touches the listener. */
function downstreamTlsTransportSocket(tls: IrTlsContext): TransportSocket {
  const commonTlsContext: envoy.extensions.transport_sockets.tls.v3.CommonTlsContext = {
    tls_certificate_sds_secret_configs: tls.certificateSecretNames.map((name) => ({
      name,
      sds_config: adsConfigSource(),
    })),
  };
  if (tls.alpnProtocols.length > 0) commonTlsContext.alpn_protocols = [...tls.alpnProtocols];
  if (tls.params) commonTlsContext.tls_params = tlsParameters(tls.params);
  const context: Packed<typeof DOWNSTREAM_TLS_CONTEXT> = {
    '@type': DOWNSTREAM_TLS_CONTEXT,
    common_tls_context: commonTlsContext,
  };
  if (tls.clientValidation) {
    const validation: envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext = {
      trusted_ca: { inline_string: tls.clientValidation.trustedCa },
    };
    // Said explicitly either way: Envoy warns that its default for a validation context may change.
    context.require_client_certificate = { value: tls.clientValidation.required };
    // AllowInsecureFallback: a missing or failing certificate is let through (Envoy still asks).
    if (!tls.clientValidation.required) validation.trust_chain_verification = 'ACCEPT_UNTRUSTED';
    commonTlsContext.validation_context = validation;
  }
  return { name: 'envoy.transport_sockets.tls', typed_config: context };
}

/**
 * The cluster name of the share of connections that must be rejected. No cluster has it (cluster
 * names have three or more segments), so Envoy's TCP proxy finds none and closes the connection.
 */
export const REJECT_CLUSTER = 'portico/reject-connection';

function tcpProxyFilter(proxy: IrTcpProxy): NetworkFilter {
  const config: Packed<typeof TCP_PROXY> = { '@type': TCP_PROXY, stat_prefix: proxy.statPrefix };
  if (proxy.idleTimeoutMs !== undefined) config.idle_timeout = durationFromMs(proxy.idleTimeoutMs);
  const entries = proxy.backends.map((b) => ({ name: b.clusterName, weight: b.weight }));
  if (proxy.rejectWeight > 0) entries.push({ name: REJECT_CLUSTER, weight: proxy.rejectWeight });
  if (entries.length === 1) config.cluster = entries[0]!.name;
  else config.weighted_clusters = { clusters: entries };
  if (proxy.accessLog?.length) config.access_log = accessLogs(proxy.accessLog);
  return { name: 'envoy.filters.network.tcp_proxy', typed_config: config };
}

function filterChain(chain: IrFilterChain): envoy.config.listener.v3.FilterChain {
  const out: envoy.config.listener.v3.FilterChain = { name: chain.name };
  if (chain.serverNames.length > 0) out.filter_chain_match = { server_names: [...chain.serverNames] };
  out.filters = chain.tcp ? [tcpProxyFilter(chain.tcp)] : chain.http ? [httpConnectionManagerFilter(chain.http)] : [];
  if (chain.connectionLimit) out.filters.unshift(connectionLimitFilter(chain.name, chain.connectionLimit));
  if (chain.tls) out.transport_socket = downstreamTlsTransportSocket(chain.tls);
  return out;
}

/** A UDP listener: the UDP proxy listener filter sends every datagram session to one cluster. */
function udpListener(listener: IrListener, udp: NonNullable<IrListener['udp']>): Listener {
  return {
    name: listener.name,
    address: { socket_address: { protocol: 'UDP', address: listener.address, port_value: listener.port } },
    udp_listener_config: {},
    listener_filters: [
      {
        name: 'envoy.filters.udp_listener.udp_proxy',
        typed_config: {
          '@type': UDP_PROXY,
          stat_prefix: udp.statPrefix,
          // One line per datagram session, when it ends (idle for the session timeout).
          ...(udp.accessLog?.length ? { access_log: accessLogs(udp.accessLog) } : {}),
          matcher: {
            on_no_match: {
              action: { name: 'route', typed_config: { '@type': UDP_PROXY_ROUTE, cluster: udp.clusterName } },
            },
          },
        },
      },
    ],
  };
}

export function buildListener(listener: IrListener): Listener {
  if (listener.udp) return udpListener(listener, listener.udp);
  const out: Listener = {
    name: listener.name,
    address: { socket_address: { address: listener.address, port_value: listener.port } },
  };
  // SNI-based filter chain selection needs the ClientHello read before a chain is chosen.
  if (listener.protocol === 'HTTPS' || listener.protocol === 'TLS') {
    out.listener_filters = [{ name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': TLS_INSPECTOR } }];
  }
  out.filter_chains = listener.filterChains.map(filterChain);
  return withListenerClientTraffic(out, listener.clientTraffic);
}
