/**
 * One HTTPRoute → IR routes (one per rule match, before they are placed into virtual hosts),
 * the clusters they use, and what its status must report.
 */
import type {
  HTTPBackendRef,
  HTTPPathModifier,
  HTTPRoute,
  HTTPRouteRule,
  KubeObject,
  SessionPersistence,
} from '../../resources/types.js';
import type {
  IrCluster,
  IrEndpoint,
  IrForwardAction,
  IrHeaderMutation,
  IrMirror,
  IrPathRewrite,
  IrRetry,
  IrRoute,
  IrRouteAction,
  IrRouteMatch,
  IrSessionPersistence,
  IrWeightedBackend,
} from '../../ir/types.js';
import type { TranslationContext } from './context.js';
import { resolveBackendRef, type RouteProtocol } from './backends.js';
import type { L4Forward } from './l4-route.js';
import { translateFilters, type FilterResult } from './http-filters.js';
import { splitByBackend, type BackendShare } from './backend-split.js';
import { MATCH_ALL, translateMatch } from './http-matches.js';
import { routeName } from './names.js';
import type { PrecedenceKey } from './precedence.js';
import type { RedirectTarget } from './redirect-port.js';
import { checkHeaderName, parseGatewayDuration } from './validation.js';

export interface RouteEntry {
  route: IrRoute;
  precedence: PrecedenceKey;
  /** For redirects: what decides the Location port, resolved per listener when routes are placed. */
  redirect?: RedirectTarget;
}

export interface RouteProblem {
  reason: string;
  message: string;
}

export interface RouteTranslation {
  entries: RouteEntry[];
  clusters: IrCluster[];
  /** References that did not resolve (ResolvedRefs=False); the first one gives the reason. */
  refProblems: RouteProblem[];
  /** Rules dropped because they are invalid, with why. */
  invalidRules: string[];
  /**
   * Why the whole route must be rejected: a value outside the API's enums (`UnsupportedValue`) or
   * filters that cannot be combined (`IncompatibleFilters`). The spec rejects the route, not the rule.
   */
  rejection?: RouteProblem;
  ruleCount: number;
  /** TLSRoute, TCPRoute: where their listeners forward connections (`l4-route.ts`). */
  l4?: L4Forward;
}

/** The largest weight a backendRef may have (the CRD's maximum). */
export const MAX_WEIGHT = 1_000_000;

/** A route translation with nothing in it yet. */
export function emptyTranslation(ruleCount: number): RouteTranslation {
  return { entries: [], clusters: [], refProblems: [], invalidRules: [], ruleCount };
}
/** What a gRPC request gets where an HTTP one would get a 500 (see `grpc-route.ts`). */
export const GRPC_ERROR_RESPONSE = 'UNAVAILABLE (HTTP 503)';
const RULE_NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Rule names must be valid and unique within the route (HTTPRouteRule.name, GRPCRouteRule.name). */
export function ruleNameProblem(rules: readonly { name?: unknown }[]): string | undefined {
  const seen = new Set<string>();
  for (const [i, rule] of rules.entries()) {
    const name: unknown = rule?.name;
    if (name === undefined) continue;
    if (typeof name !== 'string' || name.length > 253 || !RULE_NAME_RE.test(name)) {
      return `rule ${i}: name ${JSON.stringify(name)} is not a valid rule name`;
    }
    if (seen.has(name))
      return `rule name ${JSON.stringify(name)} is used by more than one rule; rule names must be unique`;
    seen.add(name);
  }
  return undefined;
}

export function isEmptyMutation(m: IrHeaderMutation | undefined): boolean {
  return !m || (m.set.length === 0 && m.add.length === 0 && m.remove.length === 0);
}

/**
 * GEP-1619: the session cookie's Path follows the route's path match, so the cookie is sent only
 * where it matters; a rule with several matches (or a regex) falls back to "/".
 */
/** The characters RFC 6265 allows in a cookie's Path attribute: no control characters, no ';'. */
// eslint-disable-next-line no-control-regex
const COOKIE_PATH_BAD_RE = /[\u0000-\u001f\u007f;]/;

