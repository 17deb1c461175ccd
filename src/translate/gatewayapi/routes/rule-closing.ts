/**
 * What a translated rule adds to its route, shared by HTTPRoute and GRPCRoute: its mirrors, its
 * entries and clusters, or why it is dropped or rejects the route.
 */
import type { IrCluster, IrMirror } from '../../../ir/types.js';
import type { KubeObject } from '../../../resources/types.js';
import type { TranslationContext } from '../context.js';
import { resolveBackendRef, unreadableBackendRef } from '../backends.js';
import type { RouteProtocol } from '../backend-result.js';
import type { FilterResult } from './http-filters.js';
import type { RouteEntry, RouteTranslation } from './contract.js';

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
    const resolved = m.backendRef.valid
      ? resolveBackendRef(ctx, route, m.backendRef.result, protocol)
      : unreadableBackendRef(m.backendRef.errors);
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
