/**
 * Whether a parsed (YAML/JSON) value is an object with fields: not null and not an array, which
 * `typeof` alone lets through.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
