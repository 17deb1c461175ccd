/**
 * What one route's parentRefs give: its status entries for Portico's parents (Accepted,
 * ResolvedRefs, PartiallyInvalid) and the listeners it is placed on.
 */
import type { KubeObject, RouteParentStatus } from '../../../resources/types.js';
import { CONTROLLER_NAME } from '../../../resources/types.js';
import { readRouteCommon, writtenParentRef, type ValidatedRouteCommon } from '../../../resources/read/route-common.js';
import type { TranslationContext } from '../context.js';
import { condition, materializeConditions, type ConditionInput } from '../conditions.js';
import { securityAffectedCondition } from '../security/route-affected.js';
import { resolveParentRef, type ListenerAttachment, type ParentResult } from './route-parents.js';
import type { KindConflicts, LostListener } from './route-kind-conflicts.js';
import type { GatewayState, PlacedRoute, RouteOutcome, RoutePlacement } from '../gateway-state.js';
import { readRouteParentStatuses } from '../../../resources/read/previous-status.js';
import type { Route, RouteTranslation } from './contract.js';

const NONE_LOST: readonly ListenerAttachment[] = [];

/** A parent Portico manages: the Gateway (or ListenerSet) rejected the route, or attached it. */
type OurParent = Exclude<ParentResult, { kind: 'foreign' }>;

/** A parent's listeners, as route-kind conflicts leave them to this route. */
interface ParentListeners {
  /** Where the route is attached (and placed, when accepted). */
  attachments: readonly ListenerAttachment[];
  /** Where a route of the other kind (HTTPRoute/GRPCRoute) holds the hostnames: not attached. */
  lost: readonly ListenerAttachment[];
  /** Where an older TCPRoute/UDPRoute is served: attached, but the listener forwards to that one. */
  shadowed: readonly ListenerAttachment[];
  lostTo: (a: ListenerAttachment) => LostListener | undefined;
}

/**
 * What one route's parentRefs give: its status entries for Portico's parents, and where it is
 * placed. Reads the Gateway states, changes nothing (`applyPlacements` does).
 */
export function routeOutcome(
  ctx: TranslationContext,
  route: Route,
  gateways: Map<string, GatewayState>,
  translationOf: () => RouteTranslation,
  conflicts?: KindConflicts,
): RouteOutcome {
  const ours: RouteParentStatus[] = [];
  const placements: RoutePlacement[] = [];
  let translation: RouteTranslation | undefined;
  const common = readRouteCommon(route);
  for (const ref of common.parentRefs) {
    const parent = resolveParentRef(ctx, route, common, ref, gateways);
    if (parent.kind === 'foreign') continue;
    translation ??= translationOf();
    const listeners = parentListeners(parent, conflicts);
    const accepted = acceptedCondition(route, parent, translation, listeners);
    if (accepted.status && parent.kind === 'attached') {
      for (const a of listeners.attachments) {
        placements.push({ gateway: parent.gateway.key, listener: a.listener.index, hostnames: a.hostnames });
      }
    }
    const conditions: ConditionInput[] = [accepted, resolvedRefsCondition(translation)];
    if (
      translation.invalidRules.length > 0 &&
      !allRulesInvalid(translation) &&
      !translation.rejection &&
      listeners.attachments.length > 0
    ) {
      // Spec (RouteConditionPartiallyInvalid): the message starts with "Dropped Rule".
      conditions.push(
        condition(
          'PartiallyInvalid',
          true,
          'UnsupportedValue',
          `Dropped Rule(s): ${translation.invalidRules.join(' | ')}`,
        ),
      );
    }
    if (accepted.status) {
      const affected = securityAffectedCondition(ctx, route, common);
      if (affected) conditions.push(affected);
    }
    const previous = ownParents(route).find(
      (p) =>
        p.controllerName === CONTROLLER_NAME &&
        sameParentRef(p.parentRef, writtenParentRef(ref), route.metadata.namespace),
    );
    ours.push({
      parentRef: writtenParentRef(ref),
      controllerName: CONTROLLER_NAME,
      conditions: materializeConditions(conditions, route.metadata.generation, previous?.conditions, ctx.now),
    });
  }
  const placed = placements.length > 0 && translation ? placedRoute(route, common, translation) : undefined;
  return { status: routeStatus(route, ours), placements, translation, placed };
}

/** A route without rules (GRPCRoute has no default rule) is valid: it just routes nothing. */
function allRulesInvalid(translation: RouteTranslation): boolean {
  return translation.ruleCount > 0 && translation.invalidRules.length === translation.ruleCount;
}

/** Without conflicts (the usual case) no array is copied: this runs for every route. */
function parentListeners(parent: OurParent, conflicts: KindConflicts | undefined): ParentListeners {
  const lostTo = (a: ListenerAttachment) =>
    parent.kind === 'attached' ? conflicts?.get(`${parent.gateway.key}#${a.listener.index}`) : undefined;
  const lost =
    parent.kind === 'attached' && conflicts
      ? parent.attachments.filter((a) => lostTo(a)?.shadowed === false)
      : NONE_LOST;
  const shadowed =
    parent.kind === 'attached' && conflicts ? parent.attachments.filter((a) => lostTo(a)?.shadowed) : NONE_LOST;
  const attachments =
    parent.kind !== 'attached'
      ? NONE_LOST
      : lost.length === 0
        ? parent.attachments
        : parent.attachments.filter((a) => !lost.includes(a));
  return { attachments, lost, shadowed, lostTo };
}

