/**
 * What one route's parentRefs give: its status entries for Portico's parents (Accepted,
 * ResolvedRefs, PartiallyInvalid) and the listeners it is placed on.
 */
import type { KubeObject, RouteParentStatus } from '../../../resources/types.js';
import { CONTROLLER_NAME } from '../../../resources/types.js';
import type { TranslationContext } from '../context.js';
import { condition, materializeConditions, type ConditionInput } from '../conditions.js';
import { resolveParentRef, type ListenerAttachment } from './route-parents.js';
import type { KindConflicts } from './route-kind-conflicts.js';
import type { GatewayState, PlacedRoute } from '../gateway-state.js';
import { isObject, list } from '../shape.js';
import type { RouteOutcome, RoutePlacement } from '../status-memo.js';
import type { Route, RouteTranslation } from './contract.js';

const NONE_LOST: readonly ListenerAttachment[] = [];

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
  for (const ref of Array.isArray(route.spec?.parentRefs) ? route.spec.parentRefs : []) {
    if (typeof ref !== 'object' || ref === null || typeof ref.name !== 'string') continue;
    const parent = resolveParentRef(ctx, route, ref, gateways);
    if (parent.kind === 'foreign') continue;
    translation ??= translationOf();
    const conditions: ConditionInput[] = [];
    // A route without rules (GRPCRoute has no default rule) is valid: it just routes nothing.
    const allRulesInvalid = translation.ruleCount > 0 && translation.invalidRules.length === translation.ruleCount;
    // Listeners where a route of the other kind (HTTPRoute/GRPCRoute) holds the hostnames, and
    // those where an older TCPRoute/UDPRoute is served (the route stays attached there).
    // Without conflicts (the usual case) no array is copied: this runs for every route.
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
    if (parent.kind === 'rejected') {
      conditions.push(condition('Accepted', false, parent.reason, parent.message));
    } else if (attachments.length === 0 && lost.length > 0) {
      conditions.push(
        condition(
          'Accepted',
          false,
          'NotAllowedByListeners',
          lost
            .map((a) => {
              const { winner, hostnames } = lostTo(a)!;
              const older = `the older ${winner.kind} ${winner.metadata.namespace ?? 'default'}/${winner.metadata.name}`;
              return (
                `listener ${a.listener.name} of Gateway ${parent.gateway.key} already serves ${hostnames.join(', ')} ` +
                `with ${older}; HTTPRoutes and GRPCRoutes cannot share a hostname on a listener`
              );
            })
            .join('; '),
        ),
      );
    } else if (translation.rejection) {
      conditions.push(condition('Accepted', false, translation.rejection.reason, translation.rejection.message));
    } else if (allRulesInvalid) {
      conditions.push(
        condition('Accepted', false, 'UnsupportedValue', `no valid rule: ${translation.invalidRules.join(' | ')}`),
      );
    } else {
      const named = (winner: KubeObject) =>
        `the older ${winner.kind} ${winner.metadata.namespace ?? 'default'}/${winner.metadata.name}`;
      const notOn = lost.map(
        (a) => `${a.listener.name} (its hostnames are served there by ${named(lostTo(a)!.winner)})`,
      );
      // Attached, but the listener forwards to one route: said, so a user sees why no traffic comes.
      const waiting = shadowed.map((a) => `${a.listener.name} forwards to ${named(lostTo(a)!.winner)}`);
      conditions.push(
        condition(
          'Accepted',
          true,
          'Accepted',
          `Route is accepted by Gateway ${parent.gateway.key}` +
            (notOn.length > 0 ? `, but not on listener(s) ${notOn.join(', ')}` : '') +
            (waiting.length > 0
              ? `; it receives no traffic while listener ${waiting.join(', listener ')} (a ${route.kind === 'UDPRoute' ? 'UDP' : 'TCP'} listener forwards to one route)`
              : ''),
        ),
      );
      for (const a of attachments) {
        placements.push({ gateway: parent.gateway.key, listener: a.listener.index, hostnames: a.hostnames });
      }
    }
    const problems = translation.refProblems;
    conditions.push(
      problems.length === 0
        ? condition('ResolvedRefs', true, 'ResolvedRefs', 'All references are resolved')
        : condition(
            'ResolvedRefs',
            false,
            problems[0]!.reason,
            [...new Set(problems.map((p) => p.message))].join('; '),
          ),
    );
    if (translation.invalidRules.length > 0 && !allRulesInvalid && !translation.rejection && attachments.length > 0) {
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
    const previous = ownParents(route).find(
      (p) => p.controllerName === CONTROLLER_NAME && sameParentRef(p.parentRef, ref, route.metadata.namespace),
    );
    ours.push({
      parentRef: ref,
      controllerName: CONTROLLER_NAME,
      conditions: materializeConditions(conditions, route.metadata.generation, previous?.conditions, ctx.now),
    });
  }
  // Other controllers' entries are kept; entries of ours for parents we no longer manage are dropped.
  const others = ownParents(route).filter((p) => p.controllerName !== CONTROLLER_NAME);
  let status: unknown;
  if (ours.length > 0) status = { parents: [...others, ...ours] };
  else if (route.status) status = { ...route.status, parents: others };
  const placed: PlacedRoute | undefined =
    placements.length > 0 && translation
      ? {
          routeKey: `${route.kind}/${route.metadata.namespace ?? 'default'}/${route.metadata.name}`,
          entries: translation.entries,
          clusters: translation.clusters,
        }
      : undefined;
  // Routes that serve the same hostname on a listener are ordered by their own hostnames first
  // (GatewayRouteHostnameIntersectionPrecedence), whatever their kind.
  if (placed && Array.isArray(route.spec?.hostnames)) {
    placed.hostnames = (route.spec.hostnames as unknown[]).filter((h): h is string => typeof h === 'string');
  }
  if (placed && translation?.l4) {
    // What an L4 listener needs to choose between routes that claim the same hostname.
    placed.l4 = translation.l4;
    if (route.metadata.creationTimestamp !== undefined) placed.creationTimestamp = route.metadata.creationTimestamp;
  }
  return { status, placements, translation, placed };
}

/** The route's existing parent statuses that are well-formed objects. */
function ownParents(route: Route): RouteParentStatus[] {
  return list(route.status?.parents).filter((p) => isObject(p) && isObject(p.parentRef));
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
