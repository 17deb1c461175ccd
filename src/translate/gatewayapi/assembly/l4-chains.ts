/**
 * The filter chains of TLS and TCP listeners: per SNI hostname (or the whole listener), the L4
 * route served there and the clusters it forwards to.
 */
import type { IrCluster, IrFilterChain, IrSecret } from '../../../ir/types.js';
import { edsNameOf } from '../../../ir/eds-name.js';
import { compareHostnameSpecificity, hostnameCovers } from '../hostnames.js';
import { terminatesTls, type ListenerState } from '../listeners/listener-state.js';
import { compareTimestamps } from '../routes/precedence.js';
import type { GatewayState, PlacedRoute } from '../gateway-state.js';
import { filterChainName, virtualHostName } from '../names.js';
import { ownerOf } from './listener-owner.js';
import { l4HashOf, l4TrafficBackends } from '../traffic/traffic-l4.js';

/** Of the L4 routes placed for one hostname, the one served: the most specific, then the oldest. */
export function preferredRoute(routes: Iterable<PlacedRoute>, hostname: string): PlacedRoute | undefined {
  // "The most specific match as defined by the Route type" first: the route's own hostname that
  // covers this one most specifically (an exact name before a wildcard), then the oldest route.
  const own = (r: PlacedRoute): string =>
    [...(r.hostnames ?? [])].filter((h) => hostnameCovers(h, hostname)).sort(compareHostnameSpecificity)[0] ?? '*';
  let best: PlacedRoute | undefined;
  for (const r of routes) {
    if (!best) {
      best = r;
      continue;
    }
    const order =
      compareHostnameSpecificity(own(r), own(best)) ||
      compareTimestamps(r.creationTimestamp, best.creationTimestamp) ||
      (r.routeKey < best.routeKey ? -1 : r.routeKey > best.routeKey ? 1 : 0);
    if (order < 0) best = r;
  }
  return best;
}

/**
 * The TCP proxy chain of one L4 listener hostname: the route placed there (the preferred one, if several
 * claim it) and the clusters it forwards to.
 */
export function l4Chain(
  state: GatewayState,
  listener: ListenerState,
  hostname: string,
  name: string,
  statPrefix: string,
  clusters: Map<string, IrCluster>,
): IrFilterChain | undefined {
  const route = preferredRoute(state.placed.get(listener.index)?.get(hostname)?.values() ?? [], hostname);
  if (!route?.l4) return undefined;
  if (!terminatesTls(listener)) {
    for (const c of route.clusters) clusters.set(c.name, c);
    // Under a BackendTrafficPolicy with cluster settings: its copies of the clusters.
    const verdict = state.traffic?.l4VerdictOf(listener, route.routeKey);
    const backends = verdict ? l4TrafficBackends(route.l4.backends, verdict, clusters) : route.l4.backends;
    return {
      name,
      serverNames: hostname === '*' ? [] : [hostname],
      tcp: { statPrefix, backends, rejectWeight: route.l4.rejectWeight, ...l4HashOf(verdict) },
    };
  }
  // A TLS-terminating listener holds the client's plain bytes: a backend whose Service has a
  // BackendTLSPolicy gets them over TLS (a cluster of its own), or not at all if the policy
  // cannot be used.
  const byName = new Map(route.clusters.map((c) => [c.name, c]));
  const backends: { clusterName: string; weight: number }[] = [];
  let rejectWeight = route.l4.rejectWeight;
  for (const b of route.l4.backends) {
    const cluster = byName.get(b.clusterName);
    if (!cluster?.reencrypt) {
      if (cluster) clusters.set(cluster.name, cluster);
      backends.push(b);
    } else if (cluster.reencrypt.tls) {
      const { reencrypt: _policy, ...plain } = cluster;
      const tls: IrCluster = {
        ...plain,
        name: `${cluster.name}/tls`,
        edsName: edsNameOf(cluster),
        tls: cluster.reencrypt.tls,
      };
      clusters.set(tls.name, tls);
      backends.push({ clusterName: tls.name, weight: b.weight });
    } else {
      rejectWeight += b.weight;
    }
  }
  return {
    name,
    serverNames: hostname === '*' ? [] : [hostname],
    tcp: { statPrefix, backends, rejectWeight: backends.length === 0 ? Math.max(1, rejectWeight) : rejectWeight },
  };
}

/**
 * A TLS listener's chains: one per SNI hostname its TLSRoutes serve, except hostnames a more
 * specific listener on the port owns (listener isolation; Envoy would also refuse two chains with
 * the same server name). Terminate mode decrypts with the listener's certificates first.
 */
export function tlsRouteChains(
  state: GatewayState,
  listener: ListenerState,
  onPort: ListenerState[],
  clusters: Map<string, IrCluster>,
  secrets: Map<string, IrSecret>,
): IrFilterChain[] {
  const chains: IrFilterChain[] = [];
  const hostnames = [...(state.placed.get(listener.index)?.keys() ?? [])].sort(compareHostnameSpecificity);
  for (const hostname of hostnames) {
    if (ownerOf(hostname, onPort) !== listener) continue;
    const chain = l4Chain(
      state,
      listener,
      hostname,
      `${filterChainName(state.key, listener.id)}/${virtualHostName(hostname)}`,
      `tls-${listener.port}`,
      clusters,
    );
    if (!chain) continue;
    if (terminatesTls(listener)) {
      for (const s of listener.certificates) secrets.set(s.name, s);
      chain.tls = { certificateSecretNames: listener.certificates.map((s) => s.name), alpnProtocols: [] };
    }
    chains.push(chain);
  }
  // Listener isolation: the listener's own hostname, when no route serves it, still belongs to this
  // listener; its connections are closed rather than taken by a less specific listener's chain.
  const own = listener.hostname;
  if (own !== undefined && !chains.some((c) => c.serverNames.includes(own))) {
    chains.push({
      name: `${filterChainName(state.key, listener.id)}/${virtualHostName(own)}`,
      serverNames: [own],
      tcp: { statPrefix: `tls-${listener.port}`, backends: [], rejectWeight: 1 },
    });
  }
  return chains;
}
