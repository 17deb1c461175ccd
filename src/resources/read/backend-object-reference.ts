/**
 * A BackendObjectReference read (see backend-ref.ts, which re-exports it): its own module so that
 * the filter reader (a RequestMirror's backendRef) and the backendRef reader both use it.
 */
import type { BackendObjectReference } from '../types.js';
import { fieldsOf, valid, type FieldError, type ValidationResult } from './validation-result.js';

const STRING_FIELDS = ['group', 'kind', 'namespace'] as const;

/** Reads a backend reference found at `path` (`spec.rules[0].backendRefs[1]`). */
export function readBackendObjectReference(value: unknown, path: string): ValidationResult<BackendObjectReference> {
  const fields = fieldsOf(value);
  if (!fields) return { valid: false, errors: [{ path, message: 'a backend reference must be an object' }] };
  const errors: FieldError[] = [];
  const ref: BackendObjectReference = { name: '' };
  if (typeof fields.name === 'string') ref.name = fields.name;
  else errors.push({ path: `${path}.name`, message: 'name must be a string' });
  for (const key of STRING_FIELDS) {
    const given = fields[key];
    if (typeof given === 'string') ref[key] = given;
    else if (given !== undefined && given !== null)
      errors.push({ path: `${path}.${key}`, message: `${key} must be a string` });
  }
  const port = fields.port;
  if (typeof port === 'number') ref.port = port;
  else if (port !== undefined) errors.push({ path: `${path}.port`, message: 'port must be a number' });
  return errors.length > 0 ? { valid: false, errors } : valid(ref);
}
