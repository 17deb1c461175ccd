/**
 * A BackendTrafficPolicy's `requestBuffer` (Envoy Gateway's RequestBuffer), read: the most bytes
 * of a request body Envoy buffers before forwarding it (`limit`, a quantity such as 1Mi); a larger
 * body is answered 413. Envoy's `max_request_bytes` is a uint32 above 0.
 */
import { readBytes } from './byte-quantity.js';
import { fieldsOf, valid, type FieldError, type ValidationResult } from './validation-result.js';

export interface RequestBufferRead {
  limitBytes: number;
}

const AT = 'spec.requestBuffer';

export function readRequestBuffer(value: unknown): ValidationResult<RequestBufferRead> {
  const f = fieldsOf(value);
  if (!f || f.limit === undefined || f.limit === null)
    return { valid: false, errors: [{ path: `${AT}.limit`, message: 'requestBuffer.limit must be set, such as 1Mi' }] };
  const problems: FieldError[] = [];
  for (const field of Object.keys(f))
    if (field !== 'limit')
      problems.push({ path: `${AT}.${field}`, message: `requestBuffer.${field} is not supported by Portico` });
  const limitBytes = readBytes(f.limit, `${AT}.limit`, { min: 1, max: 4_294_967_295 }, problems);
  return problems.length > 0 || limitBytes === undefined ? { valid: false, errors: problems } : valid({ limitBytes });
}
