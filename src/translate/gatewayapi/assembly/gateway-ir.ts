/**
 * Assembling one Gateway's IR: an Envoy listener per port, virtual hosts per hostname with routes
 * in precedence order, and the clusters and secrets they use.
 *
 * Listener precedence (spec: "Listeners that are distinct only by Hostname"): a request goes to the
 * most specific listener hostname that matches it, and only that listener's routes serve it. Within
 * a virtual host, routes for more specific served hostnames come first, then those whose own hostname
 * is more specific, then match precedence.
 */
import type {
  IrCluster,
  IrFilterChain,
  IrGateway,
  IrListener,
  IrPreRoutingFilter,
  IrRoute,
  IrRouteConfig,
  IrSecret,
  IrVirtualHost,
} from '../../../ir/types.js';
import {
  compareHostnameSpecificity,
  compareSpecificityOnly,
  hostnameCovers,
  isWildcard,
  originalHostname,
} from '../hostnames.js';
import { isProgrammed, transportOf, type ServedListener } from '../listeners/listener-state.js';
import { comparePrecedence } from '../routes/precedence.js';
import type { GatewayState, PlacedByHostname, PlacedRoute } from '../gateway-state.js';
import type { RouteEntry } from '../routes/contract.js';
import { redirectPort, type RedirectTarget } from '../routes/redirect-port.js';
import { NO_MEMORY, type StageMemory } from '../memory.js';
import { envoyListenerName, filterChainName, routeConfigName, virtualHostName } from '../names.js';
import { presentingClientCertificate } from '../backend-client-certificate.js';
import { ownerOf } from './listener-owner.js';
import { l4Chain, preferredRoute, tlsRouteChains } from './l4-chains.js';
import { l4TrafficBackends } from '../traffic/traffic-l4.js';
import { securedRoute } from '../security/route-security.js';
import type { SecurityVerdict } from '../security/security-ir.js';
import type { TrafficVerdict } from '../traffic/traffic-ir.js';
import { placedTrafficClusters, trafficRoute, type RenamedBackends } from '../traffic/traffic-route.js';
import { connectionManagerFilters } from './http-filters.js';
import { withTracing } from './tracing.js';
import { withAccessLogs } from './access-log.js';

function withRedirectPort(route: IrRoute, target: RedirectTarget, listener: ServedListener): IrRoute {
  if (route.action.type !== 'redirect') return route;
  const port = redirectPort(target, listener.port, listener.protocol === 'HTTPS' ? 'https' : 'http');
  if (port === undefined) return route;
  return { ...route, action: { ...route.action, port } };
}

/** The verdicts of the policies that apply to a placed route's entries, in their order (absent: no policy of the kind). */
interface PlacedVerdicts {
  security?: (SecurityVerdict | undefined)[];
  traffic?: (TrafficVerdict | undefined)[];
}

function placedVerdicts(state: GatewayState, owner: ServedListener, p: PlacedRoute): PlacedVerdicts {
  const { security, traffic } = state;
  const out: PlacedVerdicts = {};
  if (security) out.security = p.entries.map((e) => security.verdictOf(owner, e.route));
  if (traffic) out.traffic = p.entries.map((e) => traffic.verdictOf(owner, e.route));
  return out;
}

/** Placed hostnames that cover `domain`: itself, the wildcards above it, and `*`. */
function coveringHostnames(domain: string, placed: PlacedByHostname, wildcards: string[]): string[] {
  const out = wildcards.filter((w) => w !== domain && hostnameCovers(w, domain));
  if (placed.has(domain)) out.push(domain);
  if (domain !== '*' && placed.has('*')) out.push('*');
  return out.sort(compareHostnameSpecificity);
}

/**
 * The virtual hosts of the listeners sharing a route table (an HTTP port), or with `only`, of the
 * one listener whose table it is (an HTTPS chain): the hostnames it owns among `listeners`.
 */
