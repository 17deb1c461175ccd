/**
 * HTTPRoutes and GRPCRoutes on one listener must not share a hostname (GRPCRouteSpec.hostnames):
 * when a route of one kind and a route of the other are attached to the same listener and their
 * hostnames intersect, exactly one of them is accepted there: the oldest by creation timestamp,
 * then the first by `<namespace>/<name>`. The other gets Accepted=False for that listener.
 *
 * A TCP or UDP listener forwards every connection (datagram) to one route, so of several
 * TCPRoutes (UDPRoutes) attached to it only the oldest is served. The others are still attached
 * (Accepted, counted in `attachedRoutes`; spec: "Conflicts", and the conformance tests
 * TCPRouteMultipleRoutesAttachment and UDPRouteMultipleRoutesAttachment): they are `shadowed`,
 * and take over when the older route goes.
 */
import type { KubeObject } from '../../../resources/types.js';
import { hostnameCovers } from '../hostnames.js';
import { olderFirst } from './precedence.js';
import type { RouteOutcome } from '../gateway-state.js';

/** What took a listener from a route: the older route of the other kind, and the route's hostnames there. */
export interface LostListener {
  winner: KubeObject;
  hostnames: string[];
  /** The route stays attached there (TCP, UDP) but the winner is the one served. */
  shadowed: boolean;
}

/** For one route: the listeners (`<gateway>#<index>`) it loses. */
export type KindConflicts = ReadonlyMap<string, LostListener>;

interface Claim {
  route: KubeObject;
  hostnames: string[];
}

function intersects(a: readonly string[], b: readonly string[]): boolean {
  return a.some((x) => b.some((y) => hostnameCovers(x, y) || hostnameCovers(y, x)));
}

/** Oldest first, then by name; an HTTPRoute and a GRPCRoute of one name apart by kind. */
function olderFirstThenKind(a: KubeObject, b: KubeObject): number {
  return olderFirst(a, b) || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0);
}

/**
 * The routes that lose a listener to a route of the other kind, or are shadowed there by an older
 * TCPRoute (UDPRoute): Envoy's TCP (UDP) proxy forwards a listener's traffic to one route.
 * `outcomes[i]` is what `routes[i]` would get on its own.
 */
export function routeKindConflicts(
  routes: readonly KubeObject[],
  outcomes: readonly RouteOutcome[],
): Map<KubeObject, KindConflicts> {
  const byListener = new Map<string, Claim[]>();
  routes.forEach((route, i) => {
    for (const p of outcomes[i]!.placements) {
      const key = `${p.gateway}#${p.listener}`;
      let claims = byListener.get(key);
      if (!claims) byListener.set(key, (claims = []));
      claims.push({ route, hostnames: p.hostnames });
    }
  });
  const lost = new Map<KubeObject, Map<string, LostListener>>();
  for (const [key, claims] of byListener) {
    const kinds = new Set(claims.map((c) => c.route.kind));
    // A TCP or UDP listener forwards everything to one route: the oldest is served.
    const tcp = kinds.size === 1 && (kinds.has('TCPRoute') || kinds.has('UDPRoute')) && claims.length > 1;
    if (kinds.size < 2 && !tcp) continue;
    claims.sort((a, b) => olderFirstThenKind(a.route, b.route));
    const kept: Claim[] = [];
    for (const claim of claims) {
      const winner = tcp
        ? kept[0]
        : kept.find((k) => k.route.kind !== claim.route.kind && intersects(k.hostnames, claim.hostnames));
      if (!winner) {
        kept.push(claim);
        continue;
      }
      let forRoute = lost.get(claim.route);
      if (!forRoute) lost.set(claim.route, (forRoute = new Map()));
      forRoute.set(key, { winner: winner.route, hostnames: claim.hostnames, shadowed: tcp });
    }
  }
  return lost;
}
