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
  /**
   * Each object as last laid over, with the status laid over it: the same object and status give
   * the same object again, so the translation cache finds it unchanged (every route carries a
   * recorded status once Portico has written them all, and new copies of all of them on every
   * change would make each translation compare every route again).
   */
  private readonly overlaid = new WeakMap<KubeObject, { status: unknown; object: KubeObject }>();
  /** Each list as last laid over, while no status was recorded or cleared since. */
  private readonly lists = new WeakMap<readonly KubeObject[], { version: number; list: KubeObject[] }>();
  private version = 0;

  /** A status-only update was dropped at the edge: remember its status. */
  record(object: KubeObject): void {
    this.statuses.set(objectIdentity(object), object.status);
    this.version++;
  }

  /** The object reached the pipeline (with its own, newer status) or was deleted. */
  clear(object: Pick<KubeObject, 'kind' | 'metadata'>): void {
    if (this.statuses.delete(objectIdentity(object))) this.version++;
  }

  get size(): number {
    return this.statuses.size;
  }

  /** `resources` with each recorded status in place of the store's older one. */
  overlay(resources: ResourceSet): ResourceSet {
    if (this.statuses.size === 0) return resources;
    const replace = <T extends KubeObject>(objects: T[]): T[] => {
      const last = this.lists.get(objects);
      if (last && last.version === this.version) return last.list as T[];
      const list = objects.map((object) => this.laidOver(object));
      this.lists.set(objects, { version: this.version, list });
      return list;
    };
    // The kinds whose status Portico computes: the translator reads their previous status.
    const replaced: Partial<Record<ResourceSetField, KubeObject[]>> = {};
    for (const { field, status } of KINDS) if (status) replaced[field] = replace(resources[field]);
    return { ...resources, ...replaced } as ResourceSet;
  }

  private laidOver<T extends KubeObject>(object: T): T {
    const identity = objectIdentity(object);
    if (!this.statuses.has(identity)) return object;
    const status = this.statuses.get(identity);
    const last = this.overlaid.get(object);
    if (last && last.status === status) return last.object as T;
    let out: T;
    if (status === undefined) {
      const { status: _dropped, ...rest } = object;
      out = rest as T;
    } else {
      out = { ...object, status };
    }
    this.overlaid.set(object, { status, object: out });
    return out;
  }

  /** A translator that sees the latest observed statuses. */
  wrap(translator: Translator): Translator {
    return (resources, options) => translator(this.overlay(resources), options);
  }
}
