/**
 * Validates a Gateway API object (or one of Portico's own kinds) as the API server would on
 * create, against the CRD of its apiVersion, and gives it the schema's defaults. The steps and their order are the API
 * server's (apiextensions-apiserver): strict field validation (an unknown field refuses the object
 * before anything else), dropping non-nullable nulls, defaulting, then ObjectMeta, the OpenAPI
 * schema, list-type invariants, and the CEL rules unless an earlier error blocks them.
 *
 * Each apiVersion/kind's schema is compiled on its first use and kept (compiling HTTPRoute's takes
 * a while: docs/BENCHMARKS.md); a process that reads no HTTPRoute never pays for it.
 */
import type { Ajv, ValidateFunction } from 'ajv';
import { crdSchemas, schemaKey } from './crd-schemas.js';
import type { CrdSchemaNode, CrdSchemas, CrdVersionSchema } from './crd-schemas.js';
import { validateCelRules } from './cel-rules.js';
import { duplicate, fieldPath, invalid, stableJson, unknownField } from './field-errors.js';
import type { DataPath, FieldError } from './field-errors.js';
import { unknownMetadataFields, validateObjectMeta } from './object-meta.js';
import { compileOpenApiSchema, createAjv, toFieldErrors } from './openapi-validation.js';
import { applyDefaults, pruneNonNullableNulls, unknownFields } from './structural.js';
import { isPlainObject } from '../shared/plain-object.js';

export type { FieldError } from './field-errors.js';

/** Root fields the CRD schema does not describe field by field. */
const ROOT_SKIPPED = new Set(['metadata', 'status']);

const NOT_CHECKED =
  'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';

interface CompiledKind {
  crd: CrdVersionSchema;
  validate: ValidateFunction;
}

export class ObjectValidator {
  private ajv: Ajv | undefined;
  private readonly compiled = new Map<string, CompiledKind>();

  constructor(private readonly schemas: () => CrdSchemas = crdSchemas) {}

  /** Whether objects of this apiVersion and kind have a schema to be checked against. */
  covers(apiVersion: string, kind: string): boolean {
    return this.schemas().has(schemaKey(apiVersion, kind));
  }

  /**
   * The API server's errors for this object, empty when it would be accepted. Applies the
   * schema's defaults to `object` in place (to its spec: status is the controller's).
   */
  validate(object: Record<string, unknown>): FieldError[] {
    const kind = this.compile(String(object.apiVersion), String(object.kind));
    if (!kind) return [];
    const { schema, namespaced } = kind.crd;

    // The API server sorts the paths its pruning finds (as strings); ObjectMeta's come first, unsorted.
    const pruned = unknownFields(object, schema, ROOT_SKIPPED)
      .map((path) => ({ path, text: fieldPath(path) }))
      .sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0))
      .map(({ path }) => path);
    const unknown = [...unknownMetadataFields(object.metadata), ...pruned];
    if (unknown.length > 0) return unknown.map(unknownField);

    const specSchema = schema.properties?.spec;
    pruneNonNullableNulls(object.spec, specSchema);
    if (object.spec === null && specSchema && !specSchema.nullable) delete object.spec;
    applyDefaults(object, { properties: specSchema ? { spec: specSchema } : {} });

    const errors: FieldError[] = [];
    if (isPlainObject(object.metadata)) errors.push(...validateObjectMeta(object.metadata, namespaced));
    if (!kind.validate(object)) errors.push(...toFieldErrors(kind.validate.errors ?? [], object, schema));
    errors.push(...listTypeErrors(object.spec, specSchema, ['spec']));
    if (errors.some((e) => e.blocking)) {
      errors.push({ path: [], message: `<nil>: Invalid value: null: ${NOT_CHECKED}`, blocking: false });
      return errors;
    }
    if (specSchema && object.spec !== undefined) {
      errors.push(...validateCelRules(object.spec, specSchema, ['spec']));
    }
    return errors;
  }

  /** Compiles (once) the schema of an apiVersion and kind; undefined when there is none. */
  compile(apiVersion: string, kind: string): CompiledKind | undefined {
    const key = schemaKey(apiVersion, kind);
    let compiled = this.compiled.get(key);
    if (compiled) return compiled;
    const crd = this.schemas().get(key);
    if (!crd) return undefined;
    this.ajv ??= createAjv();
    compiled = { crd, validate: compileOpenApiSchema(this.ajv, crd.schema) };
    this.compiled.set(key, compiled);
    return compiled;
  }
}

/** `x-kubernetes-list-type: set` and `map`: no two items (or two items' keys) alike. */
function listTypeErrors(value: unknown, schema: CrdSchemaNode | undefined, path: DataPath): FieldError[] {
  if (!schema || value === undefined || value === null) return [];
  const errors: FieldError[] = [];
  if (Array.isArray(value)) {
    const listType = schema['x-kubernetes-list-type'];
    if (listType === 'set') {
      for (const i of firstRepeats(value.map(stableJson))) errors.push(duplicate([...path, i], value[i]));
    } else if (listType === 'map') {
      const keys = schema['x-kubernetes-list-map-keys'] ?? [];
      const bad = value.findIndex((item) => item !== null && !isPlainObject(item));
      if (bad >= 0) return [invalid([...path, bad], value[bad], 'must be an object for an array of list-type map')];
      const keyOf = (item: unknown): Record<string, unknown> => {
        const key: Record<string, unknown> = {};
        for (const k of keys) if (isPlainObject(item) && k in item) key[k] = item[k];
        return key;
      };
      const itemKeys = value.map(keyOf);
      for (const i of firstRepeats(itemKeys.map(stableJson))) errors.push(duplicate([...path, i], itemKeys[i]));
    }
    value.forEach((item, i) => errors.push(...listTypeErrors(item, schema.items, [...path, i])));
  } else if (isPlainObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      const property = schema.properties?.[key];
      if (property) errors.push(...listTypeErrors(child, property, [...path, key]));
      else if (typeof schema.additionalProperties === 'object') {
        errors.push(...listTypeErrors(child, schema.additionalProperties, [...path, { mapKey: key }]));
      }
    }
  }
  return errors;
}

/** Indexes of the second occurrence of each repeated value. */
function firstRepeats(values: readonly string[]): number[] {
  const seen = new Map<string, number>();
  const repeats: number[] = [];
  values.forEach((v, i) => {
    const times = seen.get(v) ?? 0;
    if (times === 1) repeats.push(i);
    seen.set(v, times + 1);
  });
  return repeats;
}

let shared: ObjectValidator | undefined;

/** The process's validator over the Gateway API CRDs and Portico's own (its compiled schemas are kept). */
export function gatewayApiValidator(): ObjectValidator {
  shared ??= new ObjectValidator();
  return shared;
}
