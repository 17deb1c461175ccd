/**
 * A BackendTrafficPolicy's `tcpKeepalive` (Envoy Gateway's TCPKeepalive), read: TCP keepalive on
 * Envoy's connections to the backends. `probes` unanswered probes close the connection; `idleTime`
 * of silence before the first probe, `interval` between probes: whole seconds (the socket option's
 * unit), within Linux's bounds. An absent field takes the system's setting (Linux: 9 probes, 7200s,
 * 75s). The same reader as a ClientTrafficPolicy's `tcpKeepalive`.
 */
export { readTcpKeepalive, type TcpKeepaliveRead } from './client-traffic-connection.js';
