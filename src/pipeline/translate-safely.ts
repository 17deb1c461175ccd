/**
 * The translation step of the pipeline: a plain synchronous call to the pure core. `translate()` is
 * written never to throw, but an exception escaping into an RxJS operator would end the stream for
 * good, so this step turns one into a result and the pipeline keeps serving the last good output.
 */
import type { KubeObject, ResourceSet } from '../resources/types.js';
import { KINDS } from '../resources/kinds.js';
import type { ResourceSetField } from '../resources/kinds.js';
import { translate } from '../translate/index.js';
import type { TranslateOptions, TranslationResult } from '../translate/index.js';
import { errorMessage } from '../shared/error-message.js';
import { objectIdentity } from './resource-store.js';
import { sameElements } from '../shared/same-elements.js';

export type TranslationOutcome =
  { ok: true; result: TranslationResult; durationMs: number } | { ok: false; error: string; durationMs: number };

export type Translator = (resources: ResourceSet, options: TranslateOptions) => TranslationResult;

export function translateSafely(
  resources: ResourceSet,
  options: TranslateOptions,
  translator: Translator = translate,
): TranslationOutcome {
  const started = performance.now();
  try {
    const result = translator(resources, options);
    return { ok: true, result, durationMs: performance.now() - started };
  } catch (err) {
    return { ok: false, error: errorMessage(err), durationMs: performance.now() - started };
  }
}

/**
 * Objects from a provider without a status store (files) get the status Portico computed last
 * time, so that a condition that did not change keeps its `lastTransitionTime` across translations,
 * as it does in a cluster where the status lives on the object.
 *
 * Stateful only to give the same answer cheaply: an object whose status to carry is the same as
 * last time gets the same carried object, and a list whose objects are all the same is the same
 * list. The translator's memos recognise both by identity, so an unchanged route costs a lookup.
 */
export class LastStatusCarrier {
  private readonly carried = new WeakMap<KubeObject, { status: unknown; object: KubeObject }>();
  /** Identities by metadata object (shared by an object, its carried copy and its output), with the kind they were made for. */
  private readonly identities = new WeakMap<object, { kind: string; identity: string }>();
  private readonly lists = new Map<string, KubeObject[]>();

  carry(resources: ResourceSet, last: readonly KubeObject[] | undefined): ResourceSet {
    if (!last || last.length === 0) return resources;
    const statusByIdentity = new Map<string, unknown>();
    for (const object of last) {
      if (object.status !== undefined) statusByIdentity.set(this.identity(object), object.status);
    }
    const carry = <T extends KubeObject>(kind: string, objects: T[]): T[] => {
      const out = objects.map((object) => {
        if (object.status !== undefined) return object;
        const status = statusByIdentity.get(this.identity(object));
        if (status === undefined) return object;
        const known = this.carried.get(object);
        if (known?.status === status) return known.object as T;
        const carried = { ...object, status };
        this.carried.set(object, { status, object: carried });
        return carried;
      });
      const previous = this.lists.get(kind) as T[] | undefined;
      if (previous && sameElements(previous, out)) return previous;
      this.lists.set(kind, out);
      return out;
    };
    // Kinds whose status Portico computes: the translator reads their last status (transition
    // times). `carry` keeps each object's type, so every field keeps its element type.
    const carried: Partial<Record<ResourceSetField, KubeObject[]>> = {};
    for (const { kind, field, status } of KINDS) if (status) carried[field] = carry(kind, resources[field]);
    return { ...resources, ...carried } as ResourceSet;
  }

  private identity(object: KubeObject): string {
    const known = this.identities.get(object.metadata);
    if (known?.kind === object.kind) return known.identity;
    // Objects of two kinds can share one metadata object (a YAML alias): cache the first only.
    const identity = objectIdentity(object);
    if (!known) this.identities.set(object.metadata, { kind: object.kind, identity });
    return identity;
  }
}
