/**
 * Which Gateways use a backend: the ancestors of a backend's policy status (BackendTLSPolicy for a
 * Service, an XBackend's own status) are the Gateways where a route naming that backend is placed.
 */
import type { KubeObject } from '../../../resources/types.js';
import { isObject, list } from '../shape.js';
import type { RouteOutcome } from '../gateway-state.js';

/** Every backendRef a route's rules name: in `backendRefs` and in `requestMirror` filters. */
export function routeBackendRefs(route: KubeObject<{ rules?: unknown }>): unknown[] {
  const spec = route.spec;
  if (!isObject(spec)) return [];
  const refs: unknown[] = [];
  for (const rule of list((spec as { rules?: unknown[] }).rules)) {
    if (!isObject(rule)) continue;
    const r = rule as { backendRefs?: unknown[]; filters?: unknown[] };
    refs.push(...list(r.backendRefs));
    for (const filter of list(r.filters)) {
      if (isObject(filter))
        refs.push((filter as { requestMirror?: { backendRef?: unknown } }).requestMirror?.backendRef);
    }
  }
  return refs;
}

/**
 * For each backend key that `backendsOf` gives for a placed route, the keys of the Gateways where
 * routes naming it are placed. `outcomes[i]` is where `routes[i]` is placed.
 */
export function gatewaysByBackend(
  routes: readonly KubeObject[],
  outcomes: readonly RouteOutcome[],
  backendsOf: (route: KubeObject<{ rules?: unknown }>) => Iterable<string>,
): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  routes.forEach((route, i) => {
    const placed = new Set(outcomes[i]!.placements.map((p) => p.gateway));
    if (placed.size === 0) return;
    for (const key of backendsOf(route as KubeObject<{ rules?: unknown }>)) {
      let set = out.get(key);
      if (!set) out.set(key, (set = new Set()));
      for (const g of placed) set.add(g);
    }
  });
  return out;
}
