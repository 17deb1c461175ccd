/**
 * 64-bit integers as protobufjs decodes them: a `Long` (when the `long` package is present) rather
 * than a number, so that values above 2^53 survive. Both the round-trip check and the JSON printer
 * must recognise one.
 */
export interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
  toString(): string;
}

export function isLongLike(value: unknown): value is LongLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as LongLike).low === 'number' &&
    typeof (value as LongLike).high === 'number'
  );
}
