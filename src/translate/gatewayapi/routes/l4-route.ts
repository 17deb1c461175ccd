/**
 * TLSRoute and TCPRoute → what a TLS or TCP listener forwards connections to: the weighted
 * clusters of the route's one rule, and the share of unresolved backendRefs, whose connections
 * are rejected ("Connection rejections must respect weight"). A TLSRoute is placed per SNI
 * hostname; a TCPRoute takes the whole listener.
 */
import type { IrCluster } from '../../../ir/types.js';
import type { TCPRoute, TLSRoute, UDPRoute } from '../../../resources/types.js';
import { RefusedBackendRef, targetOf, weightOf } from '../../../resources/read/backend-ref.js';
import { readRouteCommon, type RouteRuleRead } from '../../../resources/read/route-common.js';
import { Refused } from '../../../resources/read/validation-result.js';
import type { TranslationContext } from '../context.js';
import { resolveBackendRef, unreadableBackendRef } from '../backends.js';
import { emptyTranslation, openTranslation, type L4Forward, type RouteTranslation } from './contract.js';
import { ruleName } from './rule-names.js';

/**
 * Where the dropped share of a UDPRoute's datagrams goes: the discard port of an address reserved
 * for documentation (RFC 5737), which nothing answers. Envoy's UDP proxy cannot drop by weight.
 */
export const UDP_DROP_ENDPOINT = { address: '192.0.2.1', port: 9 } as const;

/** Envoy's limit for the summed load-balancing weights of a locality. */
const MAX_LB_WEIGHT_SUM = 0xffffffff;

/**
 * Envoy's UDP proxy sends a listener's datagrams to one cluster: weighted backendRefs become one
 * cluster whose endpoints carry the weights (split evenly over each backend's endpoints). The
 * share of unresolved backendRefs, and of backends without endpoints, goes to an endpoint that
 * drops it ("Packet drops must respect weight").
 */
function combinedUdpCluster(forward: L4Forward, clusters: Map<string, IrCluster>): IrCluster {
  const members = forward.backends.map((b) => ({ backend: b, cluster: clusters.get(b.clusterName)! }));
  const weights = new Map<string, { address: string; port: number; weight: number }>();
  let dropped = forward.rejectWeight * 1000;
  for (const { backend, cluster } of members) {
    if (cluster.endpoints.length === 0) {
      dropped += backend.weight * 1000;
      continue;
    }
    const share = Math.max(1, Math.round((backend.weight * 1000) / cluster.endpoints.length));
    for (const e of cluster.endpoints) {
      const key = `${e.address}:${e.port}`;
      weights.set(key, { address: e.address, port: e.port, weight: (weights.get(key)?.weight ?? 0) + share });
    }
  }
  const endpoints = [...weights.values()].sort((a, b) =>
    a.address === b.address ? a.port - b.port : a.address < b.address ? -1 : 1,
  );
  if (dropped > 0) endpoints.push({ ...UDP_DROP_ENDPOINT, weight: dropped });
  // Scaled down, proportions kept, when the sum would overflow Envoy's uint32.
  const sum = endpoints.reduce((total, e) => total + e.weight, 0);
  if (sum > MAX_LB_WEIGHT_SUM) {
    const factor = (MAX_LB_WEIGHT_SUM - endpoints.length) / sum;
    for (const e of endpoints) e.weight = Math.max(1, Math.floor(e.weight * factor));
  }
  const first = members[0]!.cluster;
  const parts = forward.backends.map((b) => `${b.clusterName}*${b.weight}`);
  if (forward.rejectWeight > 0) parts.push(`drop*${forward.rejectWeight}`);
  return {
    name: `combined/${parts.join('+')}`,
    source: first.source,
    protocol: 'udp',
    endpoints,
    members: members.map(({ backend, cluster }) => ({ ...cluster.source, weight: backend.weight })),
  };
}

export function translateL4Route(ctx: TranslationContext, route: TLSRoute | TCPRoute | UDPRoute): RouteTranslation {
  // The entries of spec.rules that are objects; the others are no rule at all.
  const rules = readRouteCommon(route).rules.filter((r): r is RouteRuleRead => r !== undefined);
  if (rules.length !== 1) {
    return {
      ...emptyTranslation(1),
      rejection: {
        reason: 'UnsupportedValue',
        message: `a ${route.kind} has exactly one rule (it has ${rules.length})`,
      },
    };
  }
  const out = openTranslation(rules, 1);
  if (out.rejection) return out;
  const rule = rules[0]!;
  const clusters = new Map<string, IrCluster>();
  const forward: L4Forward = { backends: [], rejectWeight: 0 };
  const errors: string[] = [];
  for (const ref of rule.backendRefs ?? []) {
    // An entry that is no object names no backend, and has no weight to reject.
    if (ref instanceof RefusedBackendRef && ref.notAnObject !== undefined) continue;
    const weight = weightOf(ref);
    if (weight instanceof Refused) {
      errors.push(...weight.errors.map((e) => e.message));
      continue;
    }
    const target = targetOf(ref);
    const resolved =
      target instanceof Refused
        ? unreadableBackendRef(target.errors)
        : resolveBackendRef(ctx, route, target, route.kind === 'UDPRoute' ? 'udp' : 'tcp');
    if (!resolved.ok) {
      out.refProblems.push({ reason: resolved.reason, message: resolved.message });
      forward.rejectWeight += weight;
      continue;
    }
    if (weight === 0) continue;
    clusters.set(resolved.cluster.name, resolved.cluster);
    const same = forward.backends.find((b) => b.clusterName === resolved.cluster.name);
    if (same) same.weight += weight;
    else forward.backends.push({ clusterName: resolved.cluster.name, weight });
  }
  if (errors.length > 0) {
    out.invalidRules.push(`rule ${ruleName(rule) ?? 0}: ${errors.join('; ')}`);
    return out;
  }
  // No backendRef at all, or only weight 0: nothing can take a connection, so all are rejected.
  if (forward.backends.length === 0) forward.rejectWeight = Math.max(forward.rejectWeight, 1);
  // One backend alone needs no combining: without endpoints Envoy drops its datagrams anyway.
  const needsCombining = forward.backends.length > 1 || (forward.backends.length === 1 && forward.rejectWeight > 0);
  if (route.kind === 'UDPRoute' && needsCombining) {
    const combined = combinedUdpCluster(forward, clusters);
    out.l4 = { backends: [{ clusterName: combined.name, weight: 1 }], rejectWeight: forward.rejectWeight };
    out.clusters = [combined];
    return out;
  }
  out.l4 = forward;
  out.clusters = [...clusters.values()];
  return out;
}
