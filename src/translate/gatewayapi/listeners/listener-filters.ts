/**
 * Pre-routing filters (`Listener.filters.requests`, experimental in Gateway API v1.7.0, GEP-5224):
 * filters that run on every request of an HTTP or HTTPS listener, in list order, before route
 * matching, which then sees the request as they left it.
 *
 * Portico maps each to an HTTP filter of the listener's connection manager, ahead of every other
 * (Envoy runs decoder filters in chain order, so list order is kept and
 * `InvalidListenerFilterOrder` never applies):
 * - `ExternalAuth`: Envoy's ext_authz (HTTP or gRPC protocol) with `clear_route_cache`, so the
 *   headers the authorization server adds are what route matching sees. Host and `:authority`
 *   cannot be changed by it: ext_authz's header mutation rules refuse them (the mutation is
 *   ignored, the request goes on with the original value, as the spec prefers).
 * - `ExtensionRef`: Portico defines no pre-routing extension kinds, so a listener with one is not
 *   accepted (`UnsupportedValue`, naming the filter): a filter must never be skipped.
 *
 * A filter whose backend does not resolve is reported (`ResolvedRefs=False`,
 * `InvalidListenerFilterRef` or `RefNotPermitted`) and answers every request of the listener with
 * a 500 in its place: an authorization step is never left out.
 */
import type { IrCluster, IrPreRoutingFilter } from '../../../ir/types.js';
import type { KubeObject } from '../../../resources/types.js';
import type { ListenerFilters } from '../../../resources/read/listener-filters.js';
import type { TranslationContext } from '../context.js';
import { resolveExternalAuth } from '../external-auth.js';

export interface PreRouting {
  filters: IrPreRoutingFilter[];
  clusters: IrCluster[];
}

/**
 * The pre-routing filters of one listener. `owner` is who refers to the backends (the Gateway, or
 * the ListenerSet the listener comes from: ReferenceGrants are checked from it).
 */
export function translateListenerFilters(
  ctx: TranslationContext,
  owner: { kind: 'Gateway' | 'ListenerSet'; namespace: string; name: string },
  listenerId: string,
  listenerProtocol: string | undefined,
  filters: ListenerFilters | undefined,
  reject: (reason: string, message: string) => void,
  refsProblem: (reason: string, message: string) => void,
): PreRouting | undefined {
  if (filters === undefined) return undefined;
  if (listenerProtocol !== 'HTTP' && listenerProtocol !== 'HTTPS') {
    reject('UnsupportedValue', 'filters may only be set when protocol is HTTP or HTTPS');
    return undefined;
  }
  if ('malformed' in filters) {
    reject('UnsupportedValue', 'filters.requests must be a list');
    return undefined;
  }
  const out: PreRouting = { filters: [], clusters: [] };
  const referrer: KubeObject = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: owner.kind,
    metadata: { namespace: owner.namespace, name: owner.name },
  };
  for (const [i, filter] of filters.requests.entries()) {
    const at = `filters.requests[${i}]`;
    const name = `prerouting/${listenerId}/${i}`;
    if (filter.kind === 'unreadable') {
      reject('InvalidListenerFilter', filter.message);
      return undefined;
    }
    if (filter.kind === 'unsupported') {
      reject('UnsupportedValue', filter.message);
      return undefined;
    }
    const resolved = resolveExternalAuth(ctx, referrer, filter);
    if (!resolved.ok) {
      refsProblem(
        resolved.reason === 'RefNotPermitted' ? 'RefNotPermitted' : 'InvalidListenerFilterRef',
        `${at}: ExternalAuth.backendRef: ${resolved.message}; requests on this listener are answered 500`,
      );
      out.filters.push({ name, type: 'deny', status: 500 });
      continue;
    }
    out.clusters.push(resolved.cluster);
    out.filters.push({ name, ...resolved.config });
  }
  return out;
}
