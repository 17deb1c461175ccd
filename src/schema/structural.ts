/**
 * What the API server does to a custom resource between decoding it and validating it, over its
 * CRD's structural schema (k8s.io/apiextensions-apiserver, schema/pruning and schema/defaulting):
 * find the fields the schema does not know (strict field validation refuses the object for them),
 * drop `null` fields that are neither nullable nor defaulted, then apply the schema's defaults.
 * Defaulting is what makes a file-mode object mean what it would mean in a cluster: an HTTPRoute
 * rule without `matches` matches `PathPrefix /`, a backendRef without `weight` weighs 1, and so on.
 */
import type { CrdSchemaNode } from './crd-schemas.js';
import type { DataPath } from './field-errors.js';

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function childSchema(schema: CrdSchemaNode | undefined, key: string): CrdSchemaNode | undefined {
  if (!schema) return undefined;
  const property = schema.properties?.[key];
  if (property) return property;
  return typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
}

/**
 * Paths of fields the schema does not declare, in document order. `skip` names root fields read
 * elsewhere (metadata is ObjectMeta, checked by `object-meta.ts`).
 */
export function unknownFields(value: Json, schema: CrdSchemaNode, skip: ReadonlySet<string>): DataPath[] {
  const found: DataPath[] = [];
  const walk = (node: Json, s: CrdSchemaNode, path: DataPath): void => {
    if (s['x-kubernetes-preserve-unknown-fields']) return;
    if (Array.isArray(node)) {
      if (s.items) node.forEach((item, i) => walk(item, s.items!, [...path, i]));
      return;
    }
    if (!isObject(node)) return;
    for (const [key, child] of Object.entries(node)) {
      if (path.length === 0 && skip.has(key)) continue;
      const property = s.properties?.[key];
      if (property) walk(child, property, [...path, key]);
      else if (typeof s.additionalProperties === 'object')
        walk(child, s.additionalProperties, [...path, { mapKey: key }]);
      else if (s.additionalProperties !== true) found.push([...path, key]);
    }
  };
  walk(value, schema, []);
  return found;
}

/** Drops `field: null` where the field is neither nullable nor defaulted (as if it were absent). */
export function pruneNonNullableNulls(value: Json, schema: CrdSchemaNode | undefined): void {
  if (Array.isArray(value)) {
    for (const item of value) pruneNonNullableNulls(item, schema?.items);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const s = childSchema(schema, key);
    if (child === null && s && !s.nullable && s.default === undefined) delete value[key];
    else pruneNonNullableNulls(child, s);
  }
}

/** Applies `default`s in place, including inside the defaults it applies. */
export function applyDefaults(value: Json, schema: CrdSchemaNode | undefined): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    const items = schema.items;
    value.forEach((item, i) => {
      if (item === null && items && !items.nullable && items.default !== undefined) value[i] = copyJson(items.default);
      applyDefaults(value[i], items);
    });
    return;
  }
  if (!isObject(value)) return;
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    if (property.default === undefined) continue;
    if (!(key in value) || (value[key] === null && !property.nullable)) value[key] = copyJson(property.default);
  }
  for (const [key, child] of Object.entries(value)) {
    const property = schema.properties?.[key];
    if (property) applyDefaults(child, property);
    else if (typeof schema.additionalProperties === 'object') {
      const additional = schema.additionalProperties;
      if (child === null && !additional.nullable && additional.default !== undefined) {
        value[key] = copyJson(additional.default);
      }
      applyDefaults(value[key], additional);
    }
  }
}

/**
 * A fresh copy of a default. JSON rather than structuredClone: structuredClone builds its result in
 * the main realm, and a CEL library loaded in another realm (Jest's VM modules) does not recognise
 * such arrays as lists.
 */
function copyJson(value: Json): Json {
  return JSON.parse(JSON.stringify(value)) as Json;
}
