/**
 * Filtering at the edge: informer events that change nothing Portico translates are dropped before
 * they reach the pipeline, so that they cost no translation.
 *
 *   - An update with the resourceVersion already seen is a relist or resync echo: dropped.
 *   - For spec-only kinds (Gateway API objects Portico reads the spec of), an update that changes
 *     neither `metadata.generation` nor labels/annotations only changed the status — typically
 *     Portico's own status write, or another controller's. It is not translated, but its status is
 *     kept (see `ObservedStatuses`) so the next translation starts from the live status: unchanged
 *     conditions keep their `lastTransitionTime` and other controllers' route parents stay.
 *
 * Pure state machine over what was seen last; no clock, no I/O.
 */
import type { KubeObject } from '../resources/types.js';
import { objectIdentity } from '../pipeline/resource-store.js';

/** What the filter remembers of the last forwarded or observed version of an object. */
export interface SeenVersion {
  resourceVersion: string | undefined;
  generation: number | undefined;
  /** Labels and annotations, canonical JSON. */
  meta: string;
}

export type EdgeDecision =
  /** Forward to the pipeline (a new object, or one whose translated content may have changed). */
  | 'forward'
  /** Nothing changed (same resourceVersion). */
  | 'unchanged'
  /** Only the status (or unrelated metadata) changed: keep the status, do not translate. */
  | 'status-only';

export function seenVersionOf(object: KubeObject): SeenVersion {
  return {
    resourceVersion: object.metadata.resourceVersion,
    generation: object.metadata.generation,
    meta: canonicalMeta(object),
  };
}

/** The decision for an add or update of `object`, given what was seen last (undefined: never). */
export function edgeDecision(previous: SeenVersion | undefined, object: KubeObject, specOnly: boolean): EdgeDecision {
  if (!previous) return 'forward';
  const { resourceVersion, generation } = object.metadata;
  if (resourceVersion !== undefined && resourceVersion === previous.resourceVersion) return 'unchanged';
  if (!specOnly || generation === undefined || previous.generation === undefined) return 'forward';
  if (generation !== previous.generation) return 'forward';
  return canonicalMeta(object) === previous.meta ? 'status-only' : 'forward';
}

/** Per-object memory of `edgeDecision`, for one provider. */
export class EdgeFilter {
  private readonly seen = new Map<string, SeenVersion>();

  constructor(private readonly specOnlyKinds: ReadonlySet<string>) {}

  /** Decides for an add or update and remembers the object as seen. */
  observe(object: KubeObject): EdgeDecision {
    const identity = objectIdentity(object);
    const decision = edgeDecision(this.seen.get(identity), object, this.specOnlyKinds.has(object.kind));
    if (decision !== 'unchanged') this.seen.set(identity, seenVersionOf(object));
    return decision;
  }

  /** A delete: forgets the object. Returns whether it had been seen. */
  forget(object: Pick<KubeObject, 'kind' | 'metadata'>): boolean {
    return this.seen.delete(objectIdentity(object));
  }

  get size(): number {
    return this.seen.size;
  }
}

function canonicalMeta(object: KubeObject): string {
  return JSON.stringify([sortedEntries(object.metadata.labels), sortedEntries(object.metadata.annotations)]);
}

function sortedEntries(record: Record<string, string> | undefined): [string, string][] {
  if (!record || typeof record !== 'object') return [];
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
