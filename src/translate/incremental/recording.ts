/**
 * What a piece of stage 1 read from the input, recorded while it ran, so that a remembered result
 * is reused only while every read would still give the same answer. This is how the memos know
 * their dependencies: from the reads themselves, never from a list kept by hand.
 *
 * A recording view of the `TranslationContext` notes every lookup (`get`/`has` on each of its
 * tables), every list of the `ResourceSet` taken whole, and every other field of the context; a
 * recording view of the options notes every option read. Iterating a whole table cannot be
 * followed key by key: it makes the recording `untracked`, and the result is not remembered.
 *
 * Two things are not recorded, on purpose:
 * - the time: `now` is only written into conditions that changed (the status memo has its own rule
 *   for it), and `certificateTime` only adds validity notes to a listener's conditions. Recording
 *   them would make every run of the pipeline, whose clock moves, compute everything again.
 * - objects' `status`: statuses are the translator's output. A list read is compared object by
 *   object on every field but `status`, so a status fed back (the file provider, or the API
 *   server's copy) does not count as a change of input.
 */
import type { KubeObject, ResourceSet } from '../../resources/types.js';
import type { TranslationContext } from '../gatewayapi/context.js';
import { sameElements } from '../../shared/same-elements.js';

export type Read =
  | { at: 'lookup'; table: string; key: unknown; value: unknown }
  | { at: 'list'; kind: keyof ResourceSet; value: readonly KubeObject[] }
  | { at: 'context' | 'option'; name: string; value: unknown };

export class Recorder {
  readonly reads: Read[] = [];
  /** Something was read that cannot be followed (a table iterated). */
  untracked = false;
  /** A list of the input was read: such reads are checked on every run (see `InputGeneration`). */
  readsLists = false;
}

/**
 * Context fields that are not input (see above), scratch space written during a run, or values
 * remembered from one input object alone (reached through lookups that are recorded).
 */
const UNRECORDED = new Set(['now', 'certificateTime', 'endpointCache', 'remember']);

/** Same object, or arrays of the same objects in the same order (grouped lookups build new arrays). */
export function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (Array.isArray(a) && Array.isArray(b) && sameElements(a, b));
}

/** The same object, but maybe for its status. */
function sameButStatus(a: KubeObject, b: KubeObject): boolean {
  if (a === b) return true;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    if (
      key !== 'status' &&
      (a as unknown as Record<string, unknown>)[key] !== (b as unknown as Record<string, unknown>)[key]
    ) {
      return false;
    }
  }
  return true;
}

function sameList(a: readonly KubeObject[], b: readonly KubeObject[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameButStatus(a[i]!, b[i]!)) return false;
  return true;
}

/**
 * Whether the list read then (`then`) holds now: worked out once per pair of lists, since every
 * remembered result that read a list read the same array (10,000 route outcomes that read the
 * SecurityPolicies compare them once a run, not 10,000 times).
 */
function listHolds(ctx: TranslationContext, now: readonly KubeObject[], then: readonly KubeObject[]): boolean {
  if (now === then) return true;
  const last = ctx.remember('list-held', then, (): { now?: readonly KubeObject[]; same: boolean } => ({ same: false }));
  if (last.now !== now) {
    last.now = now;
    last.same = sameList(now, then);
  }
  return last.same;
}

/** A read-only map that records every `get`/`has`; any iteration makes the recording untracked. */
class RecordingMap<K, V> implements ReadonlyMap<K, V> {
  constructor(
    private readonly inner: ReadonlyMap<K, V>,
    private readonly table: string,
    private readonly recorder: Recorder,
  ) {}

  get(key: K): V | undefined {
    const value = this.inner.get(key);
    this.recorder.reads.push({ at: 'lookup', table: this.table, key, value });
    return value;
  }

  has(key: K): boolean {
    return this.get(key) !== undefined || this.inner.has(key);
  }

  get size(): number {
    this.recorder.untracked = true;
    return this.inner.size;
  }

  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void): void {
    this.recorder.untracked = true;
    this.inner.forEach((value, key) => callback(value, key, this));
  }

  entries(): MapIterator<[K, V]> {
    this.recorder.untracked = true;
    return this.inner.entries();
  }

  keys(): MapIterator<K> {
    this.recorder.untracked = true;
    return this.inner.keys();
  }

  values(): MapIterator<V> {
    this.recorder.untracked = true;
    return this.inner.values();
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }
}

function recordingResources(resources: ResourceSet, recorder: Recorder): ResourceSet {
  const view = {} as ResourceSet;
  for (const kind of Object.keys(resources) as (keyof ResourceSet)[]) {
    Object.defineProperty(view, kind, {
      enumerable: true,
      get: () => {
        const value = resources[kind];
        recorder.reads.push({ at: 'list', kind, value });
        recorder.readsLists = true;
        return value;
      },
    });
  }
  return view;
}

/** The context as `recorder` sees it read. */
export function recordingContext(ctx: TranslationContext, recorder: Recorder): TranslationContext {
  const view: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(ctx)) {
    if (UNRECORDED.has(name)) view[name] = value;
    else if (name === 'resources') view[name] = recordingResources(value as ResourceSet, recorder);
    else if (value instanceof Map) view[name] = new RecordingMap(value, name, recorder);
    else {
      Object.defineProperty(view, name, {
        enumerable: true,
        get: () => {
          recorder.reads.push({ at: 'context', name, value });
          return value;
        },
      });
    }
  }
  return view as unknown as TranslationContext;
}

/** The options as `recorder` sees them read. */
export function recordingOptions<O extends object>(options: O, recorder: Recorder): O {
  return new Proxy(options, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof name === 'string') recorder.reads.push({ at: 'option', name, value });
      return value;
    },
  });
}

/** Whether every read would give the same answer from this context and these options. */
export function readsHold(reads: readonly Read[], ctx: TranslationContext, options?: object): boolean {
  const fields = ctx as unknown as Record<string, unknown>;
  for (const read of reads) {
    switch (read.at) {
      case 'lookup':
        if (!sameValue((fields[read.table] as ReadonlyMap<unknown, unknown>).get(read.key), read.value)) return false;
        break;
      case 'list':
        if (!listHolds(ctx, ctx.resources[read.kind], read.value)) return false;
        break;
      case 'context':
        if (fields[read.name] !== read.value) return false;
        break;
      case 'option':
        if (options === undefined || (options as Record<string, unknown>)[read.name] !== read.value) return false;
        break;
    }
  }
  return true;
}

/**
 * Counts changes of the context's tables and other recorded fields between runs (lists of the
 * input aside). While none changed, no lookup can give another answer: a result whose reads were
 * checked in the same generation, and that read no list, holds without checking them again.
 */
export class InputGeneration {
  private last: unknown[] | undefined;
  current = 0;

  begin(ctx: TranslationContext): void {
    const inputs = Object.entries(ctx)
      .filter(([name]) => !UNRECORDED.has(name) && name !== 'resources')
      .map(([, value]) => value);
    if (this.last === undefined || !sameElements(inputs, this.last)) this.current++;
    this.last = inputs;
  }
}
