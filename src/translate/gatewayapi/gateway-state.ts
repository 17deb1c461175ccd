/**
 * A Gateway Portico manages, with its evaluated listeners, while it is being translated.
 */
import type { Gateway, ListenerSet } from '../../resources/types.js';
import type { ListenerState } from './listeners/listener-state.js';
import type { RouteEntry } from './routes/contract.js';
import type { IrCluster, IrInfrastructure } from '../../ir/types.js';
import type { L4Forward } from './routes/contract.js';
import type { BackendClientCertificate } from './backend-client-certificate.js';
import type { RouteTranslation } from './routes/contract.js';
import type { TelemetryVerdict } from './telemetry/telemetry-policy.js';
import type { GatewaySecurity } from './security/route-security.js';
import type { GatewayTraffic } from './traffic/gateway-traffic.js';

/** A route's rules placed on one listener for one of its hostnames. */
export interface PlacedRoute {
  /** `<kind>/<namespace>/<name>` of the route. */
  routeKey: string;
  entries: RouteEntry[];
  clusters: IrCluster[];
  /** TLSRoute, TCPRoute: where connections go. */
  l4?: L4Forward;
  /** For choosing among L4 routes that claim the same hostname: the most specific, then the oldest. */
  creationTimestamp?: string;
  /**
   * The route's own hostnames (absent: none, it takes the listener's). Of the routes placed for one
   * hostname, those whose own hostname is more specific come first (HTTPRoute, GRPCRoute) or win (TLSRoute).
   */
  hostnames?: readonly string[];
}

/** Routes placed on a listener, by the hostname they serve there, each route at most once. */
export type PlacedByHostname = Map<string, Map<string, PlacedRoute>>;

/** A ListenerSet whose parentRef names a Gateway of Portico's. */
export interface ListenerSetState {
  object: ListenerSet;
  /** `<namespace>/<name>` */
  key: string;
  /** Why it is not attached (Accepted=False), or why some listeners are not valid. */
  problem?: { reason: 'NotAllowed' | 'ParentNotAccepted' | 'Invalid' | 'ListenersNotValid'; message: string };
  /** Attached: its listeners are in the Gateway's merged list. */
  attached: boolean;
  /** Its listeners (also in the Gateway's `listeners` when attached). */
  listeners: ListenerState[];
}

export interface GatewayState {
  key: string;
  gateway: Gateway;
  /** False when its GatewayClass did not accept it, or it cannot be served at all. */
  accepted: boolean;
  /** Why it is not accepted. */
  rejection?: string;
  /** The reason of its Accepted=False condition (`Invalid` unless the spec names a better one). */
  rejectionReason?: string;
  /**
   * Its parameters (class's and own, merged), or why they cannot be used: then its status is
   * Accepted=False/InvalidParameters, yet it is still translated and served, so that the Envoys
   * provisioned before keep serving its current routes while the provisioner holds them as they are.
   */
  infrastructure?: IrInfrastructure;
  /** Accepted, but its requested `spec.addresses` cannot be assigned: Programmed=False/AddressNotAssigned. */
  addressProblem?: string;
  /** The merged list: the Gateway's own listeners, then those of attached ListenerSets. */
  listeners: ListenerState[];
  /** The tracing of the XTelemetryPolicy that applies to it (`<namespace>/<name>`), when it traces. */
  tracing?: { policy: string; verdict: Extract<TelemetryVerdict, { type: 'tracing' }> };
  /** The SecurityPolicies that apply to its routes (`steps/security.ts`), when any targets something. */
  security?: GatewaySecurity;
  /** The BackendTrafficPolicies that apply to its routes (`steps/traffic.ts`), when any targets something. */
  traffic?: GatewayTraffic;
  /** `spec.tls.backend.clientCertificateRef`, when set: the certificate, or why it cannot be used. */
  backendClientCertificate?: BackendClientCertificate;
  /** ListenerSets naming this Gateway as their parent, in precedence order (oldest first). */
  listenerSets: ListenerSetState[];
  /** Whether `status.attachedListenerSets` is worth writing (the Gateway allows sets, or one names it). */
  reportsListenerSets: boolean;
  /** Routes placed on each listener (by listener index). */
  placed: Map<number, PlacedByHostname>;
  /** Routes attached to each listener (by listener index), for `attachedRoutes`. */
  attachedRouteKeys: Map<number, Set<string>>;
  /** The route objects attached to one of its listeners (what a policy's route target is checked against). */
  attachedRoutes: Set<object>;
}

/** Where an accepted route goes: a listener of a Gateway, with the hostnames it serves there. */
export interface RoutePlacement {
  gateway: string;
  listener: number;
  hostnames: string[];
}

/** What one route's parentRefs give (`routes/route-outcome.ts`). */
export interface RouteOutcome {
  /** The route's new status; undefined leaves the object without one. */
  status: unknown;
  placements: RoutePlacement[];
  /** The route's translation, if any parentRef needed it. */
  translation: RouteTranslation | undefined;
  /** What a placement puts on a listener (set when there are placements). */
  placed: PlacedRoute | undefined;
}
