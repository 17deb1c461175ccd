/**
 * A BackendTrafficPolicy on a TCPRoute or UDPRoute (directly, or through its listener or Gateway):
 * the cluster settings that mean something to a stream of bytes or datagrams go to the policy's
 * copy of each backend cluster, as for HTTP; the rest is left out:
 *
 * - TCP: circuitBreaker (Envoy's tcp_proxy counts connections and pending connections), healthCheck
 *   (active probes of any type, and passive: connection failures count as 5xx), loadBalancer (the
 *   lb_policy; a ConsistentHash on SourceIP is the TCP proxy's hash policy), timeout.tcp.connectTimeout,
 *   tcpKeepalive.
 * - UDP: circuitBreaker (upstream sessions count as connections) and loadBalancer only: no
 *   connection to time, keep alive or probe.
 *
 * Route settings (faultInjection, a Header or Cookie hash key, requestTimeout…) have no L4 meaning: they
 * are said in the policy's Accepted message when it targets a TCPRoute or UDPRoute
 * (`traffic-l4-warnings.ts`), and left out where a Gateway-wide policy reaches an L4 route.
 */
import type { IrCluster, IrClusterTraffic } from '../../../ir/types.js';
import type { TrafficVerdict } from './traffic-ir.js';
import { policyClusterName } from './traffic-route.js';

/** What of `traffic` applies to a TCP or UDP cluster; undefined: nothing does. */
export function l4ClusterTraffic(traffic: IrClusterTraffic, protocol: 'tcp' | 'udp'): IrClusterTraffic | undefined {
  const out: IrClusterTraffic = { policy: traffic.policy };
  if (traffic.circuitBreaker) out.circuitBreaker = traffic.circuitBreaker;
  if (traffic.loadBalancer) out.loadBalancer = traffic.loadBalancer;
  if (protocol === 'tcp') {
    if (traffic.healthCheck) out.healthCheck = traffic.healthCheck;
    if (traffic.tcpKeepalive) out.tcpKeepalive = traffic.tcpKeepalive;
    const connect = traffic.timeout?.connectTimeoutMs;
    if (connect !== undefined) out.timeout = { connectTimeoutMs: connect };
  }
  return Object.keys(out).length > 1 ? out : undefined;
}

/**
 * The backends of an L4 route under `verdict`: each sent to the policy's copy of its cluster (added
 * to `clusters`, which holds the shared one already), when the policy has settings for it.
 */
export function l4TrafficBackends<B extends { clusterName: string }>(
  backends: readonly B[],
  verdict: TrafficVerdict | undefined,
  clusters: Map<string, IrCluster>,
): B[] {
  if (verdict?.type !== 'applied' || !verdict.cluster) return [...backends];
  const traffic = verdict.cluster;
  return backends.map((b) => {
    const base = clusters.get(b.clusterName);
    if (!base || (base.protocol !== 'tcp' && base.protocol !== 'udp')) return b;
    const l4 = l4ClusterTraffic(traffic, base.protocol);
    if (!l4) return b;
    const name = policyClusterName(b.clusterName, traffic.policy);
    if (!clusters.has(name)) clusters.set(name, { ...base, name, traffic: l4 });
    return { ...b, clusterName: name };
  });
}

/** A ConsistentHash on the client's address, which a TCP proxy can hash (no header or cookie there). */
export function l4HashOf(verdict: TrafficVerdict | undefined): { hashSourceIp?: true } {
  const hash = verdict?.type === 'applied' ? verdict.route?.hashPolicy : undefined;
  return hash && 'sourceIP' in hash ? { hashSourceIp: true } : {};
}
