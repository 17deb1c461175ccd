/**
 * The translation step of the pipeline: a plain synchronous call to the pure core. `translate()` is
 * written never to throw, but an exception escaping into an RxJS operator would end the stream for
 * good, so this step turns one into a result and the pipeline keeps serving the last good output.
 */
import type { KubeObject, ResourceSet } from '../resources/types.js';
import { translate } from '../translate/index.js';
import type { TranslateOptions, TranslationResult } from '../translate/index.js';
import { errorMessage } from './logger.js';
import { objectIdentity } from './resource-store.js';

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
 */
export function withLastComputedStatus(resources: ResourceSet, last: readonly KubeObject[] | undefined): ResourceSet {
  if (!last || last.length === 0) return resources;
  const statusByIdentity = new Map<string, unknown>();
  for (const object of last) {
    if (object.status !== undefined) statusByIdentity.set(objectIdentity(object), object.status);
  }
  const carry = <T extends KubeObject>(objects: T[]): T[] =>
    objects.map((object) => {
      if (object.status !== undefined) return object;
      const status = statusByIdentity.get(objectIdentity(object));
      return status === undefined ? object : { ...object, status };
    });
  return {
    ...resources,
    gatewayClasses: carry(resources.gatewayClasses),
    gateways: carry(resources.gateways),
    httpRoutes: carry(resources.httpRoutes),
  };
}