function sessionPersistence(
  sp: SessionPersistence,
  errors: string[],
  unsupported: string[],
): IrSessionPersistence | undefined {
  const type = sp.type ?? 'Cookie';
  if (sp.idleTimeout !== undefined) {
    errors.push('sessionPersistence: idleTimeout is not supported by Portico');
    return undefined;
  }
  if (type === 'Header') {
    const name = sp.header?.name;
    // The CRD requires header.name for type Header; an object from an older schema may lack it.
    if (typeof name !== 'string' || checkHeaderName(name)) {
      errors.push(`sessionPersistence: type Header needs a valid header.name, got ${JSON.stringify(name)}`);
      return undefined;
    }
    return { type: 'Header', headerName: name };
  }
  if (type !== 'Cookie') {
    unsupported.push(`sessionPersistence: type ${String(type)} is not supported`);
    return undefined;
  }
  const cookie = sp.cookie ?? {};
  if (cookie.name !== undefined && (typeof cookie.name !== 'string' || checkHeaderName(cookie.name))) {
    errors.push(`sessionPersistence: invalid cookie.name ${JSON.stringify(cookie.name)}`);
    return undefined;
  }
  // "When not specified, implementations MUST default the cookie path to "/"" (v1.7.0; it was derived
  // from the rule's match before).
  const path = cookie.path ?? '/';
  if (typeof path !== 'string' || path === '' || COOKIE_PATH_BAD_RE.test(path)) {
    errors.push(`sessionPersistence: invalid cookie.path ${JSON.stringify(path)}`);
    return undefined;
  }
  const out: IrSessionPersistence = { type: 'Cookie', cookieName: cookie.name ?? 'portico-session', path };
  if (cookie.lifetimeType === 'Permanent') {
    const ms = sp.absoluteTimeout === undefined ? undefined : parseGatewayDuration(sp.absoluteTimeout);
    if (ms === undefined || ms < 1000) {
      errors.push('sessionPersistence: a Permanent cookie needs a valid absoluteTimeout of at least 1s');
      return undefined;
    }
    out.ttlSeconds = Math.floor(ms / 1000);
  } else if (sp.absoluteTimeout !== undefined && parseGatewayDuration(sp.absoluteTimeout) === undefined) {
    errors.push(`sessionPersistence: invalid absoluteTimeout ${sp.absoluteTimeout}`);
    return undefined;
  }
  return out;
}

/**
 * Envoy's stateful session picks a host inside the cluster the route already chose by weight, so
 * a session cannot stick across weighted backendRefs that are separate clusters. For a rule with
 * session persistence they become one cluster whose endpoints carry the backendRef weights (split
 * evenly over each backend's endpoints). Backend-level filters cannot be kept in a combined
 * cluster, and HTTP/1 and HTTP/2 backends cannot share one: those rules stay weighted.
 */
