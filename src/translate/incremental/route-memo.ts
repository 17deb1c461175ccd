/**
 * Remembering route translations between runs. Translating a route reads the route itself and
 * a few lookups of the context (Services, EndpointSlices, ReferenceGrants…); the memo records those
 * reads (`recording.ts`), and a later run reuses the result only if the route's spec is the same
 * object and every recorded read still gives the same answer. A reused result keeps its IR objects,
 * so the Envoy stage and the encoder downstream recognise them by identity and redo nothing for them.
 *
 * This is an optimisation only: the result with a memo equals the result without one (the golden
 * tests check both).
 */
import type { KubeObject } from '../../resources/types.js';
import type { TranslationContext } from '../gatewayapi/context.js';
import type { RouteTranslation } from '../gatewayapi/routes/contract.js';
import { readsHold, Recorder, recordingContext, type InputGeneration, type Read } from './recording.js';

interface Memo {
  kind: string;
  namespace: string | undefined;
  name: string;
  creationTimestamp: string | undefined;
  reads: Read[];
  readsLists: boolean;
  result: RouteTranslation;
  /** The input generation in which the reads were last known to hold. */
  inputGeneration: number;
}

export interface RouteMemoStats {
  reused: number;
  translated: number;
}

export class RouteMemo {
  /** Keyed by the route's spec object: providers keep it when the object did not change. */
  private readonly bySpec = new WeakMap<object, Memo>();
  private counters: RouteMemoStats = { reused: 0, translated: 0 };

  constructor(private readonly generation: InputGeneration) {}

  /** Counts since the last call. */
  takeStats(): RouteMemoStats {
    const out = this.counters;
    this.counters = { reused: 0, translated: 0 };
    return out;
  }

  translate<R extends KubeObject>(
    ctx: TranslationContext,
    route: R,
    translateRoute: (ctx: TranslationContext, route: R) => RouteTranslation,
  ): RouteTranslation {
    const spec = route.spec as unknown;
    if (typeof spec !== 'object' || spec === null) return translateRoute(ctx, route);
    const memo = this.bySpec.get(spec);
    if (memo && this.stillValid(memo, ctx, route)) {
      this.counters.reused++;
      return memo.result;
    }
    const recorder = new Recorder();
    const result = translateRoute(recordingContext(ctx, recorder), route);
    this.counters.translated++;
    if (!recorder.untracked) {
      this.bySpec.set(spec, {
        kind: route.kind,
        namespace: route.metadata.namespace,
        name: route.metadata.name,
        creationTimestamp: route.metadata.creationTimestamp,
        reads: recorder.reads,
        readsLists: recorder.readsLists,
        result,
        inputGeneration: this.generation.current,
      });
    } else {
      this.bySpec.delete(spec);
    }
    return result;
  }

  private stillValid(memo: Memo, ctx: TranslationContext, route: KubeObject): boolean {
    if (
      memo.kind !== route.kind ||
      memo.namespace !== route.metadata.namespace ||
      memo.name !== route.metadata.name ||
      memo.creationTimestamp !== route.metadata.creationTimestamp
    ) {
      return false;
    }
    if (memo.inputGeneration === this.generation.current && !memo.readsLists) return true;
    if (!readsHold(memo.reads, ctx)) return false;
    memo.inputGeneration = this.generation.current;
    return true;
  }
}
