/**
 * `resourceSetOf`, kept up to date instead of rebuilt: the translator's input for each new store,
 * from the sources that changed since the last one.
 *
 * `resourceSetOf` walks every object of every source and sorts every kind again for each
 * translation: at 3,000 routes in 3,000 files, with their Services and EndpointSlices, about 14 ms
 * and 9,000 new array slots per saved file. Here only the changed sources' objects are looked at.
 * A kind that none of them holds keeps its array (the same array object, which the translator's
 * memos recognise at once); a changed kind gets a copy with the few objects that changed put in
 * place.
 *
 * The result equals `resourceSetOf(store)`, warnings included and in the same order (a test
 * compares them over random event sequences).
 */
import {
  assembleResourceSet,
  compareByNamespaceAndName,
  duplicateWarning,
  objectKey,
  unsupportedKindWarning,
  withScope,
} from '../resources/resource-set.js';
import { KIND_BY_NAME, KINDS } from '../resources/kinds.js';
import type { ResourceSetField } from '../resources/kinds.js';
import type { KubeObject } from '../resources/types.js';
import { readInput } from '../resources/read/read-input.js';
import type { ResourceStore, StoreResourceSet } from './resource-store.js';

type Bucket = ResourceSetField;
type Source = ReadonlyMap<string, KubeObject>;

/** One object of a source, as the translator will see it. */
interface Item {
  bucket: Bucket;
  key: string;
  object: KubeObject;
  /** The kind as written (its warning names it). */
  original: KubeObject;
}

/** A source's objects in its own order: an item, or an object of a kind Portico does not read. */
type SourceEntry = readonly (Item | { unsupported: KubeObject })[];

/** A definition of one object; when several sources define it, the last in (source, position) order wins. */
interface Candidate {
  source: string;
  position: number;
  item: Item;
}

const BUCKETS: readonly Bucket[] = KINDS.map((k) => k.field);