function combineForSession(
  backends: IrWeightedBackend[],
  clusters: Map<string, IrCluster>,
  standby: IrCluster[],
): IrCluster | undefined {
  if (backends.some((b) => b.requestHeaders || b.responseHeaders || b.hostRewrite !== undefined)) return undefined;
  const members = backends.map((b) => clusters.get(b.clusterName));
  // Backends spoken to differently (HTTP/1 or 2, TLS settings) cannot share one cluster.
  const how = (c: IrCluster) => JSON.stringify([c.protocol, c.tls ?? null]);
  if (members.some((m) => !m) || new Set(members.map((m) => how(m!))).size !== 1) return undefined;
  // A weight-0 backend's endpoints go in at priority 1: Envoy sends no new request there while
  // priority 0 has healthy endpoints, but a session's override host is found at any priority.
  const kept = standby.filter(
    (c, i) =>
      how(c) === how(members[0]!) &&
      !members.some((m) => m!.name === c.name) &&
      standby.findIndex((o) => o.name === c.name) === i,
  );
  if (members.length === 1 && kept.length === 0) return undefined;
  const weights = new Map<string, IrEndpoint>();
  backends.forEach((b, i) => {
    const member = members[i]!;
    const share = Math.max(1, Math.round((b.weight * 1000) / Math.max(1, member.endpoints.length)));
    for (const e of member.endpoints) {
      const key = `${e.address}:${e.port}`;
      const known = weights.get(key);
      weights.set(key, { address: e.address, port: e.port, weight: (known?.weight ?? 0) + share });
    }
  });
  const first = members[0]!;
  const standbyEndpoints = new Map<string, IrEndpoint>();
  // Only next to endpoints that take new sessions: with priority 0 empty, Envoy would fail over
  // to priority 1 and send new traffic to a weight-0 backend.
  if (weights.size > 0) {
    for (const c of kept) {
      for (const e of c.endpoints) {
        const key = `${e.address}:${e.port}`;
        if (!weights.has(key)) standbyEndpoints.set(key, { address: e.address, port: e.port, priority: 1 });
      }
    }
  }
  const byAddress = (a: IrEndpoint, b: IrEndpoint): number =>
    a.address === b.address ? a.port - b.port : a.address < b.address ? -1 : 1;
  return {
    name: `session/${[...backends.map((b) => `${b.clusterName}*${b.weight}`), ...kept.map((c) => `${c.name}*0`)].join(
      '+',
    )}`,
    source: first.source,
    protocol: first.protocol,
    ...(first.tls ? { tls: first.tls } : {}),
    endpoints: [...[...weights.values()].sort(byAddress), ...[...standbyEndpoints.values()].sort(byAddress)],
    members: [
      ...backends.map((b, i) => ({ ...members[i]!.source, weight: b.weight })),
      ...kept.map((c) => ({ ...c.source, weight: 0 })),
    ],
  };
}

function retryPolicy(rule: HTTPRouteRule, errors: string[]): IrRetry | undefined {
  const r = rule.retry;
  if (!r) return undefined;
  const codes: number[] = [];
  for (const c of r.codes ?? []) {
    if (!Number.isInteger(c) || c < 400 || c > 599) errors.push(`retry: status code ${c} is not retriable (400-599)`);
    else if (!codes.includes(c)) codes.push(c);
  }
  const attempts = r.attempts ?? 1;
  if (!Number.isInteger(attempts) || attempts < 0 || attempts > 100) errors.push(`retry: invalid attempts ${attempts}`);
  const out: IrRetry = { codes: codes.sort((a, b) => a - b), numRetries: attempts };
  if (r.backoff !== undefined) {
    const ms = parseGatewayDuration(r.backoff);
    if (ms === undefined || ms < 1) errors.push(`retry: invalid backoff ${r.backoff}`);
    else out.backoffMs = ms;
  }
  return out;
}

function samePathRewrite(a: IrPathRewrite | undefined, b: IrPathRewrite | undefined): boolean {
  return a?.type === b?.type && a?.value === b?.value && a?.matchedPrefix === b?.matchedPrefix;
}

function pathRewriteFor(
  modifier: FilterResult['pathRewrite'],
  match: IrRouteMatch,
  errors: string[],
): IrPathRewrite | undefined {
  if (!modifier) return undefined;
  if (modifier.type === 'ReplaceFullPath') return { type: 'ReplaceFullPath', value: modifier.replaceFullPath ?? '/' };
  if (match.path.type !== 'PathPrefix') {
    errors.push('ReplacePrefixMatch needs a PathPrefix match');
    return undefined;
  }
  return { type: 'ReplacePrefixMatch', value: modifier.replacePrefixMatch ?? '/', matchedPrefix: match.path.value };
}

/**
 * The rule's RequestMirror targets as clusters; unresolved ones (and unresolved ExtensionRefs) go
 * to the route's reference problems.
 */
