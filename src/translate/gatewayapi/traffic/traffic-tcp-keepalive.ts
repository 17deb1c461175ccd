/** `tcpKeepalive` → the policy's backend clusters' upstream TCP keepalive. */
import type { TcpKeepaliveRead } from '../../../resources/read/traffic-tcp-keepalive.js';
import type { TrafficSectionIr } from './traffic-section.js';

export function tcpKeepaliveIr(read: TcpKeepaliveRead): TrafficSectionIr {
  return { ok: true, cluster: { tcpKeepalive: { ...read } } };
}
