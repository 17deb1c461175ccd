/**
 * Attaching a route to Gateway listeners through its parentRefs: sectionName and port narrow
 * the listeners, allowedRoutes must admit the route, and hostnames must intersect.
 */
import type { KubeObject } from '../../../resources/types.js';
import { GATEWAY_GROUP } from '../../../resources/types.js';
import {
  matchesNoListener,
  parentRefNarrowing,
  type RouteParentRef,
  type ValidatedRouteCommon,
} from '../../../resources/read/route-common.js';
import { Refused } from '../../../resources/read/validation-result.js';
import type { TranslationContext } from '../context.js';
import { effectiveHostnames } from '../hostnames.js';
import type { ListenerState } from '../listeners/listener-state.js';
import { kindAllowed, namespaceAllowed } from './allowed-routes.js';
import type { GatewayState, ListenerSetState } from '../gateway-state.js';

export interface ListenerAttachment {
  listener: ListenerState;
  /** Hostnames the route serves on this listener (intersections, or the listener's own). */
  hostnames: string[];
}

export type ParentResult =
  /** The parentRef is not a Gateway Portico manages: no status entry is written for it. */
  | { kind: 'foreign' }
  | { kind: 'rejected'; gateway: GatewayState; reason: string; message: string }
  | { kind: 'attached'; gateway: GatewayState; attachments: ListenerAttachment[] };

/**
 * Where one parentRef (read by `readRouteCommon`, which leaves out refs to other kinds) attaches
 * the route, given the route's hostnames as read.
 */
export function resolveParentRef(
  ctx: TranslationContext,
  route: KubeObject,
  common: Pick<ValidatedRouteCommon, 'hostnames'>,
  ref: RouteParentRef,
  gateways: ReadonlyMap<string, GatewayState>,
): ParentResult {
  const parentKind = ref.kind ?? 'Gateway';
  const routeNamespace = route.metadata.namespace ?? 'default';
  const parentKey = `${ref.namespace ?? routeNamespace}/${ref.name}`;
  let gateway: GatewayState | undefined;
  let set: ListenerSetState | undefined;
  if (parentKind === 'ListenerSet') {
    // A ListenerSet is Portico's to answer for when its parent Gateway is.
    for (const g of gateways.values()) {
      set = g.listenerSets.find((s) => s.key === parentKey);
      if (set) {
        gateway = g;
        break;
      }
    }
  } else {
    gateway = gateways.get(parentKey);
  }
  if (!gateway) return { kind: 'foreign' };
  if (!gateway.accepted) {
    return {
      kind: 'rejected',
      gateway,
      reason: 'NoMatchingParent',
      message: `Gateway ${gateway.key} is not accepted: ${gateway.rejection ?? 'see its status'}`,
    };
  }
  if (set && !set.attached) {
    return {
      kind: 'rejected',
      gateway,
      reason: 'NoMatchingParent',
      message: `ListenerSet ${set.key} is not attached to Gateway ${gateway.key}: ${set.problem?.message ?? 'see its status'}`,
    };
  }

  // A parentRef to the Gateway reaches its own listeners; a ListenerSet's are reached through the ListenerSet.
  const candidates = gateway.listeners.filter(
    (l) =>
      !matchesNoListener(ref) &&
      (set ? l.set?.key === set.key : !l.set) &&
      (ref.sectionName === undefined || l.name === ref.sectionName) &&
      (ref.port === undefined || l.port === ref.port),
  );
  if (candidates.length === 0) {
    return {
      kind: 'rejected',
      gateway,
      reason: 'NoMatchingParent',
      message: `${set ? `ListenerSet ${set.key}` : `Gateway ${gateway.key}`} has no listener with ${parentRefNarrowing(ref)}`,
    };
  }

  const gatewayNamespace = gateway.gateway.metadata.namespace ?? 'default';
  // "Listener or Route status does not impact successful attachment" (ListenerStatus.attachedRoutes):
  // a route attaches to a conflicted or certificate-less listener too; it just serves no traffic.
  const allowed = candidates.filter(
    (l) =>
      kindAllowed(l, GATEWAY_GROUP, route.kind) &&
      namespaceAllowed(ctx, l, l.set?.namespace ?? gatewayNamespace, routeNamespace),
  );
  if (allowed.length === 0) {
    return {
      kind: 'rejected',
      gateway,
      reason: 'NotAllowedByListeners',
      message: candidates.some((l) => kindAllowed(l, GATEWAY_GROUP, route.kind))
        ? `no listener of Gateway ${gateway.key} that matches the parentRef allows routes from namespace ${routeNamespace}`
        : `no listener of Gateway ${gateway.key} that matches the parentRef accepts ${route.kind}s (see the listeners' supportedKinds)`,
    };
  }

  if (common.hostnames instanceof Refused) {
    return { kind: 'rejected', gateway, reason: 'UnsupportedValue', message: common.hostnames.errors[0]!.message };
  }
  const routeHostnames = common.hostnames;
  const attachments: ListenerAttachment[] = [];
  for (const listener of allowed) {
    const hostnames = effectiveHostnames(listener.hostname, routeHostnames);
    if (hostnames.length > 0) attachments.push({ listener, hostnames });
  }
  if (attachments.length === 0) {
    return {
      kind: 'rejected',
      gateway,
      reason: 'NoMatchingListenerHostname',
      message: `no hostname of the route (${routeHostnames.join(', ')}) matches a listener of Gateway ${gateway.key}`,
    };
  }
  return { kind: 'attached', gateway, attachments };
}