export function translateMirrors(
  ctx: TranslationContext,
  route: KubeObject,
  filters: FilterResult,
  out: RouteTranslation,
  addCluster: (c: IrCluster) => void,
  protocol: RouteProtocol = 'http',
): IrMirror[] {
  const mirrors: IrMirror[] = [];
  for (const m of filters.mirrors) {
    const resolved = resolveBackendRef(ctx, route, m.backendRef, protocol);
    if (!resolved.ok) {
      if (!resolved.quiet) {
        out.refProblems.push({ reason: resolved.reason, message: `requestMirror: ${resolved.message}` });
      }
      continue;
    }
    addCluster(resolved.cluster);
    mirrors.push({ clusterName: resolved.cluster.name, numerator: m.numerator, denominator: m.denominator });
  }
  out.refProblems.push(...filters.unresolved.map((message) => ({ reason: 'UnsupportedValue', message })));
  return mirrors;
}

/**
 * What a translated rule adds to its route: a value outside the API rejects the whole route
 * (UnsupportedValue), an invalid one drops just the rule, otherwise its entries and clusters
 * join the route's. Shared by HTTPRoute and GRPCRoute.
 */
export function closeRule(
  out: RouteTranslation,
  label: string,
  rule: { unsupported: string[]; errors: string[]; entries: RouteEntry[]; clusters: Map<string, IrCluster> },
  addCluster: (c: IrCluster) => void,
): void {
  if (rule.unsupported.length > 0 && !out.rejection) {
    out.rejection = { reason: 'UnsupportedValue', message: `${label}: ${rule.unsupported.join('; ')}` };
  }
  if (rule.errors.length > 0) {
    out.invalidRules.push(`${label}: ${[...new Set(rule.errors)].join('; ')}`);
    return;
  }
  out.entries.push(...rule.entries);
  for (const c of rule.clusters.values()) addCluster(c);
}

/** A rejected route places nothing; otherwise its clusters are the ones its rules added. */
export function closeRoute(out: RouteTranslation, clusters: Map<string, IrCluster>): void {
  if (out.rejection) {
    out.entries = [];
    clusters.clear();
  }
  out.clusters = [...clusters.values()];
}

