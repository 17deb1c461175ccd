/**
 * `loadBalancer` → the policy's backend clusters' lb_policy; ConsistentHash also gives its routes
 * what to hash (a cluster hashes nothing by itself: Envoy takes the hash from the route).
 */
import type { LoadBalancerRead } from '../../../resources/read/traffic-load-balancer.js';
import type { IrLoadBalancer } from '../../../ir/types.js';
import type { TrafficSectionIr } from './traffic-section.js';

export function loadBalancerIr(read: LoadBalancerRead): TrafficSectionIr {
  const lb: IrLoadBalancer = { type: read.type };
  if (read.slowStartWindowMs !== undefined) lb.slowStartWindowMs = read.slowStartWindowMs;
  if (!read.consistentHash) return { ok: true, cluster: { loadBalancer: lb } };
  lb.tableSize = read.consistentHash.tableSize;
  return { ok: true, cluster: { loadBalancer: lb }, route: { hashPolicy: read.consistentHash.hashOn } };
}
