/**
 * Small field readers shared by the BackendTrafficPolicy section readers: each reads one field of
 * an object, records a problem naming its path when it does not read, and returns undefined then.
 */
import { parseGatewayDuration } from './duration.js';
import { fieldsOf, type FieldError } from './validation-result.js';

const UINT32_MAX = 4_294_967_295;

export class SectionFields {
  constructor(
    readonly fields: Record<string, unknown>,
    readonly at: string,
    /** Shared by a section's objects: every problem of the section. */
    readonly problems: FieldError[] = [],
  ) {}

  /** A sub-object of the section (absent: undefined; not an object: a problem). */
  static of(value: unknown, at: string, problems: FieldError[]): SectionFields | undefined {
    const f = fieldsOf(value);
    if (!f) {
      problems.push({ path: at, message: `${at.split('.').at(-1)!} must be an object` });
      return undefined;
    }
    return new SectionFields(f, at, problems);
  }

  has(name: string): boolean {
    return this.fields[name] !== undefined && this.fields[name] !== null;
  }

  private refuse(name: string, message: string): undefined {
    this.problems.push({ path: `${this.at}.${name}`, message: `${this.at.replace(/^spec\./, '')}.${name} ${message}` });
    return undefined;
  }

  /** An integer from `min` to `max` (uint32 by default). */
  int(name: string, fallback?: number, min = 0, max = UINT32_MAX): number | undefined {
    if (!this.has(name)) return fallback;
    const v = this.fields[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      return this.refuse(name, `must be an integer from ${min} to ${max}`);
    return v;
  }

  /** A Gateway API duration in milliseconds; `positive`: 0 refused (Envoy requires it above zero). */
  durationMs(name: string, fallback?: number, positive = true): number | undefined {
    if (!this.has(name)) return fallback;
    const ms = parseGatewayDuration(this.fields[name]);
    if (ms === undefined) return this.refuse(name, 'must be a duration such as 500ms, 10s or 1m');
    if (positive && ms === 0) return this.refuse(name, 'must be longer than 0s');
    return ms;
  }

  bool(name: string, fallback: boolean): boolean {
    if (!this.has(name)) return fallback;
    const v = this.fields[name];
    if (typeof v !== 'boolean') {
      this.refuse(name, 'must be true or false');
      return fallback;
    }
    return v;
  }

  oneOf<T extends string>(name: string, values: readonly T[], required = true): T | undefined {
    const v = this.fields[name];
    if (!this.has(name)) return required ? this.refuse(name, `must be set to one of ${values.join(', ')}`) : undefined;
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v))
      return this.refuse(name, `must be one of ${values.join(', ')}`);
    return v as T;
  }

  /** A string of 1 to `max` characters matching `re` when given. */
  string(name: string, max: number, re?: RegExp, what?: string): string | undefined {
    if (!this.has(name)) return undefined;
    const v = this.fields[name];
    if (typeof v !== 'string' || v.length === 0 || v.length > max || (re && !re.test(v)))
      return this.refuse(name, what ?? `must be a string of 1 to ${max} characters`);
    return v;
  }

  /** A sub-object, read as its own SectionFields (problems shared); absent: undefined. */
  sub(name: string): SectionFields | undefined {
    if (!this.has(name)) return undefined;
    return SectionFields.of(this.fields[name], `${this.at}.${name}`, this.problems);
  }

  /** Refuses every field not in `known` (a field of Envoy Gateway's that Portico does not implement). */
  only(known: readonly string[]): void {
    for (const name of Object.keys(this.fields)) {
      if (!known.includes(name) && this.has(name)) this.refuse(name, 'is not supported by Portico');
    }
  }

  /** A problem about the object as a whole. */
  problem(message: string): void {
    this.problems.push({ path: this.at, message });
  }
}
