/**
 * One GRPCRoute → IR routes, like an HTTPRoute (`http-route.ts`): gRPC is HTTP/2, so a gRPC
 * method match is a match on the request path `/<service>/<method>`, and the rest (headers,
 * header modifiers, mirrors, weighted backends) is what HTTPRoutes already do. Backends are
 * always spoken to over HTTP/2, and a request no backend can take is answered with gRPC
 * `UNAVAILABLE`, as GRPCRouteRule.backendRefs asks.
 */
import { newIrRoute, newRouteSource } from './ir-route.js';
import type { GRPCRoute } from '../../../resources/types.js';
import type { RouteFilterRead } from '../../../resources/read/route-filters.js';
import type { IrForwardAction, IrRouteAction, IrRouteMatch } from '../../../ir/types.js';
import type { TranslationContext } from '../context.js';
import { readRouteCommon } from '../../../resources/read/route-common.js';
import {
  GRPC_MATCH_ALL,
  type GrpcMethodValue,
  type GrpcRouteMatchRead,
} from '../../../resources/read/route-matches.js';
import { Refused } from '../../../resources/read/validation-result.js';
import { filtersOf, RefusedBackendRef, type RouteBackendRefRead } from '../../../resources/read/backend-ref.js';
import { translateFilters } from './http-filters.js';
import { translateMatch } from './http-matches.js';
import type { RouteEntry, RouteTranslation } from './contract.js';
import {
  expressibleForward,
  GRPC_ERROR_RESPONSE,
  isEmptyMutation,
  ruleSession,
  translateBackends,
} from './rule-backends.js';
import { translateMirrors } from './rule-closing.js';
import { translateRules } from './route-rules.js';
import { routeName } from '../names.js';
import { ruleName } from './rule-names.js';

/** HTTP status for a gRPC request no backend can take: gRPC clients read 503 as `UNAVAILABLE`. */
const GRPC_UNAVAILABLE_HTTP_STATUS = 503;

/** GRPCRouteFilter.type: the filters a GRPCRoute may use. */
const GRPC_FILTER_TYPES = new Set<RouteFilterRead['type']>([
  'RequestHeaderModifier',
  'ResponseHeaderModifier',
  'RequestMirror',
  'ExtensionRef',
]);

interface MethodPath {
  path: IrRouteMatch['path'];
  /** How the method was matched, for precedence. */
  method: 'Exact' | 'RegularExpression' | 'None';
  serviceLength: number;
  methodLength: number;
}

/**
 * A read GRPCMethodMatch → a match on the path. Exact service and method: the exact path; service
 * only: the path segment `/<service>`; method only, or regular expressions: an RE2 pattern over
 * both segments, `[^/]+` standing for the one that is not given.
 */
function methodPath(method: GrpcMethodValue | undefined): MethodPath {
  if (method === undefined) {
    return { path: { type: 'PathPrefix', value: '/' }, method: 'None', serviceLength: 0, methodLength: 0 };
  }
  const { type, service, method: name } = method;
  const lengths = { method: type, serviceLength: service.length, methodLength: name.length };
  if (type === 'Exact') {
    if (name === '') return { path: { type: 'PathPrefix', value: `/${service}` }, ...lengths };
    if (service === '') return { path: { type: 'RegularExpression', value: `/[^/]+/${name}` }, ...lengths };
    return { path: { type: 'Exact', value: `/${service}/${name}` }, ...lengths };
  }
  // Each expression is matched against its part of the path on its own, so anchors written for
  // that part (`^echo\.Echo$`) are dropped rather than left in the middle of the path pattern.
  const part = (value: string) => (value === '' ? '[^/]+' : `(?:${unanchored(value)})`);
  return { path: { type: 'RegularExpression', value: `/${part(service)}/${part(name)}` }, ...lengths };
}

/** `value` without a leading `^` and an unescaped trailing `$`. */
function unanchored(value: string): string {
  let out = value.startsWith('^') ? value.slice(1) : value;
  if (out.endsWith('$')) {
    const backslashes = /\\*$/.exec(out.slice(0, -1))![0].length;
    if (backslashes % 2 === 0) out = out.slice(0, -1);
  }
  return out;
}

function grpcMatch(
  match: GrpcRouteMatchRead,
  errors: string[],
  unsupported: string[],
): (Omit<MethodPath, 'path'> & { match: IrRouteMatch }) | undefined {
  if (match.method instanceof Refused) {
    for (const p of match.method.errors) (p.unsupported ? unsupported : errors).push(p.message);
    return undefined;
  }
  const path = methodPath(match.method);
  // Header matches are HTTPRoute's (same types, same first-entry-wins rule); the path is checked
  // there too, with RE2 for regular expressions.
  const ir = translateMatch({ path: path.path, headers: match.headers }, errors, unsupported);
  return ir
    ? { match: ir, method: path.method, serviceLength: path.serviceLength, methodLength: path.methodLength }
    : undefined;
}

