/**
 * The value checks of a CRD's OpenAPI v3 schema (types, enums, patterns, lengths, bounds, required
 * fields, formats), run by ajv, with ajv's errors worded as kube-openapi and the apiextensions
 * server word them. Unknown fields, nulls and defaults are `structural.ts`'s; CEL rules are
 * `cel-rules.ts`'s; metadata is ObjectMeta's (`object-meta.ts`).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { CrdSchemaNode } from './crd-schemas.js';
import { fieldPath, invalid, notSupported, required, tooLong, tooMany } from './field-errors.js';
import type { DataPath, FieldError, PathSegment } from './field-errors.js';

type JsonSchema = Record<string, unknown>;

/** The CRD schema as ajv reads it: value keywords only; metadata and status are not checked here. */
export function toJsonSchema(node: CrdSchemaNode, root = true): JsonSchema {
  const out: JsonSchema = {};
  if (node.type !== undefined) out.type = node.nullable ? [node.type, 'null'] : node.type;
  for (const key of [
    'format',
    'enum',
    'pattern',
    'minLength',
    'maxLength',
    'minimum',
    'maximum',
    'minItems',
    'maxItems',
    'minProperties',
    'maxProperties',
    'required',
  ] as const) {
    if (node[key] !== undefined) out[key] = node[key];
  }
  if (node.properties) {
    const properties: Record<string, JsonSchema> = {};
    for (const [name, child] of Object.entries(node.properties)) {
      // ObjectMeta is validated as the API server validates it, not by the CRD's `type: object`;
      // status is what the controller writes, and the API server resets it on create.
      if (root && (name === 'metadata' || name === 'status')) continue;
      properties[name] = toJsonSchema(child, false);
    }
    out.properties = properties;
  }
  if (node.items) out.items = toJsonSchema(node.items, false);
  if (typeof node.additionalProperties === 'object') {
    out.additionalProperties = toJsonSchema(node.additionalProperties, false);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const branches = node[key];
    if (branches) out[key] = branches.map((branch) => toJsonSchema(branch, false));
  }
  if (node.not) out.not = toJsonSchema(node.not, false);
  return out;
}

/**
 * One ajv instance for every schema. Formats are the ones the API server checks (strfmt's
 * date-time, ipv4, ipv6); `int32` and `int64` are not strfmt formats, so the API server ignores
 * them and so does Portico (the Gateway API bounds such fields with minimum/maximum anyway).
 */
export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true, validateSchema: false });
  ajv.addFormat('int32', { type: 'number', validate: () => true });
  ajv.addFormat('int64', { type: 'number', validate: () => true });
  ajv.addFormat('ipv4', (value: string) => isIPv4(value));
  ajv.addFormat('ipv6', (value: string) => isIPv6(value));
  // RFC 3339 as strfmt reads it (a date, 'T' or ' ', a time, a zone).
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/);
  return ajv;
}

export function compileOpenApiSchema(ajv: Ajv, schema: CrdSchemaNode): ValidateFunction {
  return ajv.compile(toJsonSchema(schema));
}

/** ajv's errors for one object, as the API server's field errors. */
export function toFieldErrors(errors: readonly ErrorObject[], data: unknown, schema: CrdSchemaNode): FieldError[] {
  const result: FieldError[] = [];
  // Errors inside anyOf/oneOf branches are summed up by the composite's own message (kube-openapi
  // adds the closest branch's errors, which ajv cannot tell); the composite blocks the CEL rules
  // when what failed inside it would have.
  const composites = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const inside = (error: ErrorObject, composite: ErrorObject): boolean =>
    error !== composite && error.schemaPath.startsWith(`${composite.schemaPath}/`);
  for (const error of errors) {
    if (composites.some((composite) => inside(error, composite))) continue;
    const converted = toFieldError(error, dataPath(error.instancePath, data, schema));
    if (!converted) continue;
    if (composites.includes(error)) {
      converted.blocking = errors.some(
        (e) => inside(e, error) && toFieldError(e, dataPath(e.instancePath, data, schema))?.blocking,
      );
    }
    result.push(converted);
  }
  return result;
}

function toFieldError(error: ErrorObject, path: DataPath): FieldError | undefined {
  const params = error.params as Record<string, unknown>;
  const field = fieldName(path);
  const value: unknown = error.data;
  switch (error.keyword) {
    case 'required':
      return required([...path, String(params.missingProperty)]);
    case 'type': {
      const actual = jsonType(value);
      const expected = Array.isArray(params.type) ? params.type.join(',') : String(params.type);
      return invalid(path, actual, `${field} in body must be of type ${expected}: "${actual}"`, true);
    }
    case 'enum':
      return notSupported(path, value, (params.allowedValues as unknown[]) ?? []);
    case 'maxLength':
      return tooLong(path, Number(params.limit));
    case 'minLength':
      return invalid(path, value, `${field} in body should be at least ${String(params.limit)} chars long`);
    case 'pattern':
      return invalid(path, value, `${field} in body should match '${String(params.pattern)}'`);
    case 'minimum':
      return invalid(path, value, `${field} in body should be greater than or equal to ${String(params.limit)}`);
    case 'maximum':
      return invalid(path, value, `${field} in body should be less than or equal to ${String(params.limit)}`);
    case 'maxItems':
      return tooMany(path, (value as unknown[]).length, Number(params.limit));
    case 'minItems':
      return invalid(
        path,
        (value as unknown[]).length,
        `${field} in body should have at least ${String(params.limit)} items`,
      );
    case 'maxProperties':
      return tooMany(path, Object.keys(value as object).length, Number(params.limit));
    case 'minProperties':
      return invalid(
        path,
        Object.keys(value as object).length,
        `${field} in body should have at least ${String(params.limit)} properties`,
      );
    case 'format':
      return invalid(
        path,
        value,
        `${field} in body must be of type ${String(params.format)}: ${JSON.stringify(value)}`,
        true,
      );
    case 'oneOf': {
      const passing = params.passingSchemas;
      const found = Array.isArray(passing) ? `Found ${passing.length} valid alternatives` : 'Found none valid';
      return invalid([], '', `"${field}" must validate one and only one schema (oneOf). ${found}`);
    }
    case 'anyOf':
      return invalid([], '', `"${field}" must validate at least one schema (anyOf)`);
    case 'not':
      return invalid([], '', `"${field}" must not validate the schema (not)`);
    default:
      return invalid(path, value, `${field} in body ${error.message ?? 'is invalid'}`);
  }
}

/** The field name kube-openapi puts in its messages (`spec.rules[0]`; empty at the root). */
function fieldName(path: DataPath): string {
  return path.length === 0 ? '' : fieldPath(path);
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** An ajv instance path (JSON pointer) as property names, indexes and map keys. */
function dataPath(pointer: string, data: unknown, schema: CrdSchemaNode | undefined): DataPath {
  if (pointer === '') return [];
  const path: PathSegment[] = [];
  let node: unknown = data;
  let s = schema;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      path.push(Number(key));
      node = node[Number(key)];
      s = s?.items;
    } else if (s?.properties?.[key]) {
      path.push(key);
      node = (node as Record<string, unknown> | undefined)?.[key];
      s = s.properties[key];
    } else {
      // kube-openapi names a map entry `parent.key` (not `parent[key]` as CEL errors do).
      path.push(key);
      node = (node as Record<string, unknown> | undefined)?.[key];
      s = typeof s?.additionalProperties === 'object' ? s.additionalProperties : undefined;
    }
  }
  return path;
}
