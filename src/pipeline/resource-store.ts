/**
 * The input side of the pipeline: resource events from any provider, folded (with `scan`) into an
 * immutable store, and the store turned into the translator's one input, a `ResourceSet`.
 *
 * Objects are grouped by source (a file, an informer) so that a provider can replace everything it
 * knows about one source at once — a re-read file — and so that a deleted source takes exactly its
 * own objects with it.
 */
import { collectResourceSet } from '../resources/resource-set.js';
import type { KubeObject, ResourceSet } from '../resources/types.js';

/** The source used by `upsert`/`delete` events that name none (informers: one source per kind is fine). */
export const DEFAULT_SOURCE = '';

export type ResourceEvent =
  | { type: 'upsert'; object: KubeObject; source?: string }
  | { type: 'delete'; object: Pick<KubeObject, 'kind' | 'metadata'>; source?: string }
  /** Everything `source` holds now; an empty list removes the source. */
  | { type: 'replace'; source: string; objects: readonly KubeObject[] }
  /** The provider has delivered its initial state: nothing is translated before this. */
  | { type: 'synced' };

export interface ResourceStore {
  readonly sources: ReadonlyMap<string, ReadonlyMap<string, KubeObject>>;
  readonly synced: boolean;
  /** Increases with every event that changed the store. */
  readonly revision: number;
}

export const EMPTY_STORE: ResourceStore = { sources: new Map(), synced: false, revision: 0 };

/** `<kind>/<namespace>/<name>`: one object per identity within a source. */
export function objectIdentity(object: Pick<KubeObject, 'kind' | 'metadata'>): string {
  return `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

/**
 * The store keeps each source immutable and copies a source's map on every change, so one source
 * per kind would make each event cost O(objects of that kind), and an initial list O(n²). A provider
 * with many objects per kind (informers) therefore spreads them over 64 sources per kind by a hash of
 * their identity (stable, so an update or a delete always lands in the source that holds the object).
 */
const SOURCE_BUCKETS = 64;

export function bucketedSource(kindSource: string, object: { metadata: { namespace?: string; name: string } }): string {
  const identity = `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
  let hash = 0;
  for (let i = 0; i < identity.length; i++) hash = (hash * 31 + identity.charCodeAt(i)) | 0;
  return `${kindSource}/${(hash >>> 0) % SOURCE_BUCKETS}`;
}

/** The reducer for `scan`. Never mutates `store`; unchanged sources are shared with the new store. */
export function foldResourceEvent(store: ResourceStore, event: ResourceEvent): ResourceStore {
  switch (event.type) {
    case 'synced':
      return store.synced ? store : { ...store, synced: true, revision: store.revision + 1 };
    case 'replace': {
      if (event.objects.length === 0 && !store.sources.has(event.source)) return store;
      const objects = new Map<string, KubeObject>();
      for (const object of event.objects) objects.set(objectIdentity(object), object);
      return withSource(store, event.source, objects);
    }
    case 'upsert': {
      const source = event.source ?? DEFAULT_SOURCE;
      const objects = new Map(store.sources.get(source));
      objects.set(objectIdentity(event.object), event.object);
      return withSource(store, source, objects);
    }
    case 'delete': {
      const source = event.source ?? DEFAULT_SOURCE;
      const current = store.sources.get(source);
      const identity = objectIdentity(event.object);
      if (!current?.has(identity)) return store;
      const objects = new Map(current);
      objects.delete(identity);
      return withSource(store, source, objects);
    }
  }
}

function withSource(store: ResourceStore, source: string, objects: Map<string, KubeObject>): ResourceStore {
  const sources = new Map(store.sources);
  if (objects.size === 0) sources.delete(source);
  else sources.set(source, objects);
  return { sources, synced: store.synced, revision: store.revision + 1 };
}

export interface StoreResourceSet {
  resources: ResourceSet;
  /** Objects dropped or overridden on the way (duplicates across sources, unsupported kinds). */
  warnings: string[];
}

/**
 * All objects of all sources, sources in name order, so that when two files define the same object
 * the result does not depend on which was read first (the later name wins, with a warning).
 */
export function resourceSetOf(store: ResourceStore): StoreResourceSet {
  const names = [...store.sources.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const objects: KubeObject[] = [];
  for (const name of names) objects.push(...store.sources.get(name)!.values());
  return collectResourceSet(objects);
}