function buildVirtualHosts(
  state: GatewayState,
  listeners: ServedListener[],
  clusters: Map<string, IrCluster>,
  secrets: Map<string, IrSecret>,
  memo: Pick<StageMemory, 'composite'>,
  only?: ServedListener,
): IrVirtualHost[] {
  const domains = new Set<string>();
  for (const l of listeners) for (const hostname of state.placed.get(l.index)?.keys() ?? []) domains.add(hostname);
  // Listeners sharing this route table: each one's hostname gets a virtual host even when none of
  // its routes serves it, so that a request for it never falls through to a less specific
  // listener's routes (it gets a 404 from its own listener instead).
  if (listeners.length > 1) for (const l of listeners) if (l.hostname !== undefined) domains.add(l.hostname);
  const wildcardsByListener = new Map<number, string[]>();
  for (const l of listeners) {
    wildcardsByListener.set(l.index, [...(state.placed.get(l.index)?.keys() ?? [])].filter(isWildcard));
  }
  const hosts: IrVirtualHost[] = [];
  for (const domain of [...domains].sort(compareHostnameSpecificity)) {
    const owner = ownerOf(domain, listeners);
    if (!owner || (only && owner !== only)) continue;
    const placed: PlacedByHostname = state.placed.get(owner.index) ?? new Map();
    const covering = coveringHostnames(domain, placed, wildcardsByListener.get(owner.index) ?? []);
    // What the virtual host is built from: with the run's memory, the same parts (the routes'
    // entries are the same arrays when their translations were reused) give last run's virtual host.
    const parts: unknown[] = [owner.port, owner.protocol, owner.hostname, owner.preRouting?.filters];
    // Each entry's SecurityPolicy and BackendTrafficPolicy verdicts (one object per policy) are parts too.
    // Asked once per placed route (here), in its entries' order, kept for `build`.
    const verdicts = new Map<PlacedRoute, PlacedVerdicts>();
    const verdictsOf = (p: PlacedRoute): PlacedVerdicts => {
      let v = verdicts.get(p);
      if (!v) verdicts.set(p, (v = placedVerdicts(state, owner, p)));
      return v;
    };
    for (const hostname of covering) {
      parts.push(hostname);
      for (const p of placed.get(hostname)?.values() ?? []) {
        parts.push(p.entries, ...(p.hostnames ?? []), '\0');
        const { security, traffic } = verdictsOf(p);
        if (security) {
          parts.push(...security, '\0');
          for (const v of security) {
            if (v?.type !== 'applied') continue;
            for (const c of v.clusters) clusters.set(c.name, c);
            for (const s of v.secrets) secrets.set(s.name, s);
          }
        }
        if (traffic) {
          parts.push(...traffic, '\0');
          // The same entries, clusters and verdicts as last run: last run's list, not worked out again.
          const used = memo.composite(
            `placed-clusters\0${state.key}\0${owner.index}\0${p.routeKey}`,
            [p.entries, p.clusters, ...traffic],
            () => placedTrafficClusters(p.entries, traffic, p.clusters, memo),
          );
          for (const c of used) clusters.set(c.name, c);
        } else for (const c of p.clusters) clusters.set(c.name, c);
      }
    }
    const build = (): IrVirtualHost => {
      // Routes from more specific served hostnames come first. Routes serving the same hostname are
      // ordered by their own hostnames, the more specific first (spec, HTTPRoute.hostnames: "routes
      // [that] yield identical Listener/Route intersected hostnames" are ranked by "the original
      // hostnames configured on the Route"; GatewayRouteHostnameIntersectionPrecedence), then
      // together by match precedence.
      const routes: IrRoute[] = [];
      const seen = new Set<string>();
      const renamed: RenamedBackends = new Map();
      for (const hostname of covering) {
        const entries: { entry: RouteEntry; own: string; policies: PlacedVerdicts; index: number }[] = [];
        for (const p of placed.get(hostname)?.values() ?? []) {
          const own = originalHostname(owner.hostname, p.hostnames, hostname);
          const policies = verdictsOf(p);
          p.entries.forEach((entry, index) => entries.push({ entry, own, policies, index }));
        }
        entries.sort(
          (a, b) => compareSpecificityOnly(a.own, b.own) || comparePrecedence(a.entry.precedence, b.entry.precedence),
        );
        for (const { entry: e, policies, index } of entries) {
          if (seen.has(e.route.name)) continue;
          seen.add(e.route.name);
          const route = securedRoute(
            trafficRoute(e.route, policies.traffic?.[index], renamed),
            policies.security?.[index],
          );
          routes.push(e.redirect ? withRedirectPort(route, e.redirect, owner) : route);
        }
      }
      return withPreRouting({ name: virtualHostName(domain), domains: [domain], routes }, owner);
    };
    const host = memo.composite(`vh\0${state.key}\0${owner.name}\0${domain}`, parts, build);
    // In one listener's own table, a name under its hostname that none of its routes serve needs no
    // virtual host: the listener's own (or nothing, for a catch-all) answers it with the same 404.
    if (only && host.routes.length === 0 && domain !== (only.hostname ?? '*')) continue;
    hosts.push(host);
  }
  return hosts;
}

