/**
 * The one seam between stage 1 and incremental translation (`src/translate/incremental`). Each
 * method gives what the plain computation it is handed gives; a cache kept between runs may answer
 * from memory instead, with an equal result. Stage 1 knows nothing else of the cache: without one
 * (`NO_MEMORY`) every method just computes.
 */
import type { KubeObject } from '../../resources/types.js';
import type { TableOf, TranslationContext } from './context.js';
import type { RouteOutcome } from './gateway-state.js';
import type { Route, RouteTranslation } from './routes/contract.js';
import { rememberedValues, type Remember } from './remembered.js';

/** What a step that builds the Gateway side reads from: the context and the options. */
export interface GatewaySideRun {
  readonly ctx: TranslationContext;
  readonly options: object;
}

export interface StageMemory {
  /** Starts a run: how its context builds each lookup table of an input list (`context.ts`). */
  tables(): TableOf;
  /**
   * Starts a run: where its context remembers values worked out from one input object alone
   * (`remembered.ts`). A cache gives the same store run after run.
   */
  remembered(): Remember;
  /** The run's context is built (with those tables). */
  begin(ctx: TranslationContext): void;
  /**
   * Runs the step that evaluates GatewayClasses, Gateways and their listeners: what route outcomes
   * are decided against. A cache notes what the step read, to know whether remembered outcomes hold.
   */
  gatewaySide<R extends GatewaySideRun>(run: R, step: (run: R) => void): void;
  /** The route's translation. */
  routeTranslation<R extends Route>(
    ctx: TranslationContext,
    route: R,
    translate: (ctx: TranslationContext, route: R) => RouteTranslation,
  ): RouteTranslation;
  /**
   * The route's outcome on its parents. `translationOf` gives its translation (asked once, cheap);
   * `compute` must read the input only through the context it is given.
   */
  routeOutcome(
    ctx: TranslationContext,
    route: Route,
    translationOf: () => RouteTranslation,
    compute: (ctx: TranslationContext) => RouteOutcome,
  ): RouteOutcome;
  /** A value built from `parts` (compared by identity) at the place `key` names. */
  composite<T>(key: string, parts: readonly unknown[], build: () => T): T;
  /** The output object: `object` with `status`. */
  output(
    object: KubeObject,
    status: unknown,
    withStatus: (object: KubeObject, status: unknown) => KubeObject,
  ): KubeObject;
}

/** No memory: everything computed. */
export const NO_MEMORY: StageMemory = {
  tables: () => (items, build) => build(items),
  // One run's own store: what several listeners or routes share is worked out once per run.
  remembered: () => rememberedValues(),
  begin: () => undefined,
  gatewaySide: (run, step) => step(run),
  routeTranslation: (ctx, route, translate) => translate(ctx, route),
  routeOutcome: (ctx, _route, _translationOf, compute) => compute(ctx),
  composite: (_key, _parts, build) => build(),
  output: (object, status, withStatus) => withStatus(object, status),
};
