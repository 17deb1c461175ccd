/**
 * `metadata` as the API server reads it for a custom resource: ObjectMeta's fields only (strict
 * field validation names any other), the name a DNS subdomain, the namespace a DNS label, labels
 * and annotations maps of strings. The rest of ObjectMeta's rules (label syntax, owner references,
 * finalizers) are left to the API server: Portico does not read those fields.
 */
import { invalid } from './field-errors.js';
import type { DataPath, FieldError } from './field-errors.js';

const OBJECT_META_FIELDS = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_LABEL = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);

/** Fields of `metadata` that ObjectMeta does not have. */
export function unknownMetadataFields(metadata: unknown): DataPath[] {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return [];
  return Object.keys(metadata)
    .filter((key) => !OBJECT_META_FIELDS.has(key))
    .map((key) => ['metadata', key]);
}

export function validateObjectMeta(metadata: Record<string, unknown>, namespaced: boolean): FieldError[] {
  const errors: FieldError[] = [];
  const { name, namespace } = metadata;
  if (typeof name === 'string') {
    if (name.length > 253) errors.push(invalid(['metadata', 'name'], name, 'must be no more than 253 characters'));
    if (!DNS1123_SUBDOMAIN.test(name)) {
      errors.push(
        invalid(
          ['metadata', 'name'],
          name,
          `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${DNS1123_SUBDOMAIN_FMT}')`,
        ),
      );
    }
  }
  if (namespaced && typeof namespace === 'string' && namespace !== '') {
    if (namespace.length > 63)
      errors.push(invalid(['metadata', 'namespace'], namespace, 'must be no more than 63 characters'));
    if (!DNS1123_LABEL.test(namespace)) {
      errors.push(
        invalid(
          ['metadata', 'namespace'],
          namespace,
          `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '${DNS1123_LABEL_FMT}')`,
        ),
      );
    }
  }
  for (const field of ['labels', 'annotations'] as const) {
    const map = metadata[field];
    if (map === undefined || map === null) continue;
    if (typeof map !== 'object' || Array.isArray(map)) {
      errors.push(invalid(['metadata', field], map, 'must be a map of strings', true));
      continue;
    }
    for (const [key, value] of Object.entries(map)) {
      if (typeof value !== 'string') errors.push(invalid(['metadata', field, key], value, 'must be a string', true));
    }
  }
  return errors;
}
