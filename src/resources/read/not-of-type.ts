/**
 * A field whose value is not of the type the spec gives it, kept as written where the translator
 * compared or quoted the written value before the readers: it equals no value of the right type
 * (a protocol `['TCP']` is no TCP port), and a message quotes it as it quoted the value
 * (`String`, template literals).
 */
export class NotOfType {
  constructor(readonly written: unknown) {}

  toString(): string {
    return String(this.written);
  }
}

/** A string field's reading: the string, absent for absent or null, else the value as written. */
export function stringOrNotOfType(value: unknown): string | NotOfType | undefined {
  return value === undefined || value === null || typeof value === 'string'
    ? (value ?? undefined)
    : new NotOfType(value);
}

/** The value as written: a `NotOfType` unwrapped, for comparisons that compared written values. */
export function asWritten(value: unknown): unknown {
  return value instanceof NotOfType ? value.written : value;
}
