/**
 * Folds a list of Kubernetes objects into the one immutable input of the translator: a
 * `ResourceSet` with every kind in its own list, sorted, so the same objects always give the
 * same translation whatever order they were read in.
 */
import type { KubeObject, ResourceSet } from './types.js';
import { KIND_BY_NAME, KINDS } from './kinds.js';
import type { ResourceSetField } from './kinds.js';
import { readInput } from './read/read-input.js';

export const DEFAULT_NAMESPACE = 'default';

export interface CollectedResourceSet {
  resources: ResourceSet;
  warnings: string[];
}

export function buildResourceSet(objects: readonly KubeObject[]): ResourceSet {
  return collectResourceSet(objects).resources;
}

/** Like `buildResourceSet`, also returning what was dropped or overridden on the way. */
export function collectResourceSet(objects: readonly KubeObject[]): CollectedResourceSet {
  const warnings: string[] = [];
  const byBucket = new Map<keyof ResourceSet, Map<string, KubeObject>>();

  for (const object of objects) {
    const kind = KIND_BY_NAME.get(object.kind);
    if (!kind) {
      warnings.push(unsupportedKindWarning(object));
      continue;
    }
    const normalized = withScope(object, kind.namespaced);
    readInput(normalized);
    const key = objectKey(normalized);
    let bucket = byBucket.get(kind.field);
    if (!bucket) {
      bucket = new Map();
      byBucket.set(kind.field, bucket);
    }
    if (bucket.has(key)) {
      warnings.push(duplicateWarning(object, key));
      // Delete first so the survivor also takes the later position; order is re-sorted anyway.
      bucket.delete(key);
    }
    bucket.set(key, normalized);
  }

  const sorted = (bucket: keyof ResourceSet): KubeObject[] =>
    [...(byBucket.get(bucket)?.values() ?? [])].sort(compareByNamespaceAndName);

  return { resources: assembleResourceSet(sorted), warnings };
}

/**
 * A ResourceSet from each kind's list, one field per row of the kind table (which has a row for
 * every field). The cast is sound in shape only: objects are untrusted input and the translator
 * validates fields.
 */
export function assembleResourceSet(list: (field: ResourceSetField) => KubeObject[]): ResourceSet {
  const set: Partial<Record<ResourceSetField, KubeObject[]>> = {};
  for (const { field } of KINDS) set[field] = list(field);
  return set as unknown as ResourceSet;
}

export const unsupportedKindWarning = (object: KubeObject): string =>
  `ignoring ${object.kind} ${object.metadata.name}: kind not supported`;

export const duplicateWarning = (object: KubeObject, key: string): string =>
  `duplicate ${object.kind} ${key}: the last definition wins`;

/** Namespaced objects default to `default` (as kubectl does); cluster-scoped ones carry no namespace. */
export function withScope(object: KubeObject, namespaced: boolean): KubeObject {
  const { namespace } = object.metadata;
  if (namespaced && !namespace) {
    return { ...object, metadata: { ...object.metadata, namespace: DEFAULT_NAMESPACE } };
  }
  if (!namespaced && namespace !== undefined) {
    const { namespace: _ignored, ...metadata } = object.metadata;
    return { ...object, metadata };
  }
  return object;
}

/** Unique within a kind once `withScope` has normalised the object. */
export function objectKey(object: KubeObject): string {
  const { namespace, name } = object.metadata;
  return namespace === undefined ? name : `${namespace}/${name}`;
}

/** Code-unit order, not `localeCompare`: the result must not depend on the machine's locale. */
export function compareByNamespaceAndName(a: KubeObject, b: KubeObject): number {
  return (
    compareStrings(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
    compareStrings(a.metadata.name, b.metadata.name)
  );
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
