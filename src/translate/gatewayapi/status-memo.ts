/**
 * Remembering, between runs, what attaching each HTTPRoute to its Gateways gave: its status and
 * where it is placed. Without it every translation resolves every parentRef of every route again
 * and builds its conditions again: at 3,000 routes about 25 ms and 3,000 new status objects for a
 * change to one of them.
 *
 * A route's outcome depends on the route (spec, metadata and the status it starts from), its
 * translation, the Gateways' side of the input (GatewayClasses, Gateways' and ListenerSets' specs,
 * the Secrets, ReferenceGrants, Namespaces and ConfigMaps their listeners look up) and, for
 * conditions that changed, the time. A remembered outcome is reused only when all of those are the same objects, and the time
 * either is the same or does not show: the route already had that status, or it now starts from
 * the very status the outcome gave it (fed back), where computing again would keep every time.
 *
 * Output is equal with or without it (the golden tests check both). It also keeps output objects:
 * a status equal to the object's own is the object's own, and the same object with the same status
 * gives the same output object, so a caller that feeds statuses back (the file provider) hands the
 * next run the same objects.
 */
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject, ResourceSet } from '../../resources/types.js';
import { sameElements } from '../composite-memo.js';
import type { RouteTranslation } from './routes/contract.js';
import type { PlacedRoute } from './gateway-state.js';

/** Where an accepted route goes: a listener of a Gateway, with the hostnames it serves there. */
export interface RoutePlacement {
  gateway: string;
  listener: number;
  hostnames: string[];
}

export interface RouteOutcome {
  /** The route's new status; undefined leaves the object without one. */
  status: unknown;
  placements: RoutePlacement[];
  /** The route's translation, if any parentRef needed it. */
  translation: RouteTranslation | undefined;
  /** What a placement puts on a listener (set when there are placements). */
  placed: PlacedRoute | undefined;
}

interface Remembered {
  spec: unknown;
  /** The status the route had when the outcome was computed. */
  input: unknown;
  outcome: RouteOutcome;
  epoch: number;
  now: string;
  /** The outcome's status is the route's own: the time did not show in it. */
  stable: boolean;
}

/** The parts of the Gateway side that a route's attachment reads (listener evaluation included). */
function gatewaySide(resources: ResourceSet, reservedPorts: unknown, sharedAddress: unknown): unknown[] {
  const specAndMetadata = (objects: readonly KubeObject[]): unknown[] => objects.flatMap((o) => [o.spec, o.metadata]);
  return [
    specAndMetadata(resources.gatewayClasses),
    specAndMetadata(resources.gateways),
    specAndMetadata(resources.listenerSets),
    resources.secrets,
    resources.referenceGrants,
    resources.namespaces,
    // Listener evaluation reads ConfigMaps only for client certificate validation; only then can a
    // ConfigMap change what a route gets (through a ListenerSet whose parent it makes invalid).
    resources.gateways.some((g) => (g.spec as { tls?: { frontend?: unknown } } | undefined)?.tls?.frontend)
      ? [resources.configMaps, resources.clusterTrustBundles]
      : [],
    [reservedPorts, sharedAddress],
  ];
}

export class StatusMemo {
  /** By metadata object: providers keep it while the object does not change; a fed-back copy shares it. */
  private readonly routes = new WeakMap<object, Remembered>();
  private readonly outputs = new WeakMap<KubeObject, { status: unknown; output: KubeObject }>();
  private lastSide: unknown[] | undefined;
  private epoch = 0;
  private now = '';
  private counters = { reused: 0, computed: 0 };

  /** Route outcomes reused and computed since the last call. */
  takeStats(): { reused: number; computed: number } {
    const out = this.counters;
    this.counters = { reused: 0, computed: 0 };
    return out;
  }

  /** Starts a run. */
  begin(
    resources: ResourceSet,
    now: string,
    reservedPorts?: ReadonlyMap<number, string>,
    sharedAddress?: boolean,
  ): void {
    const side = gatewaySide(resources, reservedPorts, sharedAddress ?? false);
    const last = this.lastSide;
    if (!last || !side.every((part, i) => sameElements(part as unknown[], last[i] as unknown[]))) this.epoch++;
    this.lastSide = side;
    this.now = now;
  }

  /**
   * The route's outcome: remembered if still valid, else computed. `translationOf` gives the
   * route's current translation (memoized by the caller, so asking is cheap).
   */
  route(route: KubeObject, translationOf: () => RouteTranslation, compute: () => RouteOutcome): RouteOutcome {
    const known = this.routes.get(route.metadata);
    if (
      known &&
      known.spec === route.spec &&
      known.epoch === this.epoch &&
      (known.outcome.translation === undefined || known.outcome.translation === translationOf())
    ) {
      if (route.status === known.input && (known.stable || known.now === this.now)) {
        this.counters.reused++;
        return known.outcome;
      }
      if (route.status !== undefined && route.status === known.outcome.status) {
        // Fed back: computing again would find every condition as it is and keep its time.
        known.input = route.status;
        known.stable = true;
        this.counters.reused++;
        return known.outcome;
      }
    }
    this.counters.computed++;
    const computed = compute();
    const stable = computed.status === undefined || isDeepStrictEqual(computed.status, route.status);
    const outcome = stable && computed.status !== undefined ? { ...computed, status: route.status } : computed;
    this.routes.set(route.metadata, {
      spec: route.spec,
      input: route.status,
      outcome,
      epoch: this.epoch,
      now: this.now,
      stable,
    });
    return outcome;
  }

  /**
   * `object` with `status`: the same output object as last time when both are the same, and the
   * object's own status object when the new one equals it.
   */
  output(
    object: KubeObject,
    status: unknown,
    withStatus: (object: KubeObject, status: unknown) => KubeObject,
  ): KubeObject {
    const own = status === object.status || isDeepStrictEqual(status, object.status) ? object.status : status;
    const known = this.outputs.get(object);
    if (known && known.status === own) return known.output;
    const output = withStatus(object, own);
    this.outputs.set(object, { status: own, output });
    return output;
  }
}
