/**
 * ClientTrafficPolicy in Envoy terms: the parts of a listener, a filter chain and a TLS context a
 * policy sets. The connection manager's parts are in `client-traffic-hcm.ts`.
 */
import type { IrConnectionLimit, IrListenerClientTraffic, IrTlsParameters } from '../../ir/types.js';
import { CONNECTION_LIMIT, PROXY_PROTOCOL } from '../../proto/type-urls.js';
import { durationFromMs } from './duration.js';
import type { envoy, Listener } from './types.js';

type NetworkFilter = envoy.config.listener.v3.Filter;

// Linux socket option numbers (Envoy's own constants are the host's).
const SOL_SOCKET = 1;
const SO_KEEPALIVE = 9;
const IPPROTO_TCP = 6;
const TCP_KEEPIDLE = 4;
const TCP_KEEPINTVL = 5;
const TCP_KEEPCNT = 6;

/** The PROXY protocol listener filter: first, so that every later filter sees the client's address. */
export function proxyProtocolListenerFilter(optional: boolean): envoy.config.listener.v3.ListenerFilter {
  return {
    name: 'envoy.filters.listener.proxy_protocol',
    typed_config: {
      '@type': PROXY_PROTOCOL,
      ...(optional ? { allow_requests_without_proxy_protocol: true } : {}),
    },
  };
}

/** A listener with its policy's listener-wide settings. */
export function withListenerClientTraffic(listener: Listener, ct: IrListenerClientTraffic | undefined): Listener {
  if (!ct) return listener;
  const out: Listener = { ...listener };
  if (ct.proxyProtocol) {
    out.listener_filters = [
      proxyProtocolListenerFilter(ct.proxyProtocol.optional),
      ...(listener.listener_filters ?? []),
    ];
  }
  if (ct.bufferLimitBytes !== undefined) out.per_connection_buffer_limit_bytes = { value: ct.bufferLimitBytes };
  if (ct.tcpKeepalive) {
    const k = ct.tcpKeepalive;
    const option = (level: number, name: number, value: number, description: string) => ({
      description,
      level,
      name,
      int_value: value,
      state: 'STATE_PREBIND' as const,
    });
    out.socket_options = [
      option(SOL_SOCKET, SO_KEEPALIVE, 1, 'SO_KEEPALIVE'),
      ...(k.probes !== undefined ? [option(IPPROTO_TCP, TCP_KEEPCNT, k.probes, 'TCP_KEEPCNT')] : []),
      ...(k.idleTimeSeconds !== undefined
        ? [option(IPPROTO_TCP, TCP_KEEPIDLE, k.idleTimeSeconds, 'TCP_KEEPIDLE')]
        : []),
      ...(k.intervalSeconds !== undefined
        ? [option(IPPROTO_TCP, TCP_KEEPINTVL, k.intervalSeconds, 'TCP_KEEPINTVL')]
        : []),
    ];
  }
  return out;
}

/** The connection_limit network filter, before the chain's connection manager or TCP proxy. */
export function connectionLimitFilter(chainName: string, limit: IrConnectionLimit): NetworkFilter {
  return {
    name: 'envoy.filters.network.connection_limit',
    typed_config: {
      '@type': CONNECTION_LIMIT,
      stat_prefix: `connection-limit/${chainName}`,
      max_connections: { value: limit.max },
      ...(limit.closeDelayMs !== undefined ? { delay: durationFromMs(limit.closeDelayMs) } : {}),
    },
  };
}

/** `common_tls_context.tls_params` of a terminating chain. */
export function tlsParameters(params: IrTlsParameters): envoy.extensions.transport_sockets.tls.v3.TlsParameters {
  return {
    ...(params.minVersion ? { tls_minimum_protocol_version: params.minVersion } : {}),
    ...(params.maxVersion ? { tls_maximum_protocol_version: params.maxVersion } : {}),
    ...(params.ciphers ? { cipher_suites: [...params.ciphers] } : {}),
  };
}
