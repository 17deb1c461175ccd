/**
 * A BackendTrafficPolicy's `compressor` and its deprecated spelling `compression` (Envoy Gateway's
 * Compression list), read: the algorithms Envoy may compress responses with (Gzip, Brotli, Zstd,
 * each once) and, per algorithm, the smallest response it compresses (`minContentLength`, bytes;
 * Envoy's default 30). The `gzip`/`brotli`/`zstd` objects carry no settings in Envoy Gateway v1.9;
 * one that names another algorithm than `type` is refused.
 */
import { readBytes } from './byte-quantity.js';
import { fieldsOf, valid, type FieldError, type ValidationResult } from './validation-result.js';

export const COMPRESSOR_TYPES = ['Gzip', 'Brotli', 'Zstd'] as const;
export type CompressorType = (typeof COMPRESSOR_TYPES)[number];

export interface CompressionRead {
  type: CompressorType;
  minContentLength?: number;
}

const UINT32_MAX = 4_294_967_295;
/** A field's path as messages name it (without `spec.`). */
const named = (path: string): string => path.slice('spec.'.length);
const SETTINGS_FIELD: Record<CompressorType, string> = { Gzip: 'gzip', Brotli: 'brotli', Zstd: 'zstd' };

function readOne(value: unknown, at: string, problems: FieldError[]): CompressionRead | undefined {
  const f = fieldsOf(value);
  if (!f) {
    problems.push({ path: at, message: `${named(at)} must be an object with a type` });
    return undefined;
  }
  const type = f.type;
  if (typeof type !== 'string' || !(COMPRESSOR_TYPES as readonly string[]).includes(type)) {
    problems.push({ path: `${at}.type`, message: `${named(at)}.type must be one of Gzip, Brotli, Zstd` });
    return undefined;
  }
  const out: CompressionRead = { type: type as CompressorType };
  for (const [t, field] of Object.entries(SETTINGS_FIELD)) {
    const settings = f[field];
    if (settings === undefined || settings === null) continue;
    if (t !== type)
      problems.push({ path: `${at}.${field}`, message: `${named(at)}.${field} does not apply to type ${type}` });
    else if (!fieldsOf(settings) || Object.keys(settings as object).length > 0)
      problems.push({ path: `${at}.${field}`, message: `${named(at)}.${field} takes no settings (an empty object)` });
  }
  for (const field of Object.keys(f)) {
    if (!['type', 'minContentLength', 'gzip', 'brotli', 'zstd'].includes(field))
      problems.push({ path: `${at}.${field}`, message: `${named(at)}.${field} is not supported by Portico` });
  }
  if (f.minContentLength !== undefined && f.minContentLength !== null) {
    const bytes = readBytes(f.minContentLength, `${at}.minContentLength`, { min: 1, max: UINT32_MAX }, problems);
    if (bytes !== undefined) out.minContentLength = bytes;
  }
  return out;
}

/** `field` is `compressor` or `compression`: the same list under its two names. */
export function compressionReader(field: 'compressor' | 'compression') {
  const at = `spec.${field}`;
  return (value: unknown): ValidationResult<CompressionRead[]> => {
    if (!Array.isArray(value) || value.length === 0)
      return { valid: false, errors: [{ path: at, message: `${field} must be a non-empty list` }] };
    const problems: FieldError[] = [];
    const out: CompressionRead[] = [];
    value.forEach((item, i) => {
      const read = readOne(item, `${at}[${i}]`, problems);
      if (!read) return;
      if (out.some((c) => c.type === read.type))
        problems.push({ path: `${at}[${i}].type`, message: `${named(at)}[${i}].type: ${read.type} is listed twice` });
      else out.push(read);
    });
    return problems.length > 0 ? { valid: false, errors: problems } : valid(out);
  };
}