/** A backendRef with its filters as GRPCRoute takes them (`grpcFilters`). */
function withGrpcFilters(ref: RouteBackendRefRead, unsupported: string[]): RouteBackendRefRead {
  const given = filtersOf(ref);
  if (given.length === 0) return ref;
  const filters = grpcFilters(given, unsupported);
  return ref instanceof RefusedBackendRef
    ? new RefusedBackendRef(ref.notAnObject, ref.writtenName, ref.weight, ref.target, filters)
    : { ...ref, filters };
}

/** Filter types outside GRPCRouteFilter's enum are reported, and not passed on. */
function grpcFilters(filters: readonly RouteFilterRead[], unsupported: string[]): RouteFilterRead[] {
  const out: RouteFilterRead[] = [];
  for (const f of filters) {
    if (GRPC_FILTER_TYPES.has(f.type)) out.push(f);
    else {
      const type = f.type === 'Unknown' ? f.writtenType : f.type;
      unsupported.push(`filter type ${JSON.stringify(type)} is not supported on GRPCRoutes`);
    }
  }
  return out;
}

export function translateGrpcRoute(ctx: TranslationContext, route: GRPCRoute): RouteTranslation {
  const namespace = route.metadata.namespace ?? 'default';
  const name = route.metadata.name;
  // Unlike HTTPRoute's, GRPCRoute's rules have no default: a route without rules routes nothing.
  const read = readRouteCommon(route);
  return translateRules(read.rules, read.rules.length, (ruleIndex, work, out) => {
    const rule = read.rules[ruleIndex];
    const givenName = ruleName(rule);
    const { errors, unsupported, addCluster: addRuleCluster } = work;
    const filters = translateFilters(grpcFilters(rule?.filters ?? [], unsupported), {
      level: 'rule',
      errorResponse: GRPC_ERROR_RESPONSE,
    });
    errors.push(...filters.errors);
    unsupported.push(...filters.unsupported);
    const backendRefs = (rule?.backendRefs ?? []).map((ref) => withGrpcFilters(ref, unsupported));
    if (rule?.sessionPersistence !== undefined) {
      unsupported.push('sessionPersistence is not supported on GRPCRoutes by Portico');
    }
    const backends = translateBackends(ctx, route, backendRefs, out, addRuleCluster, work, 'grpc');
    const mirrors = translateMirrors(ctx, route, filters, out, addRuleCluster, 'grpc');
    // An XBackend's own session persistence (the rule's is refused above).
    const session = ruleSession(undefined, backends, errors);

    const matches = rule?.grpcMatches ?? GRPC_MATCH_ALL;
    const entries: RouteEntry[] = [];
    matches.forEach((m, index) => {
      const built = grpcMatch(m, errors, unsupported);
      if (!built) return;
      let action: IrRouteAction;
      if (filters.unresolved.length > 0 || backends.backends.length === 0) {
        // No backend can take the request (GRPCRouteRule.backendRefs): UNAVAILABLE.
        action = { type: 'direct', status: GRPC_UNAVAILABLE_HTTP_STATUS };
      } else {
        const forward: IrForwardAction = {
          type: 'forward',
          backends: backends.backends,
          mirrors,
          websocket: false,
          grpc: true,
        };
        if (backends.invalidWeight > 0) forward.invalidBackendWeight = backends.invalidWeight;
        if (filters.hostRewrite !== undefined) forward.hostRewrite = filters.hostRewrite;
        action = expressibleForward(forward, GRPC_UNAVAILABLE_HTTP_STATUS);
      }
      const ir = newIrRoute(
        routeName(namespace, name, ruleIndex, givenName, index, 'GRPCRoute'),
        newRouteSource('GRPCRoute', namespace, name, ruleIndex, index, givenName),
        built.match,
        action,
      );
      if (!isEmptyMutation(filters.requestHeaders)) ir.requestHeaders = filters.requestHeaders;
      if (!isEmptyMutation(filters.responseHeaders)) ir.responseHeaders = filters.responseHeaders;
      if (session) ir.sessionPersistence = session;
      entries.push({
        route: ir,
        precedence: {
          pathType: built.match.path.type,
          pathLength: built.match.path.value.length,
          hasMethod: false,
          headerCount: built.match.headers.length,
          queryCount: 0,
          grpc: { method: built.method, serviceLength: built.serviceLength, methodLength: built.methodLength },
          creationTimestamp: route.metadata.creationTimestamp,
          namespacedName: `${namespace}/${name}`,
          rule: ruleIndex,
          match: index,
        },
      });
    });
    return entries;
  });
}
