/**
 * Which Gateways use a backend: the ancestors of a backend's policy status (BackendTLSPolicy for a
 * Service, an XBackend's own status) are the Gateways where a route naming that backend is placed.
 */
import type { BackendObjectReference, KubeObject } from '../../../resources/types.js';
import { targetOf } from '../../../resources/read/backend-ref.js';
import { readRuleMirrorBackendRefs } from '../../../resources/read/mirror-backend-refs.js';
import { Refused } from '../../../resources/read/validation-result.js';
import { readRouteCommon } from '../../../resources/read/route-common.js';
import type { RouteOutcome } from '../gateway-state.js';

/**
 * Every backend reference a route's rules name that reads as one: in `backendRefs` and in
 * `requestMirror` filters (a reference that does not read names no backend).
 */
export function routeBackendRefs(route: KubeObject<{ rules?: unknown }>): BackendObjectReference[] {
  const refs: BackendObjectReference[] = [];
  const mirrors = readRuleMirrorBackendRefs(route.spec);
  readRouteCommon(route).rules.forEach((rule, i) => {
    for (const ref of rule?.backendRefs ?? []) {
      const target = targetOf(ref);
      if (!(target instanceof Refused)) refs.push(target);
    }
    refs.push(...(mirrors[i] ?? []));
  });
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
