/**
 * Field errors worded as the API server words them (k8s.io/apimachinery `field.Error`, with the
 * details kube-openapi and the apiextensions CEL validator put in them), so that an object refused
 * in file mode reads exactly as `kubectl apply` would have refused it.
 */

/** A property name, an array index, or a key of a map (`additionalProperties`). */
export type PathSegment = string | number | { mapKey: string };
export type DataPath = readonly PathSegment[];

export interface FieldError {
  /** Where in the object (for the line number); may name a node the input does not have (a default). */
  path: DataPath;
  message: string;
  /** The API server skips CEL rules when the object has an error of this kind. */
  blocking: boolean;
}

/** `spec.rules[0].matches[0].path`, as `field.Path` prints it. */
export function fieldPath(path: DataPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'object') text += `[${segment.mapKey}]`;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text === '' ? '<nil>' : text;
}

/** A bad value as `field.Error` prints it (%q for strings, %v for numbers, JSON otherwise). */
function badValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return stableJson(value);
}

/** JSON with map keys sorted, as Go's encoding/json prints a map. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Marks a value `field.Error` omits (CEL rules on objects and arrays). */
export const OMIT_VALUE = Symbol('omit value');

export function invalid(path: DataPath, value: unknown, detail: string, blocking = false): FieldError {
  const shown = value === OMIT_VALUE ? 'Invalid value' : `Invalid value: ${badValue(value)}`;
  return { path, message: `${fieldPath(path)}: ${shown}: ${detail}`, blocking };
}

export function required(path: DataPath, detail = ''): FieldError {
  return { path, message: `${fieldPath(path)}: Required value${detail ? `: ${detail}` : ''}`, blocking: true };
}

export function forbidden(path: DataPath, detail: string): FieldError {
  return { path, message: `${fieldPath(path)}: Forbidden: ${detail}`, blocking: false };
}

export function notSupported(path: DataPath, value: unknown, supported: readonly unknown[]): FieldError {
  const values = supported.map((v) => JSON.stringify(typeof v === 'string' ? v : stableJson(v))).join(', ');
  return {
    path,
    message: `${fieldPath(path)}: Unsupported value: ${badValue(value)}: supported values: ${values}`,
    blocking: true,
  };
}

export function tooLong(path: DataPath, max: number): FieldError {
  return {
    path,
    message: `${fieldPath(path)}: Too long: may not be more than ${max} ${max === 1 ? 'byte' : 'bytes'}`,
    blocking: true,
  };
}

export function tooMany(path: DataPath, actual: number, max: number): FieldError {
  return {
    path,
    message: `${fieldPath(path)}: Too many: ${actual}: must have at most ${max} ${max === 1 ? 'item' : 'items'}`,
    blocking: true,
  };
}

export function duplicate(path: DataPath, value: unknown): FieldError {
  return { path, message: `${fieldPath(path)}: Duplicate value: ${badValue(value)}`, blocking: false };
}

/** Strict field validation's wording (the object is refused before any other check). */
export function unknownField(path: DataPath): FieldError {
  return { path, message: `unknown field "${fieldPath(path)}"`, blocking: true };
}
