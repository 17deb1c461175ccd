/**
 * Remembering, between runs, what attaching each route to its Gateways gave: its status and
 * where it is placed. Without it every translation resolves every parentRef of every route again
 * and builds its conditions again: at 3,000 routes about 25 ms and 3,000 new status objects for a
 * change to one of them.
 *
 * A route's outcome depends on the route (spec, metadata and the status it starts from), its
 * translation, what attaching it looks up (Namespaces' labels, ReferenceGrants), the Gateway side
 * (the GatewayStates the step `acceptGateways` builds) and, for conditions that changed, the time.
 * Both lookups are recorded as they happen (`recording.ts`): the route's while its outcome is
 * computed, the Gateway side's while its step runs. A remembered outcome is reused only when the
 * route and its translation are the same objects, none of its reads and none of the Gateway
 * side's would answer differently, and the time either is the same or does not show: the route
 * already had that status, or it now starts from the very status the outcome gave it (fed back),
 * where computing again would keep every time.
 *
 * Output is equal with or without it (the golden tests check both). It also keeps output objects:
 * a status equal to the object's own is the object's own, and the same object with the same status
 * gives the same output object, so a caller that feeds statuses back (the file provider) hands the
 * next run the same objects.
 */
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../resources/types.js';
import type { TranslationContext } from '../gatewayapi/context.js';
import type { RouteOutcome } from '../gatewayapi/gateway-state.js';
import type { GatewaySideRun } from '../gatewayapi/memory.js';
import type { RouteTranslation } from '../gatewayapi/routes/contract.js';
import {
  readsHold,
  Recorder,
  recordingContext,
  recordingOptions,
  type InputGeneration,
  type Read,
} from './recording.js';

interface Remembered {
  spec: unknown;
  /** The status the route had when the outcome was computed. */
  input: unknown;
  outcome: RouteOutcome;
  /** What computing the outcome looked up, and the input generation in which that last held. */
  reads: Read[];
  readsLists: boolean;
  inputGeneration: number;
  /** The Gateway side it was computed against. */
  epoch: number;
  now: string;
  /** The outcome's status is the route's own: the time did not show in it. */
  stable: boolean;
}

export class StatusMemo {
  /** By metadata object: providers keep it while the object does not change; a fed-back copy shares it. */
  private readonly routes = new WeakMap<object, Remembered>();
  private readonly outputs = new WeakMap<KubeObject, { status: unknown; output: KubeObject }>();
  /** What the Gateway side read when it was last evaluated afresh; undefined when it cannot be followed. */
  private sideReads: Read[] | undefined;
  /** Increases whenever the Gateway side may have changed. */
  private epoch = 0;
  private now = '';
  private counters = { reused: 0, computed: 0 };

  constructor(private readonly generation: InputGeneration) {}

  /** Route outcomes reused and computed since the last call. */
  takeStats(): { reused: number; computed: number } {
    const out = this.counters;
    this.counters = { reused: 0, computed: 0 };
    return out;
  }

  /** Starts a run at `now` (the time written into changed conditions). */
  begin(now: string): void {
    this.now = now;
  }

  /**
   * Runs the step that builds the Gateway side. While everything it read last time reads the same,
   * it takes the same path and builds the same GatewayStates: the epoch stays. Otherwise it runs
   * over recording views and a new epoch starts.
   */
  gatewaySide<R extends GatewaySideRun>(run: R, step: (run: R) => void): void {
    if (this.sideReads && readsHold(this.sideReads, run.ctx, run.options)) {
      step(run);
      return;
    }
    const recorder = new Recorder();
    const ctx = recordingContext(run.ctx, recorder);
    // The run's other fields are the step's output (maps it fills) or the input again, which it
    // must then see recorded too.
    step({
      ...run,
      ctx,
      options: recordingOptions(run.options, recorder),
      ...('resources' in run ? { resources: ctx.resources } : {}),
    });
    this.epoch++;
    this.sideReads = recorder.untracked ? undefined : recorder.reads;
  }

  /**
   * The route's outcome: remembered if still valid, else computed (over a recording view of
   * `ctx`). `translationOf` gives the route's current translation (memoized by the caller, so
   * asking is cheap).
   */
  route(
    ctx: TranslationContext,
    route: KubeObject,
    translationOf: () => RouteTranslation,
    compute: (ctx: TranslationContext) => RouteOutcome,
  ): RouteOutcome {
    const known = this.routes.get(route.metadata);
    if (
      known &&
      known.spec === route.spec &&
      known.epoch === this.epoch &&
      (known.outcome.translation === undefined || known.outcome.translation === translationOf()) &&
      this.readsStillHold(known, ctx)
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
    const recorder = new Recorder();
    const computed = compute(recordingContext(ctx, recorder));
    const stable = computed.status === undefined || isDeepStrictEqual(computed.status, route.status);
    const outcome = stable && computed.status !== undefined ? { ...computed, status: route.status } : computed;
    if (recorder.untracked) {
      this.routes.delete(route.metadata);
      return outcome;
    }
    this.routes.set(route.metadata, {
      spec: route.spec,
      input: route.status,
      outcome,
      reads: recorder.reads,
      readsLists: recorder.readsLists,
      inputGeneration: this.generation.current,
      epoch: this.epoch,
      now: this.now,
      stable,
    });
    return outcome;
  }

  private readsStillHold(known: Remembered, ctx: TranslationContext): boolean {
    if (known.inputGeneration === this.generation.current && !known.readsLists) return true;
    if (!readsHold(known.reads, ctx)) return false;
    known.inputGeneration = this.generation.current;
    return true;
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
