/**
 * Input read from YAML files has had no schema validation, so a field documented as a list may be
 * anything. Code that must not fail because of a neighbour's malformed object reads lists through here.
 */
export function list<T>(value: T[] | undefined | null): T[] {
  return Array.isArray(value) ? value : [];
}

export function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
