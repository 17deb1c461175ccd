/**
 * Value checks for input that reaches Envoy. Envoy rejects a whole configuration for one bad
 * value, so every string is checked here and a failure becomes a status condition instead.
 */
import { RE2 } from 're2-wasm';
import { RE2_MAX_PROGRAM_SIZE, re2ProgramSizeBound } from './regex-size.js';

/** RFC 7230 `token`: what an HTTP header name may contain. */
const HEADER_NAME_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Field values: visible ASCII, spaces, tabs and obs-text; no CR, LF, NUL or other control characters. */
// eslint-disable-next-line no-control-regex
const HEADER_VALUE_BAD_RE = /[\u0000-\u0008\u000a-\u001f\u007f]/;

export function checkHeaderName(name: string): string | undefined {
  if (typeof name !== 'string' || !HEADER_NAME_RE.test(name)) return `invalid header name ${JSON.stringify(name)}`;
  return undefined;
}

export function checkHeaderValue(value: string): string | undefined {
  if (typeof value !== 'string') return 'header value must be a string';
  if (HEADER_VALUE_BAD_RE.test(value)) return `header value ${JSON.stringify(value)} contains control characters`;
  if (value.length > 4096) return 'header value longer than 4096 characters';
  return undefined;
}

/** Headers Envoy will not let a route add, set or remove. */
export function isUnmodifiableHeader(name: string): boolean {
  return name.startsWith(':') || name.toLowerCase() === 'host';
}

/** Checks a regular expression with RE2 semantics, which is what Envoy's `safe_regex` uses. */
export function checkRegex(pattern: string): string | undefined {
  if (typeof pattern !== 'string') return 'regular expression must be a string';
  try {
    new RE2(pattern, 'u');
  } catch (err) {
    const detail = err instanceof Error ? err.message.replace(/^Invalid regular expression: \/.*\/u: /s, '') : '';
    return `invalid RE2 regular expression ${JSON.stringify(pattern)}: ${detail}`;
  }
  const size = re2ProgramSizeBound(pattern);
  if (size > RE2_MAX_PROGRAM_SIZE) {
    return `regular expression ${JSON.stringify(pattern)} is too large for Envoy (its RE2 program may take ${Number.isFinite(size) ? size : 'too many'} instructions; the limit is ${RE2_MAX_PROGRAM_SIZE}): use fewer or smaller bounded repetitions ({n,m}) and Unicode classes`;
  }
  return undefined;
}

/** Paths: absolute, printable ASCII, no whitespace, no control characters. */
export function checkPath(path: string): string | undefined {
  if (typeof path !== 'string' || !path.startsWith('/')) return `path ${JSON.stringify(path)} must start with "/"`;
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(path) || path.includes('#') || path.includes('?')) {
    return `path ${JSON.stringify(path)} contains characters not allowed in a path`;
  }
  return undefined;
}

const DURATION_RE = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/** Gateway API duration (GEP-2257): `1h`, `30s`, `500ms`, `1m30s`… → milliseconds, or undefined if invalid. */
export function parseGatewayDuration(text: string): number | undefined {
  if (typeof text !== 'string' || !DURATION_RE.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/([0-9]+)(ms|h|m|s)/g)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] ?? 0);
  }
  return total;
}
