/**
 * Gateway API → IR, as an ordered list of steps over one context:
 *   1. GatewayClasses: accept ours.
 *   2. Gateways of accepted classes: evaluate listeners (protocols, certificates, conflicts).
 *   3. HTTPRoutes and GRPCRoutes: attach to listeners through parentRefs, translate rules once per
 *      route; where the two kinds claim the same hostname on a listener, the older route wins.
 *   4. Per Gateway: assemble listeners, virtual hosts, clusters and secrets.
 *   5. Statuses for every object Portico is responsible for.
 * Pure: no I/O, no clock (the time for changed conditions is an argument).
 */
import type {
  Gateway,
  GatewayStatus,
  GRPCRoute,
  HTTPRoute,
  KubeObject,
  TCPRoute,
  TLSRoute,
  UDPRoute,
  ResourceSet,
  RouteParentStatus,
} from '../../resources/types.js';
import { CONTROLLER_NAME } from '../../resources/types.js';
import type { IrGateway } from '../../ir/types.js';
import { buildContext, type TranslationContext } from './context.js';
import {
  GATEWAY_CONDITIONS,
  condition,
  materializeConditions,
  withForeignConditions,
  type ConditionInput,
} from './conditions.js';
import { isOurClass, translateGatewayClass } from './gateway-classes.js';
import { classParameters, gatewayInfrastructure, type ClassParameters } from './parameters-ref.js';
import { duplicateListenerNames, evaluateListeners, isProgrammed, listenerStatuses } from './listeners.js';
import { resolveParentRef, type ListenerAttachment } from './route-parents.js';
import { emptyTranslation, translateHttpRoute, type RouteTranslation } from './http-route.js';
import { translateGrpcRoute } from './grpc-route.js';
import { translateL4Route } from './l4-route.js';
import { xBackendStatuses } from './xbackend-status.js';
import { backendTlsPolicyStatuses } from './backend-tls-status.js';
import { telemetryPolicies } from './telemetry-policy-status.js';
import { attachListenerSets, listenerSetStatus, withAttachedListenerSets } from './listener-sets.js';
import { routeKindConflicts, type KindConflicts } from './route-kind-conflicts.js';
import type { GatewayState, PlacedRoute } from './gateway-state.js';
import { buildGatewayIr } from './gateway-ir.js';
import { backendClientCertificate } from './backend-client-certificate.js';
import { rejectPortsOfOlderGateways } from './shared-address.js';
import { gatewayKey } from './names.js';
import { isObject, list } from './shape.js';
import type { RouteMemo } from './route-memo.js';
import type { CompositeMemo } from '../composite-memo.js';
import type { RouteOutcome, RoutePlacement, StatusMemo } from './status-memo.js';

export interface GatewayApiTranslation {
  gateways: IrGateway[];
  /** Every input Gateway API object, with the status Portico computed for it. */
  resources: KubeObject[];
  /**
   * The first time after `certificateTime` at which a listener's certificate becomes valid or
   * expires: statuses computed now say something else from then on, so translate again then.
   */
  nextCertificateChange?: string;
}

