/**
 * ClientTrafficPolicy in the IR: how Envoy treats the connections and requests of clients on a
 * listener. Values are checked (Envoy's bounds) by the reader; the Envoy stage writes them as
 * they are. Each part goes where Envoy configures it: the listener (PROXY protocol, buffer limit,
 * TCP keepalive), the filter chain (connection limit, TLS parameters), the connection manager
 * (client address, timeouts, headers, HTTP/1 and HTTP/2, paths) and the TCP proxy (idle timeout).
 */

/** Listener-wide settings (one Envoy listener per port). */
export interface IrListenerClientTraffic {
  /** The `envoy.filters.listener.proxy_protocol` listener filter, first; `optional`: a connection without the header is taken. */
  proxyProtocol?: { optional: boolean };
  /** `per_connection_buffer_limit_bytes`. */
  bufferLimitBytes?: number;
  /** SO_KEEPALIVE on the listening socket, with the probe settings given (seconds). */
  tcpKeepalive?: { probes?: number; idleTimeSeconds?: number; intervalSeconds?: number };
}

/** At most this many connections at a time on the chain (the connection_limit network filter). */
export interface IrConnectionLimit {
  max: number;
  /** Delay before a refused connection is closed. */
  closeDelayMs?: number;
}

export type IrTlsVersion = 'TLS_AUTO' | 'TLSv1_0' | 'TLSv1_1' | 'TLSv1_2' | 'TLSv1_3';

/** `common_tls_context.tls_params` of a terminating chain. */
export interface IrTlsParameters {
  minVersion?: IrTlsVersion;
  maxVersion?: IrTlsVersion;
  ciphers?: string[];
}

export type IrEscapedSlashesAction =
  'KEEP_UNCHANGED' | 'REJECT_REQUEST' | 'UNESCAPE_AND_REDIRECT' | 'UNESCAPE_AND_FORWARD';

/** Connection manager settings; an absent field keeps Portico's default. */
export interface IrHcmClientTraffic {
  /** The policy it comes from (`<namespace>/<name>`). */
  policy: string;
  /** How the client's address is found: the Nth address from the right of X-Forwarded-For, or a header. */
  clientAddress?: { xffNumTrustedHops: number } | { header: string; failClosed: boolean };
  requestTimeoutMs?: number;
  idleTimeoutMs?: number;
  streamIdleTimeoutMs?: number;
  headersWithUnderscores?: 'ALLOW' | 'REJECT_REQUEST' | 'DROP_HEADER';
  /** X-Request-ID: keep the client's, generate one when absent. */
  requestId?: { preserve: boolean; generate: boolean };
  /** Header changes before routing (early_header_mutation_extensions), in order: set, add, remove. */
  earlyRequestHeaders?: {
    set: { name: string; value: string }[];
    add: { name: string; value: string }[];
    remove: string[];
  };
  http1?: { enableTrailers?: boolean; acceptHttp10?: boolean; defaultHostForHttp10?: string };
  http2?: { maxConcurrentStreams?: number; initialStreamWindowSize?: number; initialConnectionWindowSize?: number };
  escapedSlashesAction?: IrEscapedSlashesAction;
  mergeSlashes?: boolean;
}
