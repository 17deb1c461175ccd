/** Placing a route's outcome on the Gateway states: what the IR assembly and listener statuses read. */
import { isProgrammed } from '../listeners/listener-state.js';
import type { GatewayState } from '../gateway-state.js';
import type { RouteOutcome } from '../gateway-state.js';

/** Counts the route on its listeners, and places its entries on those that are programmed. */
export function applyPlacements(gateways: Map<string, GatewayState>, route: object, outcome: RouteOutcome): void {
  const placed = outcome.placed;
  if (!placed) return;
  for (const placement of outcome.placements) {
    const gateway = gateways.get(placement.gateway)!;
    const listener = gateway.listeners[placement.listener]!;
    let keys = gateway.attachedRouteKeys.get(listener.index);
    if (!keys) gateway.attachedRouteKeys.set(listener.index, (keys = new Set()));
    keys.add(placed.routeKey);
    gateway.attachedRoutes.add(route);
    if (!isProgrammed(listener)) continue;
    let onListener = gateway.placed.get(listener.index);
    if (!onListener) gateway.placed.set(listener.index, (onListener = new Map()));
    for (const hostname of placement.hostnames) {
      // Keyed by route: a route listed twice for the same listener (two parentRefs) is placed once.
      let routes = onListener.get(hostname);
      if (!routes) onListener.set(hostname, (routes = new Map()));
      routes.set(placed.routeKey, placed);
    }
  }
}
