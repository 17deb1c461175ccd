/**
 * Value checks for input that reaches Envoy. Envoy rejects a whole configuration for one bad
 * value, so every string is checked here and a failure becomes a status condition instead.
 */
import re2 from 're2-wasm/build/wasm/re2.js';
import { isHeaderName } from '../../resources/read/header-name.js';
import { RE2_MAX_PROGRAM_SIZE, analyzeRegex } from './regex-size.js';

/** Field values: visible ASCII, spaces, tabs and obs-text; no CR, LF, NUL or other control characters. */
// eslint-disable-next-line no-control-regex
const HEADER_VALUE_BAD_RE = /[\u0000-\u0008\u000a-\u001f\u007f]/;

export function checkHeaderName(name: string): string | undefined {
  if (!isHeaderName(name)) return `invalid header name ${JSON.stringify(name)}`;
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

/**
 * Checks a regular expression with RE2 semantics, which is what Envoy's `safe_regex` uses. The size
 * bound comes first: a pattern that expands enormously (`(a{1000}){1000}`) could exhaust
 * re2-wasm's fixed memory, which aborts the module for every later check.
 */
export function checkRegex(pattern: string): string | undefined {
  if (typeof pattern !== 'string') return 'regular expression must be a string';
  const { bound: size, problem } = analyzeRegex(pattern);
  // Infinity: the bound could not read the pattern; RE2 says why below (a pattern RE2 reads but
  // the bound does not is refused as unmeasurable).
  if (size > RE2_MAX_PROGRAM_SIZE && Number.isFinite(size)) {
    return `regular expression ${JSON.stringify(pattern)} is too large for Envoy (its RE2 program may take ${size} instructions; the limit is ${RE2_MAX_PROGRAM_SIZE}): use fewer or smaller bounded repetitions ({n,m}) and Unicode classes`;
  }
  const detail = re2SyntaxError(pattern);
  if (detail !== undefined) return `invalid RE2 regular expression ${JSON.stringify(pattern)}: ${detail}`;
  if (!Number.isFinite(size)) {
    return `regular expression ${JSON.stringify(pattern)} cannot be checked against Envoy's size limit; simplify it`;
  }
  if (problem) return `regular expression ${JSON.stringify(pattern)}: ${problem}`;
  return undefined;
}

/**
 * RE2's own verdict on the pattern as Envoy passes it (RE2 syntax, no JavaScript translation).
 * What it compiled is freed at once: `re2-wasm`'s heap is fixed, and running out of it aborts the
 * module for every later check.
 */
function re2SyntaxError(pattern: string): string | undefined {
  const compiled = new re2.WrappedRE2(pattern, false, false, false);
  try {
    return compiled.ok() ? undefined : compiled.error();
  } finally {
    compiled.delete();
  }
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
