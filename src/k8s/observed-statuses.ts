/**
 * The statuses the edge filter kept back from the pipeline (status-only updates are not
 * translated), laid over the store's objects when a translation runs. Without it the translator
 * would start from the status an object had when its spec last changed: it would restamp
 * `lastTransitionTime` of conditions that did not change, and not see route parents other
 * controllers wrote since.
 *
 * The overlay is applied by wrapping the pipeline's translator (`PipelineDeps.translator`), so the
 * translator itself stays pure: it receives the objects with their latest known status as input.
 */
import type { KubeObject, ResourceSet } from '../resources/types.js';
import { KINDS, type ResourceSetField } from '../resources/kinds.js';
import { objectIdentity } from '../pipeline/resource-store.js';
import type { Translator } from '../pipeline/translate-safely.js';

export class ObservedStatuses {
  private readonly statuses = new Map<string, unknown>();

  /** A status-only update was dropped at the edge: remember its status. */
  record(object: KubeObject): void {
    this.statuses.set(objectIdentity(object), object.status);
  }

  /** The object reached the pipeline (with its own, newer status) or was deleted. */
  clear(object: Pick<KubeObject, 'kind' | 'metadata'>): void {
    this.statuses.delete(objectIdentity(object));
  }

  get size(): number {
    return this.statuses.size;
  }

  /** `resources` with each recorded status in place of the store's older one. */
  overlay(resources: ResourceSet): ResourceSet {
    if (this.statuses.size === 0) return resources;
    const replace = <T extends KubeObject>(objects: T[]): T[] =>
      objects.map((object) => {
        const identity = objectIdentity(object);
        if (!this.statuses.has(identity)) return object;
        const status = this.statuses.get(identity);
        if (status === undefined) {
          const { status: _dropped, ...rest } = object;
          return rest as T;
        }
        return { ...object, status };
      });
    // The kinds whose status Portico computes: the translator reads their previous status.
    const replaced: Partial<Record<ResourceSetField, KubeObject[]>> = {};
    for (const { field, status } of KINDS) if (status) replaced[field] = replace(resources[field]);
    return { ...resources, ...replaced } as ResourceSet;
  }

  /** A translator that sees the latest observed statuses. */
  wrap(translator: Translator): Translator {
    return (resources, options) => translator(this.overlay(resources), options);
  }
}
