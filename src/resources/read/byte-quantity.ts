/**
 * A size in bytes written as Envoy Gateway writes one (a Kubernetes quantity restricted to whole
 * bytes: `1024`, `500Ki`, `10Mi`, `1M`; its CRD's pattern `^[1-9]+[0-9]*([EPTGMK]i|[EPTGMk])?$`),
 * as a number of bytes within Envoy's bounds for the field it goes to.
 */
import { quantityValue } from '../../shared/quantity.js';
import type { FieldError } from './validation-result.js';

const BYTES = /^[1-9][0-9]*([EPTGMK]i|[EPTGMk])?$/;

/** The bytes `value` stands for, from `min` to `max`; undefined (and a problem at `path`) when not. */
export function readBytes(
  value: unknown,
  path: string,
  bounds: { min: number; max: number },
  problems: FieldError[],
): number | undefined {
  const text = typeof value === 'number' ? String(value) : value;
  const bytes = typeof text === 'string' && BYTES.test(text) ? quantityValue(text) : undefined;
  if (bytes !== undefined && Number.isInteger(bytes) && bytes >= bounds.min && bytes <= bounds.max) return bytes;
  const field = path.replace(/^spec\./, '');
  problems.push({
    path,
    message: `${field} must be a size in bytes from ${bounds.min} to ${bounds.max}, such as 1024, 500Ki or 10Mi`,
  });
  return undefined;
}
