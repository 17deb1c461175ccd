/**
 * The route contract: what translating one route (of any kind) gives the steps that place it on
 * listeners and report its status. Every route kind's translator returns a `RouteTranslation`.
 */
import type { IrCluster, IrRoute } from '../../../ir/types.js';
import type { GRPCRoute, HTTPRoute, TCPRoute, TLSRoute, UDPRoute } from '../../../resources/types.js';
import type { RouteRuleRead } from '../../../resources/read/route-common.js';
import type { PrecedenceKey } from './precedence.js';
import type { RedirectTarget } from './redirect-port.js';
import { ruleNameProblem } from './rule-names.js';

/** The route kinds Portico translates, as they come in the input. */
export type Route = HTTPRoute | GRPCRoute | TLSRoute | TCPRoute | UDPRoute;

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

/** A route translation with nothing in it yet. */
export function emptyTranslation(ruleCount: number): RouteTranslation {
  return { entries: [], clusters: [], refProblems: [], invalidRules: [], ruleCount };
}

/**
 * Where every route kind's translation starts: nothing translated yet, or the whole route
 * rejected (UnsupportedValue) when its rule names are invalid or repeated.
 */
export function openTranslation(rules: readonly (RouteRuleRead | undefined)[], ruleCount: number): RouteTranslation {
  const out = emptyTranslation(ruleCount);
  const nameProblem = ruleNameProblem(rules);
  if (nameProblem) out.rejection = { reason: 'UnsupportedValue', message: nameProblem };
  return out;
}

/** TLSRoute, TCPRoute, UDPRoute: where their listener forwards connections (`l4-route.ts`). */
export interface L4Forward {
  backends: { clusterName: string; weight: number }[];
  rejectWeight: number;
}