export interface TranslateOptions {
  /** Written as `lastTransitionTime` of conditions that changed. Defaults to the Unix epoch (golden files). */
  now?: string;
  /**
   * The time certificates' validity periods are checked at: a listener whose certificate is
   * expired or not yet valid then says so. The pipeline gives its clock; without it (golden files
   * fix one, so that their output does not change with the date) no validity is checked.
   */
  certificateTime?: string;
  /** Address Envoy listeners bind. Defaults to 0.0.0.0; a local standalone setup may use 127.0.0.1. */
  listenerAddress?: string;
  /**
   * Ports the Envoys serving these Gateways already use for themselves (admin, readiness), with
   * what uses them: a listener on one is not accepted (PortUnavailable), since Envoy would reject
   * the whole listener update for it.
   */
  reservedPorts?: ReadonlyMap<number, string>;
  /**
   * Every Gateway's listeners bind one address (standalone mode: the host's): a port two
   * Gateways ask for belongs to the older one (see `shared-address.ts`). Off in a cluster, where
   * each Gateway has its own Service.
   */
  sharedAddress?: boolean;
  /**
   * The Kubernetes provisioner gives each Gateway's Service the addresses of its `spec.addresses`
   * and says in its status what it could assign (src/infra/kubernetes/gateway-addresses.ts).
   * Without it (standalone: Envoy binds `listenerAddress`) a requested address is
   * Programmed=False/AddressNotAssigned.
   */
  assignsAddresses?: boolean;
  /**
   * Route translations remembered between runs (see `route-memo.ts`). Output is the same with or
   * without it; with it, unchanged routes keep their IR objects and cost a few lookups.
   */
  routeMemo?: RouteMemo;
  /** Virtual hosts remembered between runs (with `routeMemo`: unchanged ones are the same objects). */
  assemblyMemo?: CompositeMemo;
  /** Route outcomes and output objects remembered between runs (see `status-memo.ts`). */
  statusMemo?: StatusMemo;
}

const EPOCH = '1970-01-01T00:00:00Z';

function withStatus<T extends KubeObject>(obj: T, status: unknown): KubeObject {
  return { apiVersion: obj.apiVersion, kind: obj.kind, metadata: obj.metadata, spec: obj.spec, status };
}

function gatewayStates(
  ctx: TranslationContext,
  out: Map<KubeObject, unknown>,
  assignsAddresses: boolean,
): Map<string, GatewayState> {
  const classes = new Map<string, ClassParameters>();
  for (const gc of ctx.resources.gatewayClasses) {
    if (!isOurClass(gc)) continue;
    const parameters = classParameters(ctx.resources, gc);
    out.set(gc, translateGatewayClass(gc, ctx.now, parameters).status);
    classes.set(gc.metadata.name, parameters);
  }
  const states = new Map<string, GatewayState>();
  for (const gw of ctx.resources.gateways) {
    const fromClass = classes.get(gw.spec?.gatewayClassName ?? '');
    if (fromClass === undefined) continue;
    const key = gatewayKey(gw.metadata.namespace ?? 'default', gw.metadata.name);
    const duplicates = duplicateListenerNames(gw);
    const addresses = requestedAddresses(gw);
    // A class refused only for its parameters still manages its Gateways: they are held like a
    // Gateway whose own parameters are invalid (below), not torn down.
    const infrastructure = gatewayInfrastructure(ctx.resources, gw, fromClass);
    let rejection: string | undefined;
    let rejectionReason: string | undefined;
    if (duplicates.length > 0) {
      rejection = `listener names ${duplicates.join(', ')} are used more than once; listener names must be unique`;
    } else if (addresses.unsupported.length > 0) {
      rejection = `spec.addresses of type ${addresses.unsupported.join(', ')} are not supported; Portico supports IPAddress and Hostname`;
      rejectionReason = 'UnsupportedAddress';
    }
    const clientCertificate = rejection === undefined ? backendClientCertificate(ctx, gw) : undefined;
    states.set(key, {
      key,
      gateway: gw,
      ...(clientCertificate ? { backendClientCertificate: clientCertificate } : {}),
      accepted: rejection === undefined,
      ...(rejection !== undefined ? { rejection } : {}),
      ...(rejectionReason !== undefined ? { rejectionReason } : {}),
      ...(infrastructure !== undefined ? { infrastructure } : {}),
      ...(rejection === undefined && addresses.requested > 0 && !assignsAddresses
        ? {
            addressProblem:
              'Portico does not assign the addresses requested in spec.addresses: the Gateway is reachable at its Service’s address (status.addresses); remove spec.addresses',
          }
        : {}),
      listeners: rejection === undefined ? evaluateListeners(ctx, gw) : [],
      listenerSets: [],
      reportsListenerSets: false,
      placed: new Map(),
      attachedRouteKeys: new Map(),
    });
  }
  if (ctx.resources.listenerSets.length > 0) attachListenerSets(ctx, states);
  if (ctx.sharedAddress) rejectPortsOfOlderGateways(states);
  return states;
}