/**
 * A virtual host of a listener with pre-routing filters turns them on, and ends with a 404 for
 * every path: Envoy decides whether a filter that is off by default runs from the route the
 * request matches, so without one a request that only a filter's change makes match (a header an
 * authorization server adds) would skip the filters and never match.
 */
function withPreRouting(host: IrVirtualHost, owner: ServedListener): IrVirtualHost {
  const filters = owner.preRouting?.filters;
  if (!filters || filters.length === 0) return host;
  const notFound: IrRoute = {
    name: `prerouting/${owner.id}/${host.name}/not-found`,
    source: { kind: 'Gateway', namespace: '', name: owner.id, rule: 0, match: 0 },
    match: { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] },
    action: { type: 'direct', status: 404 },
  };
  return { ...host, routes: [...host.routes, notFound], preRouting: filters };
}

/** The pre-routing filters of the listeners sharing a connection manager, in listener order, and their clusters. */
function preRoutingOf(listeners: ServedListener[], clusters: Map<string, IrCluster>): IrPreRoutingFilter[] {
  const out: IrPreRoutingFilter[] = [];
  for (const l of [...listeners].sort((a, b) => a.index - b.index)) {
    if (!l.preRouting) continue;
    out.push(...l.preRouting.filters);
    for (const c of l.preRouting.clusters) clusters.set(c.name, c);
  }
  return out;
}

/**
 * Spec (Listener.hostname): when a TLS connection was made for one listener (SNI) but the Host
 * header belongs to another listener on the same port ("If another Listener has an exact match or
 * more specific wildcard entry, the Gateway SHOULD return a 421"), the Gateway answers 421
 * Misdirected Request. Each HTTPS chain therefore also lists the other listeners' hostnames,
 * answering 421; its own table holds only the hostnames it owns (a route hostname that another
 * listener's is more specific for is that listener's), so these never collide with a route.
 */
function misdirectedHosts(
  state: GatewayState,
  listener: ServedListener,
  onPort: ServedListener[],
  own: IrVirtualHost[],
): IrVirtualHost[] {
  const taken = new Set(own.flatMap((vh) => vh.domains));
  const hosts: IrVirtualHost[] = [];
  // Only HTTPS listeners: a TLS listener's hostname is another protocol's, not a misdirected request.
  for (const other of onPort) {
    const domain = other.hostname ?? '*';
    if (other === listener || other.protocol !== 'HTTPS' || taken.has(domain)) continue;
    taken.add(domain);
    hosts.push({
      name: `misdirected/${virtualHostName(domain)}`,
      domains: [domain],
      routes: [
        {
          name: `misdirected/${state.key}/${other.name}`,
          source: {
            kind: 'Gateway',
            namespace: state.gateway.metadata.namespace ?? 'default',
            name: state.gateway.metadata.name,
            rule: 0,
            match: 0,
          },
          match: { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] },
          action: { type: 'direct', status: 421 },
        },
      ],
    });
  }
  return hosts;
}

