/**
 * A rule's backendRefs → weighted clusters, shared by HTTPRoute and GRPCRoute, and the session
 * persistence the rule's backends ask for.
 */
import type { KubeObject } from '../../../resources/types.js';
import {
  filtersOf,
  RefusedBackendRef,
  targetOf,
  weightOf,
  writtenNameOf,
  type RouteBackendRefRead,
} from '../../../resources/read/backend-ref.js';
import { Refused } from '../../../resources/read/validation-result.js';
import type { PathModifierRead } from '../../../resources/read/route-filters.js';
import type {
  IrCluster,
  IrForwardAction,
  IrHeaderMutation,
  IrRouteAction,
  IrSessionPersistence,
  IrWeightedBackend,
} from '../../../ir/types.js';
import type { TranslationContext } from '../context.js';
import { resolveBackendRef, unreadableBackendRef } from '../backends.js';
import type { RouteProtocol } from '../backend-result.js';
import { translateFilters } from './http-filters.js';
import type { RouteTranslation } from './contract.js';

/** What a gRPC request gets where an HTTP one would get a 500 (see `grpc-route.ts`). */
export const GRPC_ERROR_RESPONSE = 'UNAVAILABLE (HTTP 503)';

/** Envoy refuses `weighted_clusters` whose weights sum past uint32. */
export const MAX_TOTAL_WEIGHT = 0xffffffff;

/**
 * `forward`, or a direct response with `unavailableStatus` where Envoy could not carry its
 * weights: with the unresolved share (`invalidBackendWeight`, an entry of the same
 * `weighted_clusters`) they sum past uint32. Only input the CRD refuses gets there (at most 16
 * backendRefs of weight 1,000,000 at most), and it is answered as a rule without usable backend
 * is (500; gRPC UNAVAILABLE). So every forward action of the IR is one Envoy takes, and stage 2
 * (`translate/xds/route-action.ts`) has nothing to decide.
 */
export function expressibleForward(forward: IrForwardAction, unavailableStatus: number): IrRouteAction {
  const total = forward.backends.reduce((sum, b) => sum + b.weight, forward.invalidBackendWeight ?? 0);
  return total <= MAX_TOTAL_WEIGHT ? forward : { type: 'direct', status: unavailableStatus };
}

export function isEmptyMutation(m: IrHeaderMutation | undefined): boolean {
  return !m || (m.set.length === 0 && m.add.length === 0 && m.remove.length === 0);
}

export interface BackendRefRouting {
  refIndex: number;
  path?: PathModifierRead;
}

export interface RuleBackends {
  backends: IrWeightedBackend[];
  /**
   * Beside each backend: the index of its backendRef in the rule (the first one when equal
   * backendRefs were merged), and its own URLRewrite path, which Envoy's weighted clusters cannot
   * carry (`backend-split.ts`).
   */
  refs: BackendRefRouting[];
  /**
   * Resolved backendRefs of weight 0: they get no new traffic, but a session already bound to one
   * of their endpoints keeps it (GEP-1619), so a rule with session persistence keeps them.
   */
  standby: IrCluster[];
  invalidWeight: number;
  total: number;
  websocket: boolean;
  /**
   * The session persistence of each resolved backendRef (weighted and standby), in order: an
   * XBackend's own, or undefined (see `backendSession`).
   */
  sessions: (IrSessionPersistence | undefined)[];
}

/**
 * The session persistence a rule's backends ask for (XBackend `sessionPersistence`), checked
 * against the rule's own (deprecated in v1.7.0 in favour of the backend's). Envoy keeps one
 * stateful session per route, so the rule's resolved backends must agree: all with the same
 * session persistence, or none. Anything else is an error that drops the rule.
 */
export function ruleSession(
  fromRule: IrSessionPersistence | undefined,
  backends: RuleBackends,
  errors: string[],
): IrSessionPersistence | undefined {
  if (backends.sessions.every((s) => s === undefined)) return fromRule;
  const distinct = new Set(backends.sessions.map((s) => JSON.stringify(s ?? null)));
  if (distinct.size > 1) {
    errors.push(
      'the backendRefs of this rule have different session persistence (an XBackend with it next to a backend without it, or with another); Portico keeps one session per rule',
    );
    return undefined;
  }
  const session = backends.sessions[0]!;
  if (fromRule && JSON.stringify(fromRule) !== JSON.stringify(session)) {
    errors.push("sessionPersistence of the rule differs from its XBackend's; set it on the XBackend only");
    return undefined;
  }
  return session;
}