export interface BackendRefRouting {
  refIndex: number;
  path?: HTTPPathModifier;
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
 * A rule's backendRefs → weighted clusters. Shared with GRPCRoute, whose backends are the same
 * references spoken to over HTTP/2 (`protocol`).
 */
export function translateBackends(
  ctx: TranslationContext,
  route: KubeObject,
  backendRefs: readonly HTTPBackendRef[] | undefined,
  out: RouteTranslation,
  addCluster: (c: IrCluster) => void,
  errors: string[],
  protocol: RouteProtocol = 'http',
): RuleBackends {
  const result: RuleBackends = {
    backends: [],
    refs: [],
    standby: [],
    invalidWeight: 0,
    total: 0,
    websocket: false,
    sessions: [],
  };
  for (const [refIndex, ref] of (Array.isArray(backendRefs) ? backendRefs : []).entries()) {
    const weight = ref.weight ?? 1;
    if (!Number.isInteger(weight) || weight < 0 || weight > MAX_WEIGHT) {
      errors.push(`backendRef ${ref.name}: invalid weight ${weight}`);
      continue;
    }
    const filters = translateFilters(ref.filters, {
      level: 'backend',
      ...(protocol === 'grpc' ? { errorResponse: GRPC_ERROR_RESPONSE } : {}),
    });
    errors.push(...filters.errors, ...filters.unsupported);
    // GRPCRouteFilter has no URLRewrite; a stray one (no schema check) must not rewrite a method's path.
    if (protocol === 'grpc' && filters.pathRewrite !== undefined)
      errors.push(`backendRef ${ref.name}: filter URLRewrite is not supported on GRPCRoute backendRefs`);
    const resolved = resolveBackendRef(ctx, route, ref, protocol);
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

export function translateHttpRoute(ctx: TranslationContext, route: HTTPRoute): RouteTranslation {
  const namespace = route.metadata.namespace ?? 'default';
  const name = route.metadata.name;
  const rules = Array.isArray(route.spec?.rules) && route.spec.rules.length > 0 ? route.spec.rules : [{}];
  const out = emptyTranslation(rules.length);
  const clusters = new Map<string, IrCluster>();
  const addCluster = (c: IrCluster) => clusters.set(c.name, c);
  const nameProblem = ruleNameProblem(rules);
  if (nameProblem) {
    out.rejection = { reason: 'UnsupportedValue', message: nameProblem };
    return out;
  }

  rules.forEach((rule: HTTPRouteRule, ruleIndex) => {
    const errors: string[] = [];
    const ruleClusters = new Map<string, IrCluster>();
    const addRuleCluster = (c: IrCluster) => ruleClusters.set(c.name, c);
    const unsupported: string[] = [];
    const filters = translateFilters(rule.filters, { level: 'rule' });
    errors.push(...filters.errors);
    unsupported.push(...filters.unsupported);
    if (filters.incompatible.length > 0 && !out.rejection) {
      out.rejection = {
        reason: 'IncompatibleFilters',
        message: `rule ${rule.name ?? ruleIndex}: ${filters.incompatible.join('; ')}`,
      };
    }
    const backends = translateBackends(ctx, route, rule.backendRefs, out, addRuleCluster, errors);
    const mirrors = translateMirrors(ctx, route, filters, out, addRuleCluster);
    // Envoy applies a route's Host rewrite after its weighted cluster's, the reverse of the filters'
    // order (a backend's run after the rule's): when a backend has its own, the rule's moves onto the
    // other backends.
    let ruleHostRewrite = filters.hostRewrite;
    if (ruleHostRewrite !== undefined && backends.backends.some((b) => b.hostRewrite !== undefined)) {
      const host = ruleHostRewrite;
      backends.backends = backends.backends.map((b) => (b.hostRewrite === undefined ? { ...b, hostRewrite: host } : b));
      ruleHostRewrite = undefined;
    }

    let timeoutMs: number | undefined;
    let perTryTimeoutMs: number | undefined;
    if (rule.timeouts?.request !== undefined) {
      timeoutMs = parseGatewayDuration(rule.timeouts.request);
      if (timeoutMs === undefined) errors.push(`timeouts.request: invalid duration ${rule.timeouts.request}`);
    }
    if (rule.timeouts?.backendRequest !== undefined) {
      perTryTimeoutMs = parseGatewayDuration(rule.timeouts.backendRequest);
      if (perTryTimeoutMs === undefined)
        errors.push(`timeouts.backendRequest: invalid duration ${rule.timeouts.backendRequest}`);
    }
    // As the CRD's own rule: a backendRequest of 0s (no per-try timeout) under a request timeout
    // is valid, and the request timeout still bounds the whole exchange.
    if (timeoutMs !== undefined && timeoutMs > 0 && perTryTimeoutMs !== undefined && perTryTimeoutMs > timeoutMs) {
      errors.push('timeouts.backendRequest must not be longer than timeouts.request');
    }
    const retry = retryPolicy(rule, errors);
    const session = ruleSession(
      rule.sessionPersistence ? sessionPersistence(rule.sessionPersistence, errors, unsupported) : undefined,
      backends,
      errors,
    );

    if (session && backends.backends.length > 0 && backends.backends.length + backends.standby.length > 1) {
      const combined = backends.refs.some((r) => r.path)
        ? undefined
        : combineForSession(backends.backends, ruleClusters, backends.standby);
      if (combined) {
        const mirrored = new Set(mirrors.map((m) => m.clusterName));
        for (const b of backends.backends) if (!mirrored.has(b.clusterName)) ruleClusters.delete(b.clusterName);
        addRuleCluster(combined);
        backends.backends = [{ clusterName: combined.name, weight: 1 }];
        backends.refs = [backends.refs[0]!];
      }
    }

    const matches = Array.isArray(rule.matches) && rule.matches.length > 0 ? rule.matches : [MATCH_ALL];
    const built: { match: IrRouteMatch; index: number }[] = [];
    matches.forEach((m, index) => {
      const ir = translateMatch(m ?? {}, errors, unsupported);
      if (ir) built.push({ match: ir, index });
    });

    const entries: RouteEntry[] = [];
    for (const { match, index } of built) {
      let action: IrRouteAction;
      let shares: BackendShare[] | undefined;
      // An unresolved custom filter is never skipped (HTTPRouteFilter.type: "the filter MUST NOT be
      // skipped. Instead, requests that would have been processed by that filter MUST receive a
      // HTTP error response"), not even by a redirect in the same rule.
      const redirect = filters.unresolved.length > 0 ? undefined : filters.redirect;
      if (redirect) {
        const r = redirect;
        action = { type: 'redirect', statusCode: r.statusCode };
        if (r.scheme !== undefined) action.scheme = r.scheme;
        if (r.hostname !== undefined) action.hostname = r.hostname;
        const path = pathRewriteFor(r.path, match, errors);
        if (path) action.path = path;
      } else if (filters.unresolved.length > 0 || backends.backends.length === 0) {
        // No backend can take the request (none given, all weight 0, or none valid): the spec says 500.
        action = { type: 'direct', status: 500 };
      } else {
        const forward: IrForwardAction = {
          type: 'forward',
          backends: backends.backends,
          mirrors,
          websocket: backends.websocket,
        };
        if (backends.invalidWeight > 0) forward.invalidBackendWeight = backends.invalidWeight;
        if (timeoutMs !== undefined) forward.timeoutMs = timeoutMs;
        if (perTryTimeoutMs !== undefined) forward.perTryTimeoutMs = perTryTimeoutMs;
        if (retry) forward.retry = retry;
        if (ruleHostRewrite !== undefined) forward.hostRewrite = ruleHostRewrite;
        const rulePath = pathRewriteFor(filters.pathRewrite, match, errors);
        // A backend's URLRewrite path takes the place of the rule's for its requests: the backend's
        // filter runs last, and its ReplacePrefixMatch replaces the prefix the rule matched.
        const paths = backends.refs.map((r) => (r.path ? pathRewriteFor(r.path, match, errors) : rulePath));
        if (paths.every((p) => samePathRewrite(p, paths[0]))) {
          if (paths[0]) forward.pathRewrite = paths[0];
        } else {
          shares = backends.backends.map((backend, i) => {
            const { invalidBackendWeight: _share, ...one } = forward;
            const share: IrForwardAction = { ...one, backends: [backend] };
            if (paths[i]) share.pathRewrite = paths[i];
            return { weight: backend.weight, action: share, backendRef: backends.refs[i]!.refIndex };
          });
          if (backends.invalidWeight > 0)
            shares.push({ weight: backends.invalidWeight, action: { type: 'direct', status: 500 } });
        }
        action = forward;
      }
      const ir: IrRoute = {
        name: routeName(namespace, name, ruleIndex, rule.name, index),
        source: { kind: 'HTTPRoute', namespace, name, rule: ruleIndex, match: index },
        match,
        action,
      };
      if (rule.name !== undefined) ir.source.ruleName = rule.name;
      if (!isEmptyMutation(filters.requestHeaders)) ir.requestHeaders = filters.requestHeaders;
      if (!isEmptyMutation(filters.responseHeaders)) ir.responseHeaders = filters.responseHeaders;
      if (filters.cors) ir.cors = filters.cors;
      if (session) ir.sessionPersistence = session;
      (shares ? splitByBackend(ir, shares) : [ir]).forEach((placed, split) => {
        const entry: RouteEntry = {
          route: placed,
          precedence: {
            pathType: match.path.type,
            pathLength: match.path.value.length,
            hasMethod: match.method !== undefined,
            headerCount: match.headers.length,
            queryCount: match.queryParams.length,
            creationTimestamp: route.metadata.creationTimestamp,
            namespacedName: `${namespace}/${name}`,
            rule: ruleIndex,
            match: index,
            split,
          },
        };
        if (redirect) {
          entry.redirect = {};
          if (redirect.scheme !== undefined) entry.redirect.scheme = redirect.scheme;
          if (redirect.hostname !== undefined) entry.redirect.hostname = redirect.hostname;
          if (redirect.port !== undefined) entry.redirect.explicitPort = redirect.port;
        }
        entries.push(entry);
      });
    }

    closeRule(
      out,
      `rule ${rule.name ?? ruleIndex}`,
      { unsupported, errors, entries, clusters: ruleClusters },
      addCluster,
    );
  });
  closeRoute(out, clusters);
  return out;
}