/** With the run's memory (kept by the caller between runs), unchanged virtual hosts are last run's objects. */
export function buildGatewayIr(
  state: GatewayState,
  listenerAddress: string,
  memo: Pick<StageMemory, 'composite'> = NO_MEMORY,
): IrGateway {
  const gw = state.key;
  const programmed = state.listeners.filter(isProgrammed);
  // A UDP listener's port is a socket of its own, next to any TCP one with the same number.
  const ports = [...new Set(programmed.map((l) => `${l.port}/${transportOf(l.protocol)}`))].sort((a, b) =>
    a.localeCompare(b, 'en', { numeric: true }),
  );
  const clusters = new Map<string, IrCluster>();
  const secrets = new Map<string, IrSecret>();
  const listeners: IrListener[] = [];
  const routeConfigs: IrRouteConfig[] = [];
  const filtersOf = (config: IrRouteConfig) => connectionManagerFilters(config, gw, memo);

  for (const portKey of ports) {
    const onPort = programmed.filter((l) => `${l.port}/${transportOf(l.protocol)}` === portKey);
    const port = onPort[0]!.port;
    // Listeners left on a port after conflicts share one family: HTTP, TCP, or HTTPS and TLS.
    const family = onPort[0]?.protocol ?? 'HTTP';
    const chains: IrFilterChain[] = [];
    let protocol: IrListener['protocol'] = family;
    if (family === 'HTTP') {
      const config: IrRouteConfig = {
        name: routeConfigName(gw, port),
        virtualHosts: buildVirtualHosts(state, onPort, clusters, secrets, memo),
      };
      routeConfigs.push(config);
      const preRouting = preRoutingOf(onPort, clusters);
      const { filters, ...byConfiguration } = filtersOf(config);
      chains.push({
        name: `${gw}/http-${port}`,
        serverNames: [],
        http: {
          statPrefix: `http-${port}`,
          routeConfigName: config.name,
          filters,
          ...(preRouting.length > 0 ? { preRouting } : {}),
          ...byConfiguration,
        },
      });
    } else if (family === 'UDP') {
      const l = onPort[0]!;
      const route = preferredRoute(state.placed.get(l.index)?.get('*')?.values() ?? [], '*');
      const first = route?.l4?.backends[0];
      // Nothing valid to send datagrams to: no socket, so they are dropped.
      if (!route || !first) continue;
      for (const c of route.clusters) clusters.set(c.name, c);
      const verdict = state.traffic?.l4VerdictOf(l, route.routeKey);
      const target = verdict ? l4TrafficBackends([first], verdict, clusters)[0]! : first;
      listeners.push({
        name: envoyListenerName(gw, 'UDP', port),
        address: listenerAddress,
        port,
        protocol: 'UDP',
        filterChains: [],
        udp: { statPrefix: `udp-${port}`, clusterName: target.clusterName },
      });
      continue;
    } else if (family === 'TCP') {
      const l = onPort[0]!;
      const chain = l4Chain(state, l, '*', filterChainName(gw, l.id), `tcp-${port}`, clusters);
      if (chain) chains.push(chain);
    } else {
      protocol = onPort.some((l) => l.protocol === 'HTTPS') ? 'HTTPS' : 'TLS';
      // HTTPS listeners share out the Host names among themselves (TLS listeners' names are SNI only).
      const httpsOnPort = onPort.filter((l) => l.protocol === 'HTTPS');
      for (const l of [...onPort].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        if (l.protocol === 'TLS') {
          chains.push(...tlsRouteChains(state, l, onPort, clusters, secrets));
          continue;
        }
        const own = buildVirtualHosts(state, httpsOnPort, clusters, secrets, memo, l);
        const config: IrRouteConfig = {
          name: routeConfigName(gw, port, l.id),
          virtualHosts: [...own, ...misdirectedHosts(state, l, onPort, own)],
        };
        routeConfigs.push(config);
        for (const s of l.certificates) secrets.set(s.name, s);
        const { filters, ...byConfiguration } = filtersOf(config);
        chains.push({
          name: filterChainName(gw, l.id),
          serverNames: l.hostname ? [l.hostname] : [],
          tls: {
            certificateSecretNames: l.certificates.map((s) => s.name),
            alpnProtocols: ['h2', 'http/1.1'],
            ...(l.clientValidation ? { clientValidation: l.clientValidation } : {}),
          },
          http: {
            statPrefix: `https-${port}`,
            routeConfigName: config.name,
            filters,
            ...(l.preRouting ? { preRouting: preRoutingOf([l], clusters) } : {}),
            ...byConfiguration,
          },
        });
      }
    }
    // A TLS or TCP port without any route to forward to: Envoy refuses a listener without chains,
    // and without one the port is closed, which is what a connection there should find.
    if (chains.length === 0) continue;
    listeners.push({
      name: envoyListenerName(gw, protocol, port),
      address: listenerAddress,
      port,
      protocol,
      filterChains: chains,
    });
  }

  withTracing(state, listeners, routeConfigs, clusters);
  withAccessLogs(state, listeners, clusters);

  // The Gateway's client certificate (spec.tls.backend) goes with every connection it opens with TLS.
  const clientCertificate = state.backendClientCertificate;
  let clusterList = [...clusters.values()];
  if (clientCertificate && 'secret' in clientCertificate && clusterList.some((c) => c.tls)) {
    const secret = clientCertificate.secret;
    secrets.set(secret.name, secret);
    // The same object as last run while the cluster and the Secret are: the Envoy stage then reuses its message.
    clusterList = clusterList.map((c) =>
      c.tls
        ? memo.composite(`client-certificate\0${gw}\0${c.name}`, [c, secret.name], () =>
            presentingClientCertificate(c, secret.name),
          )
        : c,
    );
  }
  // Names are unique in each list (each comes from a map by name): one comparison decides.
  const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : 1);
  return {
    name: gw,
    namespace: state.gateway.metadata.namespace ?? 'default',
    gatewayName: state.gateway.metadata.name,
    listeners: listeners.sort(byName),
    routeConfigs: routeConfigs.sort(byName),
    clusters: clusterList.sort(byName),
    secrets: [...secrets.values()].sort(byName),
  };
}