/**
 * A rule's backendRefs (as `readRouteCommon` read them) → weighted clusters. Shared with
 * GRPCRoute, whose backends are the same references spoken to over HTTP/2 (`protocol`).
 *
 * An entry that is no object refuses the route (`unsupported`): there is no backend whose share
 * could fail, and the CRD refuses it too. An invalid weight drops the rule (`errors`); a
 * reference with a field of the wrong type is a reference that does not resolve.
 */
export function translateBackends(
  ctx: TranslationContext,
  route: KubeObject,
  backendRefs: readonly RouteBackendRefRead[],
  out: RouteTranslation,
  addCluster: (c: IrCluster) => void,
  work: { errors: string[]; unsupported: string[] },
  protocol: RouteProtocol = 'http',
): RuleBackends {
  const { errors, unsupported } = work;
  const result: RuleBackends = {
    backends: [],
    refs: [],
    standby: [],
    invalidWeight: 0,
    total: 0,
    websocket: false,
    sessions: [],
  };
  for (const [refIndex, ref] of backendRefs.entries()) {
    if (ref instanceof RefusedBackendRef && ref.notAnObject !== undefined) {
      unsupported.push(`${ref.notAnObject}: a backendRef must be an object`);
      continue;
    }
    const weight = weightOf(ref);
    if (weight instanceof Refused) {
      errors.push(...weight.errors.map((e) => e.message));
      continue;
    }
    const filters = translateFilters(filtersOf(ref), {
      level: 'backend',
      ...(protocol === 'grpc' ? { errorResponse: GRPC_ERROR_RESPONSE } : {}),
    });
    errors.push(...filters.errors, ...filters.unsupported);
    // GRPCRouteFilter has no URLRewrite; a stray one (no schema check) must not rewrite a method's path.
    if (protocol === 'grpc' && filters.pathRewrite !== undefined)
      errors.push(`backendRef ${writtenNameOf(ref)}: filter URLRewrite is not supported on GRPCRoute backendRefs`);
    const target = targetOf(ref);
    const resolved =
      target instanceof Refused ? unreadableBackendRef(target.errors) : resolveBackendRef(ctx, route, target, protocol);
    if (!resolved.ok) {
      if (!resolved.quiet) out.refProblems.push({ reason: resolved.reason, message: resolved.message });
      result.invalidWeight += weight;
      result.total += weight;
      continue;
    }
    if (filters.unresolved.length > 0) {
      out.refProblems.push(...filters.unresolved.map((m) => ({ reason: 'UnsupportedValue', message: m })));
      result.invalidWeight += weight;
      result.total += weight;
      continue;
    }
    result.total += weight;
    result.sessions.push(resolved.session);
    const plain =
      isEmptyMutation(filters.requestHeaders) &&
      isEmptyMutation(filters.responseHeaders) &&
      filters.hostRewrite === undefined &&
      filters.pathRewrite === undefined;
    if (weight === 0) {
      if (plain) result.standby.push(resolved.cluster);
      continue;
    }
    addCluster(resolved.cluster);
    result.websocket ||= resolved.websocket;
    const backend: IrWeightedBackend = { clusterName: resolved.cluster.name, weight };
    if (!isEmptyMutation(filters.requestHeaders)) backend.requestHeaders = filters.requestHeaders;
    if (!isEmptyMutation(filters.responseHeaders)) backend.responseHeaders = filters.responseHeaders;
    if (filters.hostRewrite !== undefined) backend.hostRewrite = filters.hostRewrite;
    // Equal backendRefs without filters are one weighted entry.
    const same = plain
      ? result.backends.findIndex((b, i) => b.clusterName === backend.clusterName && isPlain(b, result.refs[i]!))
      : -1;
    if (same >= 0) result.backends[same]!.weight += weight;
    else {
      result.backends.push(backend);
      result.refs.push(filters.pathRewrite ? { refIndex, path: filters.pathRewrite } : { refIndex });
    }
  }
  return result;
}

function isPlain(b: IrWeightedBackend, ref: BackendRefRouting): boolean {
  return !b.requestHeaders && !b.responseHeaders && b.hostRewrite === undefined && ref.path === undefined;
}
