/**
 * Small readers shared by the ClientTrafficPolicy sections: each reads one field, records a
 * problem with its path when it does not read, and gives the value or undefined.
 */
import { quantityValue } from '../../shared/quantity.js';
import { parseGatewayDuration } from './duration.js';
import { fieldsOf, type FieldError } from './validation-result.js';

/** Envoy's uint32 / int32 bounds. */
export const UINT32_MAX = 4_294_967_295;
export const INT32_MAX = 2_147_483_647;

export class Fields {
  readonly problems: FieldError[] = [];

  problem(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  /** The object at `path`, or undefined (a problem when it is given but not an object). */
  object(value: unknown, path: string): Record<string, unknown> | undefined {
    if (value === undefined || value === null) return undefined;
    const fields = fieldsOf(value);
    if (!fields) this.problem(path, `${path} must be an object`);
    return fields;
  }

  /** Fields of `object` not in `known`: each a problem ("not supported"). */
  onlyKnown(
    object: Record<string, unknown>,
    path: string,
    known: readonly string[],
    why = 'is not supported yet',
  ): void {
    for (const [key, value] of Object.entries(object)) {
      if (value === undefined || value === null || known.includes(key)) continue;
      this.problem(`${path}.${key}`, `${path}.${key} ${why}`);
    }
  }

  boolean(value: unknown, path: string): boolean | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') this.problem(path, `${path} must be true or false`);
    return typeof value === 'boolean' ? value : undefined;
  }

  integer(value: unknown, path: string, min: number, max: number): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.problem(path, `${path} must be a whole number from ${min} to ${max}`);
      return undefined;
    }
    return value;
  }

  /** A Gateway API duration (`10s`, `1m30s`) in milliseconds. */
  duration(value: unknown, path: string): number | undefined {
    if (value === undefined || value === null) return undefined;
    const ms = parseGatewayDuration(value);
    if (ms === undefined)
      this.problem(path, `${path} ${JSON.stringify(value)} is not a duration (like 10s, 1m30s, 500ms)`);
    return ms;
  }

  /** A size in bytes: a number, or a Kubernetes quantity (`32Ki`, `1Mi`), whole, within bounds. */
  size(value: unknown, path: string, min: number, max: number): number | undefined {
    if (value === undefined || value === null) return undefined;
    const bytes = typeof value === 'number' ? value : typeof value === 'string' ? quantityValue(value) : undefined;
    if (bytes === undefined || !Number.isInteger(bytes) || bytes < min || bytes > max) {
      this.problem(
        path,
        `${path} ${JSON.stringify(value)} must be a whole number of bytes from ${min} to ${max} (a number, or a quantity like 64Ki)`,
      );
      return undefined;
    }
    return bytes;
  }

  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T | undefined {
    if (value === undefined || value === null) return undefined;
    const found = allowed.find((a) => a === value);
    if (found === undefined) this.problem(path, `${path} ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
    return found;
  }
}
