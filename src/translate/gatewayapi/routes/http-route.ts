/**
 * One HTTPRoute → IR routes (one per rule match, before they are placed into virtual hosts),
 * the clusters they use, and what its status must report.
 */
import { newIrRoute, newRouteSource } from './ir-route.js';
import type { HTTPRoute } from '../../../resources/types.js';
import type { IrForwardAction, IrPathRewrite, IrRouteAction, IrRouteMatch } from '../../../ir/types.js';
import type { TranslationContext } from '../context.js';
import { readRouteCommon } from '../../../resources/read/route-common.js';
import { HTTP_MATCH_ALL } from '../../../resources/read/route-matches.js';
import { translateFilters, type FilterResult } from './http-filters.js';
import { splitByBackend, type BackendShare } from './backend-split.js';
import { translateMatch } from './http-matches.js';
import { routeName } from '../names.js';
import type { RouteEntry, RouteTranslation } from './contract.js';
import { expressibleForward, isEmptyMutation, ruleSession, translateBackends } from './rule-backends.js';
import { translateMirrors } from './rule-closing.js';
import { translateRuleExternalAuth } from './rule-external-auth.js';
import { translateRules } from './route-rules.js';
import { combineForSession, sessionPersistence } from './session-persistence.js';
import { ruleName } from './rule-names.js';

/** What a request no backend can take gets (HTTPRouteRule.backendRefs: a 500). */
const UNAVAILABLE_STATUS = 500;

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

export function translateHttpRoute(ctx: TranslationContext, route: HTTPRoute): RouteTranslation {
  const namespace = route.metadata.namespace ?? 'default';
  const name = route.metadata.name;
  const read = readRouteCommon(route);
  // A route without rules has one rule without fields (the API's default).
  return translateRules(read.rules, Math.max(1, read.rules.length), (ruleIndex, work, out) => {
    const readRule = read.rules[ruleIndex];
    const givenName = ruleName(readRule);
    const { errors, unsupported, clusters: ruleClusters, addCluster: addRuleCluster } = work;
    const filters = translateFilters(readRule?.filters ?? [], { level: 'rule' });
    errors.push(...filters.errors);
    unsupported.push(...filters.unsupported);
    if (filters.incompatible.length > 0 && !out.rejection) {
      out.rejection = {
        reason: 'IncompatibleFilters',
        message: `rule ${givenName ?? ruleIndex}: ${filters.incompatible.join('; ')}`,
      };
    }
    const backendRefs = readRule?.backendRefs ?? [];
    const backends = translateBackends(ctx, route, backendRefs, out, addRuleCluster, work);
    const mirrors = translateMirrors(ctx, route, filters, out, addRuleCluster);
    const auth = translateRuleExternalAuth(ctx, route, filters.externalAuth, out, addRuleCluster);
    // A filter that cannot run is never skipped: the rule answers 500 (HTTPRouteFilter.type, and
    // ExternalAuth "MUST fail closed").
    const failClosed = filters.unresolved.length > 0 || auth === 'unresolved';
    // Envoy applies a route's Host rewrite after its weighted cluster's, the reverse of the filters'
    // order (a backend's run after the rule's): when a backend has its own, the rule's moves onto the
    // other backends.
    let ruleHostRewrite = filters.hostRewrite;
    if (ruleHostRewrite !== undefined && backends.backends.some((b) => b.hostRewrite !== undefined)) {
      const host = ruleHostRewrite;
      backends.backends = backends.backends.map((b) => (b.hostRewrite === undefined ? { ...b, hostRewrite: host } : b));
      ruleHostRewrite = undefined;
    }

    const timeouts = readRule?.timeouts;
    if (timeouts && !timeouts.valid) errors.push(...timeouts.errors.map((e) => e.message));
    const timeoutMs = timeouts?.valid ? timeouts.result?.requestMs : undefined;
    const perTryTimeoutMs = timeouts?.valid ? timeouts.result?.backendRequestMs : undefined;
    const readRetry = readRule?.retry;
    if (readRetry && !readRetry.valid) errors.push(...readRetry.errors.map((e) => e.message));
    const retry = readRetry?.valid ? readRetry.result : undefined;
    const session = ruleSession(
      readRule?.sessionPersistence ? sessionPersistence(readRule.sessionPersistence, errors, unsupported) : undefined,
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

    const matches = readRule?.matches ?? HTTP_MATCH_ALL;
    const built: { match: IrRouteMatch; index: number }[] = [];
    matches.forEach((m, index) => {
      const ir = translateMatch(m, errors, unsupported);
      if (ir) built.push({ match: ir, index });
    });

    const entries: RouteEntry[] = [];
    for (const { match, index } of built) {
      let action: IrRouteAction;
      let shares: BackendShare[] | undefined;
      // An unresolved custom filter is never skipped (HTTPRouteFilter.type: "the filter MUST NOT be
      // skipped. Instead, requests that would have been processed by that filter MUST receive a
      // HTTP error response"), not even by a redirect in the same rule.
      const redirect = failClosed ? undefined : filters.redirect;
      if (redirect) {
        const r = redirect;
        action = { type: 'redirect', statusCode: r.statusCode };
        if (r.scheme !== undefined) action.scheme = r.scheme;
        if (r.hostname !== undefined) action.hostname = r.hostname;
        const path = pathRewriteFor(r.path, match, errors);
        if (path) action.path = path;
      } else if (failClosed || backends.backends.length === 0) {
        // No backend can take the request (none given, all weight 0, or none valid): the spec says 500.
        action = { type: 'direct', status: UNAVAILABLE_STATUS };
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
            return {
              weight: backend.weight,
              action: expressibleForward(share, UNAVAILABLE_STATUS),
              backendRef: backends.refs[i]!.refIndex,
            };
          });
          if (backends.invalidWeight > 0)
            shares.push({ weight: backends.invalidWeight, action: { type: 'direct', status: UNAVAILABLE_STATUS } });
        }
        // Split, the shares carry the actions: each one backend, whose weight is checked alone.
        action = shares ? forward : expressibleForward(forward, UNAVAILABLE_STATUS);
      }
      const ir = newIrRoute(
        routeName(namespace, name, ruleIndex, givenName, index),
        newRouteSource('HTTPRoute', namespace, name, ruleIndex, index, givenName),
        match,
        action,
      );
      if (!isEmptyMutation(filters.requestHeaders)) ir.requestHeaders = filters.requestHeaders;
      if (!isEmptyMutation(filters.responseHeaders)) ir.responseHeaders = filters.responseHeaders;
      if (filters.cors) ir.cors = filters.cors;
      if (session) ir.sessionPersistence = session;
      if (auth !== undefined && auth !== 'unresolved') ir.extAuthz = auth;
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

    return entries;
  });
}