const NONE_LOST: readonly ListenerAttachment[] = [];

/** The route kinds Portico translates, as they come in the input. */
type Route = HTTPRoute | GRPCRoute | TLSRoute | TCPRoute | UDPRoute;

/**
 * The file provider has no API-server schema validation, so a route of an unexpected shape must
 * become a status condition, never an exception in the pipeline.
 */
function translateRouteSafely(ctx: TranslationContext, route: Route): RouteTranslation {
  try {
    switch (route.kind) {
      case 'GRPCRoute':
        return translateGrpcRoute(ctx, route as GRPCRoute);
      case 'TLSRoute':
      case 'TCPRoute':
      case 'UDPRoute':
        return translateL4Route(ctx, route as TLSRoute | TCPRoute | UDPRoute);
      default:
        return translateHttpRoute(ctx, route as HTTPRoute);
    }
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return {
      ...emptyTranslation(0),
      rejection: {
        reason: 'UnsupportedValue',
        message: `route could not be translated (${detail}); check its spec against the ${route.kind} schema`,
      },
    };
  }
}

/**
 * What one route's parentRefs give: its status entries for Portico's parents, and where it is
 * placed. Reads the Gateway states, changes nothing (`applyPlacements` does).
 */
function routeOutcome(
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

/** Counts the route on its listeners, and places its entries on those that are programmed. */
function applyPlacements(gateways: Map<string, GatewayState>, outcome: RouteOutcome): void {
  const placed = outcome.placed;
  if (!placed) return;
  for (const placement of outcome.placements) {
    const gateway = gateways.get(placement.gateway)!;
    const listener = gateway.listeners[placement.listener]!;
    let keys = gateway.attachedRouteKeys.get(listener.index);
    if (!keys) gateway.attachedRouteKeys.set(listener.index, (keys = new Set()));
    keys.add(placed.routeKey);
    if (!isProgrammed(listener)) continue;
    let onListener = gateway.placed.get(listener.index);
    if (!onListener) gateway.placed.set(listener.index, (onListener = new Map()));
    for (const hostname of placement.hostnames) {
      // Keyed by route: a route listed twice for the same listener (two parentRefs) is placed once.
      let routes = onListener.get(hostname);
      if (!routes) onListener.set(hostname, (routes = new Map()));
      routes.set(placed.routeKey, placed);
    }
  }
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

/** Address types Portico knows (GatewaySpecAddress.type, `IPAddress` when unset). */
const ADDRESS_TYPES = new Set(['IPAddress', 'Hostname']);

/** How many addresses `spec.addresses` requests, and the types among them Portico does not support. */
function requestedAddresses(gw: Gateway): { requested: number; unsupported: string[] } {
  const addresses = list(gw.spec?.addresses);
  const unsupported = addresses
    .map((a) => (isObject(a) && typeof a.type === 'string' ? a.type : 'IPAddress'))
    .filter((type) => !ADDRESS_TYPES.has(type));
  return { requested: addresses.length, unsupported: [...new Set(unsupported)] };
}

function gatewayStatus(ctx: TranslationContext, state: GatewayState): GatewayStatus {
  const gw: Gateway = state.gateway;
  const gen = gw.metadata.generation;
  const conditions: ConditionInput[] = [];
  if (!state.accepted) {
    conditions.push(
      condition('Accepted', false, state.rejectionReason ?? 'Invalid', state.rejection ?? 'Gateway is not accepted'),
    );
    conditions.push(condition('Programmed', false, 'Invalid', 'Gateway is not accepted'));
  } else if (state.infrastructure && 'invalid' in state.infrastructure) {
    // Spec (GatewayInfrastructure.parametersRef): Accepted=False/InvalidParameters. What runs is
    // held: its routes are still served to the Envoys provisioned before, which are not changed.
    conditions.push(condition('Accepted', false, 'InvalidParameters', state.infrastructure.invalid));
    conditions.push(
      condition(
        'Programmed',
        false,
        'Invalid',
        'the Gateway’s parameters cannot be used: no Envoy is provisioned or changed for it until they are fixed; Envoys provisioned before keep serving its routes',
      ),
    );
  } else {
    // The Gateway's own listeners; a ListenerSet's speak in its own status.
    const own = state.listeners.filter((l) => !l.set);
    const invalid = own.filter((l) => !l.accepted);
    const valid = own.filter((l) => l.accepted);
    if (invalid.length === 0) {
      conditions.push(condition('Accepted', true, 'Accepted', 'Gateway is accepted'));
    } else {
      const msg = `invalid listeners: ${invalid.map((l) => `${l.name} (${l.acceptedReason})`).join(', ')}; accepted listeners: ${valid.map((l) => l.name).join(', ') || 'none'}`;
      conditions.push(condition('Accepted', valid.length > 0, 'ListenersNotValid', msg));
    }
    // The Gateway's own configuration: its ListenerSets' listeners speak in their own status.
    const programmed = state.listeners.some((l) => !l.set && isProgrammed(l));
    conditions.push(
      state.addressProblem
        ? condition('Programmed', false, 'AddressNotAssigned', state.addressProblem)
        : programmed
          ? condition('Programmed', true, 'Programmed', 'Gateway configuration is translated')
          : condition('Programmed', false, 'Invalid', 'Gateway has no listener that can be programmed'),
    );
  }
  // The Gateway's own references (GatewayConditionResolvedRefs): its backend client certificate.
  // Written only when it has one, so Gateways without it keep the conditions they had.
  const clientCertificate = state.backendClientCertificate;
  if (clientCertificate) {
    conditions.push(
      'problem' in clientCertificate
        ? condition('ResolvedRefs', false, clientCertificate.problem.reason, clientCertificate.problem.message)
        : condition('ResolvedRefs', true, 'ResolvedRefs', 'All references are resolved'),
    );
  }
  // GEP-91: a Gateway whose client validation lets unverified clients through says so.
  if (state.listeners.some((l) => l.insecureFrontendValidation)) {
    conditions.push(
      condition(
        'InsecureFrontendValidationMode',
        true,
        'ConfigurationChanged',
        'spec.tls.frontend uses mode AllowInsecureFallback: clients without a valid certificate are let through',
      ),
    );
  }
  const status: GatewayStatus = {
    conditions: withForeignConditions(
      materializeConditions(conditions, gen, gw.status?.conditions, ctx.now),
      gw.status?.conditions,
      GATEWAY_CONDITIONS,
    ),
    listeners: listenerStatuses(
      state.listeners.filter((l) => !l.set),
      gw.status?.listeners,
      gen,
      ctx.now,
      (l) => state.attachedRouteKeys.get(l.index)?.size ?? 0,
    ),
  };
  if (gw.status?.addresses) status.addresses = gw.status.addresses;
  return withAttachedListenerSets(status, state);
}

/** The earliest start or end of a listener certificate's validity after `time` (RFC 3339). */
function nextValidityChange(states: Iterable<GatewayState>, time: string): string | undefined {
  const after = Date.parse(time);
  let next: number | undefined;
  for (const state of states) {
    for (const listener of [...state.listeners, ...state.listenerSets.flatMap((set) => set.listeners)]) {
      for (const validity of listener.certificateValidity ?? []) {
        // Valid from notBefore through notAfter, both included: expired one second after.
        for (const at of [Date.parse(validity.notBefore), Date.parse(validity.notAfter) + 1000]) {
          if (at > after && (next === undefined || at < next)) next = at;
        }
      }
    }
  }
  return next === undefined ? undefined : new Date(next).toISOString().replace(/\.000Z$/, 'Z');
}

export function translateGatewayApi(resources: ResourceSet, options: TranslateOptions = {}): GatewayApiTranslation {
  const ctx = buildContext(resources, { ...options, now: options.now ?? EPOCH });
  options.routeMemo?.begin(resources);
  const statuses = new Map<KubeObject, unknown>();
  const gateways = gatewayStates(ctx, statuses, options.assignsAddresses === true);
  if (resources.xTelemetryPolicies.length > 0) {
    const telemetry = telemetryPolicies(ctx, gateways);
    for (const [policy, status] of telemetry.statuses) statuses.set(policy, status);
    for (const [key, { policy, verdict }] of telemetry.applied) {
      if (verdict.type !== 'tracing') continue;
      gateways.get(key)!.tracing = {
        policy: `${policy.metadata.namespace ?? 'default'}/${policy.metadata.name}`,
        verdict,
      };
    }
  }

  const statusMemo = options.statusMemo;
  statusMemo?.begin(resources, ctx.now, options.reservedPorts, options.sharedAddress);
  const routes: Route[] = [
    ...resources.httpRoutes,
    ...resources.grpcRoutes,
    ...resources.tlsRoutes,
    ...resources.tcpRoutes,
    ...resources.udpRoutes,
  ];
  const translations: (() => RouteTranslation)[] = [];
  const outcomes = routes.map((route) => {
    let translation: RouteTranslation | undefined;
    const translationOf = (): RouteTranslation =>
      (translation ??= options.routeMemo
        ? options.routeMemo.translate(ctx, route, translateRouteSafely)
        : translateRouteSafely(ctx, route));
    translations.push(translationOf);
    const compute = (): RouteOutcome => routeOutcome(ctx, route, gateways, translationOf);
    return statusMemo ? statusMemo.route(route, translationOf, compute) : compute();
  });
  // Only inputs with both kinds on one listener pay for this; the outcomes it changes are
  // computed again, past the memo, since they depend on other routes.
  const conflicts =
    resources.grpcRoutes.length > 0 || resources.tcpRoutes.length > 1 || resources.udpRoutes.length > 1
      ? routeKindConflicts(routes, outcomes)
      : undefined;
  routes.forEach((route, i) => {
    const denied = conflicts?.get(route);
    const outcome = denied ? routeOutcome(ctx, route, gateways, translations[i]!, denied) : outcomes[i]!;
    outcomes[i] = outcome;
    applyPlacements(gateways, outcome);
    if (outcome.status !== undefined) statuses.set(route, outcome.status);
  });
  if (resources.backendTLSPolicies.length > 0) {
    for (const [policy, status] of backendTlsPolicyStatuses(ctx, routes, outcomes, gateways)) {
      statuses.set(policy, status);
    }
  }

  if (resources.xBackends.length > 0) {
    for (const [xb, status] of xBackendStatuses(ctx, routes, outcomes, gateways)) statuses.set(xb, status);
  }

  const irs: IrGateway[] = [];
  for (const state of gateways.values()) {
    statuses.set(state.gateway, gatewayStatus(ctx, state));
    for (const set of state.listenerSets) statuses.set(set.object, listenerSetStatus(ctx, state, set));
    if (!state.accepted) continue;
    const ir = buildGatewayIr(state, options.listenerAddress ?? '0.0.0.0', options.assemblyMemo);
    irs.push(state.infrastructure ? { ...ir, infrastructure: state.infrastructure } : ir);
  }

  const all: KubeObject[] = [
    ...resources.gatewayClasses,
    ...resources.gateways,
    ...resources.httpRoutes,
    ...resources.grpcRoutes,
    ...resources.tlsRoutes,
    ...resources.tcpRoutes,
    ...resources.udpRoutes,
    ...resources.backendTLSPolicies,
    ...resources.listenerSets,
    ...resources.referenceGrants,
    ...resources.xBackends,
    ...resources.xTelemetryPolicies,
  ];
  const nextCertificateChange = ctx.certificateTime && nextValidityChange(gateways.values(), ctx.certificateTime);
  return {
    ...(nextCertificateChange ? { nextCertificateChange } : {}),
    gateways: irs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    resources: all.map((obj) => {
      if (!statuses.has(obj)) return obj;
      const status = statuses.get(obj);
      return statusMemo ? statusMemo.output(obj, status, withStatus) : withStatus(obj, status);
    }),
  };
}
