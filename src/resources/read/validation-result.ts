/**
 * What reading one untrusted object gives: the typed value the spec promises, or why not, each
 * reason with the path of the field it is about (as the API server words a field error).
 *
 * Input reaches the translator from sources that do not all validate it (see
 * test/unit/translator-defence.test.ts), so a kind's reader checks the shape once, where the
 * ResourceSet is built, and the translator works on the reader's types instead of checking again.
 */
export interface FieldError {
  /** `spec.validation.hostname`, `spec.from[2]`. */
  path: string;
  message: string;
}

export type ValidationResult<T> = { valid: true; result: T } | { valid: false; errors: FieldError[] };

/**
 * Readings are kept for as long as their objects (a 10,000-route input holds hundreds of
 * thousands): the commonest results, nothing and an empty list, are one shared frozen object.
 */
const VALID_UNDEFINED: ValidationResult<undefined> = Object.freeze({ valid: true, result: undefined });
const VALID_EMPTY_LIST: ValidationResult<readonly never[]> = Object.freeze({
  valid: true,
  result: Object.freeze([]),
});

export function valid<T>(result: T): ValidationResult<T> {
  if (result === undefined) return VALID_UNDEFINED as ValidationResult<T>;
  if (Array.isArray(result) && result.length === 0) return VALID_EMPTY_LIST as ValidationResult<T>;
  return { valid: true, result };
}

/**
 * In the readings of route kinds, which come by the thousand and are kept as long as their
 * objects: a field or entry that does not read, in place of its value. A valid value is the
 * input's own (no wrapper, no copy), so a route written as the spec says reads to itself; a
 * `Refused` is a class instance, which no parsed YAML or JSON can be, so it cannot be forged.
 */
export class Refused<E extends FieldError = FieldError> {
  constructor(readonly errors: readonly E[]) {}
}

/**
 * `items` read one by one: the list itself when every item reads to itself, else a new list.
 * The paths are made only where a problem is found (`read` is given the index).
 */
export function sameOrCopy<R>(items: readonly unknown[], read: (item: unknown, index: number) => R): readonly R[] {
  let out: R[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const r = read(items[i], i);
    if (out) out.push(r);
    else if (r !== items[i]) (out = items.slice(0, i) as R[]).push(r);
  }
  return out ?? (items as readonly R[]);
}

/** An empty reading of a list: one shared frozen array. */
export const NO_ITEMS: readonly never[] = Object.freeze([]);

export function invalid<T>(path: string, message: string): ValidationResult<T> {
  return { valid: false, errors: [{ path, message }] };
}

/** A field's value as an object with fields, or undefined (null, a scalar, a list). */
export function fieldsOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** A list field as a list; anything else (absent, or not a list) as no items. */
export function itemsOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}