/** The older route that wins a listener, as status messages name it. */
function olderRoute(winner: KubeObject): string {
  return `the older ${winner.kind} ${winner.metadata.namespace ?? 'default'}/${winner.metadata.name}`;
}

/** Accepted for one parent: the first of the reasons to refuse the route, else accepted. */
function acceptedCondition(
  route: Route,
  parent: OurParent,
  translation: RouteTranslation,
  { attachments, lost, shadowed, lostTo }: ParentListeners,
): ConditionInput {
  if (parent.kind === 'rejected') return condition('Accepted', false, parent.reason, parent.message);
  if (attachments.length === 0 && lost.length > 0) {
    return condition(
      'Accepted',
      false,
      'NotAllowedByListeners',
      lost
        .map((a) => {
          const { winner, hostnames } = lostTo(a)!;
          return (
            `listener ${a.listener.name} of Gateway ${parent.gateway.key} already serves ${hostnames.join(', ')} ` +
            `with ${olderRoute(winner)}; HTTPRoutes and GRPCRoutes cannot share a hostname on a listener`
          );
        })
        .join('; '),
    );
  }
  if (translation.rejection) {
    return condition('Accepted', false, translation.rejection.reason, translation.rejection.message);
  }
  if (allRulesInvalid(translation)) {
    return condition('Accepted', false, 'UnsupportedValue', `no valid rule: ${translation.invalidRules.join(' | ')}`);
  }
  const notOn = lost.map(
    (a) => `${a.listener.name} (its hostnames are served there by ${olderRoute(lostTo(a)!.winner)})`,
  );
  // Attached, but the listener forwards to one route: said, so a user sees why no traffic comes.
  const waiting = shadowed.map((a) => `${a.listener.name} forwards to ${olderRoute(lostTo(a)!.winner)}`);
  return condition(
    'Accepted',
    true,
    'Accepted',
    `Route is accepted by Gateway ${parent.gateway.key}` +
      (notOn.length > 0 ? `, but not on listener(s) ${notOn.join(', ')}` : '') +
      (waiting.length > 0
        ? `; it receives no traffic while listener ${waiting.join(', listener ')} (a ${route.kind === 'UDPRoute' ? 'UDP' : 'TCP'} listener forwards to one route)`
        : ''),
  );
}

function resolvedRefsCondition(translation: RouteTranslation): ConditionInput {
  const problems = translation.refProblems;
  return problems.length === 0
    ? condition('ResolvedRefs', true, 'ResolvedRefs', 'All references are resolved')
    : condition('ResolvedRefs', false, problems[0]!.reason, [...new Set(problems.map((p) => p.message))].join('; '));
}

/** Other controllers' entries are kept; entries of ours for parents we no longer manage are dropped. */
function routeStatus(route: Route, ours: RouteParentStatus[]): unknown {
  const others = ownParents(route).filter((p) => p.controllerName !== CONTROLLER_NAME);
  if (ours.length > 0) return { parents: [...others, ...ours] };
  if (route.status) return { ...route.status, parents: others };
  return undefined;
}

/** What a placement puts on a listener: the route's entries and clusters, and what orders it there. */
function placedRoute(route: Route, common: ValidatedRouteCommon, translation: RouteTranslation): PlacedRoute {
  const placed: PlacedRoute = {
    routeKey: `${route.kind}/${route.metadata.namespace ?? 'default'}/${route.metadata.name}`,
    entries: translation.entries,
    clusters: translation.clusters,
  };
  // Routes that serve the same hostname on a listener are ordered by their own hostnames first
  // (GatewayRouteHostnameIntersectionPrecedence), whatever their kind.
  if (common.listedHostnames) placed.hostnames = common.listedHostnames;
  if (translation.l4) {
    // What an L4 listener needs to choose between routes that claim the same hostname.
    placed.l4 = translation.l4;
    if (route.metadata.creationTimestamp !== undefined) placed.creationTimestamp = route.metadata.creationTimestamp;
  }
  return placed;
}

/** The route's existing parent statuses that are well-formed objects. */
function ownParents(route: Route): RouteParentStatus[] {
  return readRouteParentStatuses(route.status);
}

function sameParentRef(
  a: RouteParentStatus['parentRef'],
  b: RouteParentStatus['parentRef'],
  routeNs: string | undefined,
) {
  return (
    (a.group ?? '') === (b.group ?? '') &&
    (a.kind ?? '') === (b.kind ?? '') &&
    (a.namespace ?? routeNs) === (b.namespace ?? routeNs) &&
    a.name === b.name &&
    a.sectionName === b.sectionName &&
    a.port === b.port
  );
}
