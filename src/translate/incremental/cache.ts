/**
 * The translation cache: what a caller that translates again and again (the pipeline) keeps
 * between runs, so that what did not change is not translated, built or encoded again. It is
 * stage 1's memory (`StageMemory`: route translations, route outcomes, virtual hosts, output
 * objects and lookup tables), the Envoy stage's (`XdsMemo`), and the endpoint refresh's (where
 * clusters sit in an output). Output is equal with or without it.
 */
import type { IrCluster } from '../../ir/types.js';
import type { KubeObject } from '../../resources/types.js';
import type { TableOf, TranslationContext } from '../gatewayapi/context.js';
import type { RouteOutcome } from '../gatewayapi/gateway-state.js';
import type { GatewaySideRun, StageMemory } from '../gatewayapi/memory.js';
import type { Route, RouteTranslation } from '../gatewayapi/routes/contract.js';
import { sameElements } from '../../shared/same-elements.js';
import { CompositeMemo } from './composite-memo.js';
import type { ClusterPositions } from './endpoint-refresh.js';
import { InputGeneration } from './recording.js';
import { RouteMemo } from './route-memo.js';
import { StatusMemo } from './status-memo.js';
import { rememberedValues, type Remember } from '../gatewayapi/remembered.js';
import { XdsMemo } from './xds-memo.js';

interface Table {
  items: readonly object[];
  table: ReadonlyMap<string, unknown>;
}

export class TranslationCache implements StageMemory {
  private readonly generation = new InputGeneration();
  /** Route translations (`takeStats` counts reuses). */
  readonly routes = new RouteMemo(this.generation);
  /** Route outcomes and output objects (`takeStats` counts reuses). */
  readonly statuses = new StatusMemo(this.generation);
  private readonly assembly = new CompositeMemo();
  /** The Envoy stage's messages. */
  readonly xds = new XdsMemo();
  /**
   * The lookup tables of the last run and of this one, in the order the context asks for them: a
   * list holding the same objects as last run's (the pipeline even keeps the same array) gets last
   * run's table, so the tables of unchanged kinds are the same objects run after run.
   */
  private lastTables: Table[] = [];
  private runTables: Table[] = [];
  /** Values worked out from one input object alone (`remembered.ts`), for every run. */
  private readonly values = rememberedValues(true);
  /** Where each Service's clusters sit in an output's cluster list (`refreshEndpoints`). */
  readonly endpointPositions = new WeakMap<readonly IrCluster[], ClusterPositions>();

  tables(): TableOf {
    this.lastTables = this.runTables;
    this.runTables = [];
    return (items, build) => this.table(items, build);
  }

  remembered(): Remember {
    return this.values;
  }

  begin(ctx: TranslationContext): void {
    this.generation.begin(ctx);
    this.statuses.begin(ctx.now);
    this.assembly.begin();
    this.xds.begin();
  }

  private table<T extends object, V>(
    items: readonly T[],
    build: (items: readonly T[]) => Map<string, V>,
  ): ReadonlyMap<string, V> {
    const last = this.lastTables[this.runTables.length];
    const table = last && sameElements(last.items, items) ? (last.table as ReadonlyMap<string, V>) : build(items);
    this.runTables.push({ items, table });
    return table;
  }

  gatewaySide<R extends GatewaySideRun>(run: R, step: (run: R) => void): void {
    this.statuses.gatewaySide(run, step);
  }

  routeTranslation<R extends Route>(
    ctx: TranslationContext,
    route: R,
    translate: (ctx: TranslationContext, route: R) => RouteTranslation,
  ): RouteTranslation {
    return this.routes.translate(ctx, route, translate);
  }

  routeOutcome(
    ctx: TranslationContext,
    route: Route,
    translationOf: () => RouteTranslation,
    compute: (ctx: TranslationContext) => RouteOutcome,
  ): RouteOutcome {
    return this.statuses.route(ctx, route, translationOf, compute);
  }

  composite<T>(key: string, parts: readonly unknown[], build: () => T): T {
    return this.assembly.composite(key, parts, build);
  }

  output(
    object: KubeObject,
    status: unknown,
    withStatus: (object: KubeObject, status: unknown) => KubeObject,
  ): KubeObject {
    return this.statuses.output(object, status, withStatus);
  }
}