/** Above this many changed objects in one kind, sorting the kind again is cheaper than splicing. */
const SPLICE_LIMIT = 32;

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class ResourceSetBuilder {
  private sources: ReadonlyMap<string, Source> = new Map();
  private readonly entries = new WeakMap<Source, SourceEntry>();
  /** Per kind, per object key: its definitions in (source, position) order. */
  private readonly candidates = new Map<Bucket, Map<string, Candidate[]>>(BUCKETS.map((b) => [b, new Map()]));
  /** Sources holding objects of unsupported kinds, and keys defined more than once: what warns. */
  private readonly unsupportedSources = new Set<string>();
  private readonly duplicated = new Map<string, Candidate[]>();
  private last: StoreResourceSet | undefined;

  /** The input for `store`: equal to `resourceSetOf(store)`. */
  of(store: ResourceStore): StoreResourceSet {
    if (this.last && store.sources === this.sources) return this.last;
    try {
      return (this.last = this.update(store));
    } catch (err) {
      // Only malformed objects throw here, as they do in `resourceSetOf`; start over next time.
      this.reset();
      throw err;
    }
  }

  private reset(): void {
    this.sources = new Map();
    for (const map of this.candidates.values()) map.clear();
    this.unsupportedSources.clear();
    this.duplicated.clear();
    this.last = undefined;
  }

  private update(store: ResourceStore): StoreResourceSet {
    const changed: string[] = [];
    for (const [name, source] of store.sources) if (this.sources.get(name) !== source) changed.push(name);
    for (const name of this.sources.keys()) if (!store.sources.has(name)) changed.push(name);

    /** The winner of each touched key before this update, keyed by `<bucket>\0<key>`. */
    const winnersBefore = new Map<string, { bucket: Bucket; key: string; winner: Item | undefined }>();
    let warningsChanged = false;
    const touch = (bucket: Bucket, key: string, list: readonly Candidate[] | undefined): void => {
      const id = `${bucket}\0${key}`;
      if (!winnersBefore.has(id)) winnersBefore.set(id, { bucket, key, winner: list?.at(-1)?.item });
    };

    for (const name of changed) {
      const before = this.sources.get(name);
      const after = store.sources.get(name);
      if (before) {
        for (const entry of this.entryOf(before)) {
          if ('unsupported' in entry) continue;
          const byKey = this.candidates.get(entry.bucket)!;
          const list = byKey.get(entry.key);
          touch(entry.bucket, entry.key, list);
          const kept = list?.filter((c) => c.source !== name) ?? [];
          if (kept.length > 0) byKey.set(entry.key, kept);
          else byKey.delete(entry.key);
        }
      }
      if (this.unsupportedSources.delete(name)) warningsChanged = true;
      if (!after) continue;
      const entries = this.entryOf(after);
      for (let position = 0; position < entries.length; position++) {
        const entry = entries[position]!;
        if ('unsupported' in entry) {
          this.unsupportedSources.add(name);
          warningsChanged = true;
          continue;
        }
        const byKey = this.candidates.get(entry.bucket)!;
        const list = byKey.get(entry.key);
        touch(entry.bucket, entry.key, list);
        const candidate: Candidate = { source: name, position, item: entry };
        if (!list) {
          byKey.set(entry.key, [candidate]);
          continue;
        }
        const at = list.findIndex((c) => c.source > name || (c.source === name && c.position > position));
        byKey.set(entry.key, at < 0 ? [...list, candidate] : [...list.slice(0, at), candidate, ...list.slice(at)]);
      }
    }
    this.sources = store.sources;

    const edits = new Map<Bucket, { removed: KubeObject[]; added: KubeObject[] }>();
    for (const [id, { bucket, key, winner: before }] of winnersBefore) {
      const list = this.candidates.get(bucket)!.get(key);
      const after = list?.at(-1)?.item;
      if ((list?.length ?? 0) > 1 || this.duplicated.has(id)) {
        warningsChanged = true;
        if (list && list.length > 1) this.duplicated.set(id, list);
        else this.duplicated.delete(id);
      }
      if (before?.object === after?.object) continue;
      let edit = edits.get(bucket);
      if (!edit) edits.set(bucket, (edit = { removed: [], added: [] }));
      if (before) edit.removed.push(before.object);
      if (after) edit.added.push(after.object);
    }

    const previous = this.last;
    const array = (bucket: Bucket): KubeObject[] => {
      const old = previous?.resources[bucket] as KubeObject[] | undefined;
      const edit = edits.get(bucket);
      if (old && !edit) return old;
      if (!old || !edit || edit.removed.length + edit.added.length > SPLICE_LIMIT) {
        const all: KubeObject[] = [];
        for (const list of this.candidates.get(bucket)!.values()) all.push(list.at(-1)!.item.object);
        return all.sort(compareByNamespaceAndName);
      }
      return spliced(old, edit.removed, edit.added);
    };
    const resources = assembleResourceSet(array);
    const warnings = warningsChanged || !previous ? this.warnings() : previous.warnings;
    return { resources, warnings };
  }

  private entryOf(source: Source): SourceEntry {
    let entry = this.entries.get(source);
    if (entry) return entry;
    const items: (Item | { unsupported: KubeObject })[] = [];
    for (const original of source.values()) {
      const kind = KIND_BY_NAME.get(original.kind);
      if (!kind) {
        items.push({ unsupported: original });
        continue;
      }
      const object = withScope(original, kind.namespaced);
      readInput(object);
      items.push({ bucket: kind.field, key: objectKey(object), object, original });
    }
    this.entries.set(source, (entry = items));
    return entry;
  }

  /** In the order `collectResourceSet` gives them: by source name, then by position in the source. */
  private warnings(): string[] {
    const found: { source: string; position: number; message: string }[] = [];
    for (const source of this.unsupportedSources) {
      const entries = this.entryOf(this.sources.get(source)!);
      entries.forEach((entry, position) => {
        if ('unsupported' in entry)
          found.push({ source, position, message: unsupportedKindWarning(entry.unsupported) });
      });
    }
    for (const list of this.duplicated.values()) {
      for (const later of list.slice(1)) {
        found.push({
          source: later.source,
          position: later.position,
          message: duplicateWarning(later.item.original, later.item.key),
        });
      }
    }
    found.sort((a, b) => byName(a.source, b.source) || a.position - b.position);
    return found.map((w) => w.message);
  }
}

/** `sorted` (by namespace and name, keys unique) without `removed`, with `added`, as a new array. */
function spliced(
  sorted: readonly KubeObject[],
  removed: readonly KubeObject[],
  added: readonly KubeObject[],
): KubeObject[] {
  const out = sorted.slice();
  for (const object of removed) {
    const at = lowerBound(out, object);
    if (out[at] === object) out.splice(at, 1);
  }
  for (const object of added) out.splice(lowerBound(out, object), 0, object);
  return out;
}

/** The first index whose object does not sort before `object`. */
function lowerBound(sorted: readonly KubeObject[], object: KubeObject): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareByNamespaceAndName(sorted[mid]!, object) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
