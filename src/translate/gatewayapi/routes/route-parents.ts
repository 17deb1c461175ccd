/**
 * Attaching a route to Gateway listeners through its parentRefs: sectionName and port narrow
 * the listeners, allowedRoutes must admit the route, and hostnames must intersect.
 */
import type { KubeObject, ParentReference } from '../../../resources/types.js';
import { GATEWAY_GROUP } from '../../../resources/types.js';
import type { TranslationContext } from '../context.js';
import { effectiveHostnames, isValidHostname } from '../hostnames.js';
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

export function resolveParentRef(
  ctx: TranslationContext,
  route: KubeObject<{ hostnames?: string[] }>,
  ref: ParentReference,
  gateways: ReadonlyMap<string, GatewayState>,
): ParentResult {
  const parentKind = ref.kind ?? 'Gateway';
  if ((ref.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (parentKind !== 'Gateway' && parentKind !== 'ListenerSet')) {
    return { kind: 'foreign' };
  }
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
      (set ? l.set?.key === set.key : !l.set) &&
      (ref.sectionName === undefined || l.name === ref.sectionName) &&
      (ref.port === undefined || l.port === ref.port),
  );
  if (candidates.length === 0) {
    const what = [
      ref.sectionName !== undefined ? `sectionName ${ref.sectionName}` : '',
      ref.port !== undefined ? `port ${ref.port}` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    return {
      kind: 'rejected',
      gateway,
      reason: 'NoMatchingParent',
      message: `${set ? `ListenerSet ${set.key}` : `Gateway ${gateway.key}`} has no listener with ${what}`,
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

  // TCPRoutes have no hostnames; a stray field (no schema check in files) must not narrow them.
  const given: unknown = route.kind === 'TCPRoute' || route.kind === 'UDPRoute' ? undefined : route.spec?.hostnames;
  if (given !== undefined && given !== null && !Array.isArray(given)) {
    return { kind: 'rejected', gateway, reason: 'UnsupportedValue', message: 'hostnames must be a list of hostnames' };
  }
  const routeHostnames: unknown[] = Array.isArray(given) ? given : [];
  const invalidHostname = routeHostnames.find((h) => typeof h !== 'string' || !isValidHostname(h));
  if (invalidHostname !== undefined) {
    return {
      kind: 'rejected',
      gateway,
      reason: 'UnsupportedValue',
      message: `hostname ${JSON.stringify(invalidHostname)} is not a valid DNS name or wildcard`,
    };
  }
  const attachments: ListenerAttachment[] = [];
  for (const listener of allowed) {
    const hostnames = effectiveHostnames(listener.hostname, routeHostnames as string[]);
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
