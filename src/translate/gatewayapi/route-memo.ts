/**
 * Remembering route translations (HTTPRoute, GRPCRoute) between runs. Translating a route reads the route itself and
 * a few lookups of the context (Services, EndpointSlices, ReferenceGrants); the memo records those
 * reads, and a later run reuses the result only if the route's spec is the same object and every
 * recorded read still returns the same objects. A reused result keeps its IR objects, so the Envoy
 * stage and the encoder downstream recognise them by identity and redo nothing for them.
 *
 * This is an optimisation only: the result with a memo equals the result without one (the golden
 * tests check both).
 */
import type { KubeObject, ResourceSet } from '../../resources/types.js';
import type { TranslationContext } from './context.js';
import type { RouteTranslation } from './routes/contract.js';
import { sameElements } from '../composite-memo.js';

/** The context lookups a route translation may make; anything else in the context is not tracked. */
type TrackedName =
  | 'services'
  | 'endpointSlices'
  | 'referenceGrants'
  | 'secrets'
  | 'namespaces'
  | 'backendTLSPolicies'
  | 'configMaps'
  | 'clusterTrustBundles'
  | 'xBackends'
  | 'podsByNamespace';

interface Read {
  map: TrackedName;
  key: string;
  value: unknown;
}

interface Memo {
  kind: string;
  namespace: string | undefined;
  name: string;
  creationTimestamp: string | undefined;
  reads: Read[];
  result: RouteTranslation;
  /** The input generation in which the reads were last known to hold (see `begin`). */
  inputGeneration: number;
}

/** Same object, or arrays of the same objects in the same order (grouped lookups build new arrays). */
function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (Array.isArray(a) && Array.isArray(b) && sameElements(a, b));
}

/** A read-only map that records every `get`/`has`; any iteration makes the translation untrackable. */
class RecordingMap<V> implements ReadonlyMap<string, V> {
  constructor(
    private readonly inner: ReadonlyMap<string, V>,
    private readonly name: TrackedName,
    private readonly recorder: Recorder,
  ) {}

  get(key: string): V | undefined {
    const value = this.inner.get(key);
    this.recorder.reads.push({ map: this.name, key, value });
    return value;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined || this.inner.has(key);
  }

  get size(): number {
    this.recorder.untracked = true;
    return this.inner.size;
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void): void {
    this.recorder.untracked = true;
    this.inner.forEach((value, key) => callback(value, key, this));
  }

  entries(): MapIterator<[string, V]> {
    this.recorder.untracked = true;
    return this.inner.entries();
  }

  keys(): MapIterator<string> {
    this.recorder.untracked = true;
    return this.inner.keys();
  }

  values(): MapIterator<V> {
    this.recorder.untracked = true;
    return this.inner.values();
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }
}

interface Recorder {
  reads: Read[];
  untracked: boolean;
}

function recordingContext(ctx: TranslationContext, recorder: Recorder): TranslationContext {
  return {
    ...ctx,
    // Reading the whole input directly cannot be tracked: such a translation is not memoized.
    get resources() {
      recorder.untracked = true;
      return ctx.resources;
    },
    services: new RecordingMap(ctx.services, 'services', recorder),
    endpointSlices: new RecordingMap(ctx.endpointSlices, 'endpointSlices', recorder),
    referenceGrants: new RecordingMap(ctx.referenceGrants, 'referenceGrants', recorder),
    secrets: new RecordingMap(ctx.secrets, 'secrets', recorder),
    namespaces: new RecordingMap(ctx.namespaces, 'namespaces', recorder),
    backendTLSPolicies: new RecordingMap(ctx.backendTLSPolicies, 'backendTLSPolicies', recorder),
    configMaps: new RecordingMap(ctx.configMaps, 'configMaps', recorder),
    clusterTrustBundles: new RecordingMap(ctx.clusterTrustBundles, 'clusterTrustBundles', recorder),
    xBackends: new RecordingMap(ctx.xBackends, 'xBackends', recorder),
    podsByNamespace: new RecordingMap(ctx.podsByNamespace, 'podsByNamespace', recorder),
  };
}

export interface RouteMemoStats {
  reused: number;
  translated: number;
}

export class RouteMemo {
  /** Keyed by the route's spec object: providers keep it when the object did not change. */
  private readonly bySpec = new WeakMap<object, Memo>();
  private counters: RouteMemoStats = { reused: 0, translated: 0 };

  /** Counts since the last call. */
  takeStats(): RouteMemoStats {
    const out = this.counters;
    this.counters = { reused: 0, translated: 0 };
    return out;
  }

  /** The lookup tables' inputs of the previous run. */
  private lastInputs: readonly (readonly unknown[])[] | undefined;
  /** Increases whenever those inputs change between runs. */
  private inputGeneration = 0;

  /**
   * Starts a run. While every list a route translation can look up in (Services, EndpointSlices,
   * ReferenceGrants, Secrets, Namespaces) holds the same objects, no recorded lookup can give
   * another answer: a memo checked (or recorded) in the same input generation is reused without
   * checking its lookups again.
   */
  begin(resources: ResourceSet): void {
    const inputs = [
      resources.services,
      resources.endpointSlices,
      resources.referenceGrants,
      resources.secrets,
      resources.namespaces,
      resources.backendTLSPolicies,
      resources.configMaps,
      resources.clusterTrustBundles,
      resources.xBackends,
      resources.pods,
    ];
    const last = this.lastInputs;
    if (last === undefined || !inputs.every((list, i) => sameValue(list, last[i]))) this.inputGeneration++;
    this.lastInputs = inputs;
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
    const recorder: Recorder = { reads: [], untracked: false };
    const result = translateRoute(recordingContext(ctx, recorder), route);
    this.counters.translated++;
    if (!recorder.untracked) {
      this.bySpec.set(spec, {
        kind: route.kind,
        namespace: route.metadata.namespace,
        name: route.metadata.name,
        creationTimestamp: route.metadata.creationTimestamp,
        reads: recorder.reads,
        result,
        inputGeneration: this.inputGeneration,
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
    if (memo.inputGeneration === this.inputGeneration) return true;
    for (const read of memo.reads) {
      const map = ctx[read.map] as ReadonlyMap<string, unknown>;
      if (!sameValue(map.get(read.key), read.value)) return false;
    }
    memo.inputGeneration = this.inputGeneration;
    return true;
  }
}
