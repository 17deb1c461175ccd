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
import type { HTTPExternalAuthFilter, KubeObject } from '../../../resources/types.js';
import { resolveBackendRef, unreadableBackendRef } from '../backends.js';
import { readBackendObjectReference } from '../../../resources/read/backend-ref.js';
import type { TranslationContext } from '../context.js';
import { isObject, list } from '../shape.js';
import { checkHeaderName } from '../validation.js';
import { fieldsOf } from '../../../resources/read/validation-result.js';

export interface PreRouting {
  filters: IrPreRoutingFilter[];
  clusters: IrCluster[];
}

/** HTTPAuthConfig.path's pattern (the CRD's); Envoy's path_prefix is prepended as is. */
const AUTH_PATH_RE = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/;

function headerNames(names: unknown, what: string, problems: string[]): string[] {
  const out: string[] = [];
  for (const name of list(names as unknown[])) {
    if (typeof name !== 'string' || checkHeaderName(name))
      problems.push(`${what}: ${JSON.stringify(name)} is not a header name`);
    else if (!out.includes(name.toLowerCase())) out.push(name.toLowerCase());
  }
  return out.sort();
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
  filters: unknown,
  reject: (reason: string, message: string) => void,
  refsProblem: (reason: string, message: string) => void,
): PreRouting | undefined {
  if (filters === undefined || filters === null) return undefined;
  if (listenerProtocol !== 'HTTP' && listenerProtocol !== 'HTTPS') {
    reject('UnsupportedValue', 'filters may only be set when protocol is HTTP or HTTPS');
    return undefined;
  }
  const fields = fieldsOf(filters);
  const requests: unknown = fields ? fields.requests : 'malformed';
  if (requests !== undefined && !Array.isArray(requests)) {
    reject('UnsupportedValue', 'filters.requests must be a list');
    return undefined;
  }
  const out: PreRouting = { filters: [], clusters: [] };
  const referrer: KubeObject = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: owner.kind,
    metadata: { namespace: owner.namespace, name: owner.name },
  };
  for (const [i, filter] of list(requests as unknown[]).entries()) {
    const at = `filters.requests[${i}]`;
    const name = `prerouting/${listenerId}/${i}`;
    if (!isObject(filter)) {
      reject('InvalidListenerFilter', `${at} is not an object`);
      return undefined;
    }
    const f = filter as { type?: unknown; extensionRef?: unknown; externalAuth?: unknown };
    if (f.type === 'ExtensionRef') {
      const ref = isObject(f.extensionRef)
        ? (f.extensionRef as { group?: unknown; kind?: unknown; name?: unknown })
        : {};
      reject(
        'UnsupportedValue',
        `${at}: ExtensionRef ${String(ref.group ?? '')}/${String(ref.kind)} ${String(ref.name)} is not supported: Portico defines no pre-routing extension kinds`,
      );
      return undefined;
    }
    if (f.type !== 'ExternalAuth') {
      reject('UnsupportedValue', `${at}: filter type ${JSON.stringify(f.type)} is not supported`);
      return undefined;
    }
    if (!isObject(f.externalAuth)) {
      reject('InvalidListenerFilter', `${at}: externalAuth must be set for type ExternalAuth`);
      return undefined;
    }
    const auth = f.externalAuth as HTTPExternalAuthFilter;
    const protocol = auth.protocol;
    if (protocol !== 'HTTP' && protocol !== 'GRPC') {
      reject(
        'UnsupportedValue',
        `${at}: externalAuth.protocol ${JSON.stringify(protocol)} is not supported; use HTTP or GRPC`,
      );
      return undefined;
    }
    const problems: string[] = [];
    const allowedHeaders = headerNames(
      protocol === 'GRPC' ? auth.grpc?.allowedHeaders : auth.http?.allowedHeaders,
      'allowedHeaders',
      problems,
    );
    const allowedResponseHeaders =
      protocol === 'HTTP' ? headerNames(auth.http?.allowedResponseHeaders, 'allowedResponseHeaders', problems) : [];
    const path = protocol === 'HTTP' ? auth.http?.path : undefined;
    if (path !== undefined && (typeof path !== 'string' || !AUTH_PATH_RE.test(path) || path.length > 1024)) {
      problems.push(`http.path ${JSON.stringify(path)} is not a valid path`);
    }
    const maxSize = auth.forwardBody?.maxSize;
    if (maxSize !== undefined && (!Number.isInteger(maxSize) || maxSize < 0 || maxSize > 2 ** 31 - 1)) {
      problems.push(`forwardBody.maxSize ${JSON.stringify(maxSize)} is not a size`);
    }
    if (problems.length > 0) {
      reject('InvalidListenerFilter', `${at}: ${problems.join('; ')}`);
      return undefined;
    }
    if (!isObject(auth.backendRef) || typeof auth.backendRef?.name !== 'string') {
      reject('InvalidListenerFilter', `${at}: externalAuth.backendRef is required`);
      return undefined;
    }
    const backendRef = readBackendObjectReference(auth.backendRef, 'externalAuth.backendRef');
    const resolved = backendRef.valid
      ? resolveBackendRef(ctx, referrer, backendRef.result, protocol === 'GRPC' ? 'grpc' : 'http')
      : unreadableBackendRef(backendRef.errors);
    if (!resolved.ok) {
      refsProblem(
        resolved.reason === 'RefNotPermitted' ? 'RefNotPermitted' : 'InvalidListenerFilterRef',
        `${at}: ExternalAuth.backendRef: ${resolved.message}; requests on this listener are answered 500`,
      );
      out.filters.push({ name, type: 'deny', status: 500 });
      continue;
    }
    out.clusters.push(resolved.cluster);
    const ir: IrPreRoutingFilter = {
      name,
      type: 'extAuthz',
      protocol,
      clusterName: resolved.cluster.name,
      allowedHeaders,
      allowedResponseHeaders,
    };
    if (typeof path === 'string' && path !== '') ir.pathPrefix = path;
    if (maxSize !== undefined && maxSize > 0) ir.forwardBodyMaxBytes = maxSize;
    out.filters.push(ir);
  }
  return out;
}
