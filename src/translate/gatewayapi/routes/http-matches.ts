/**
 * A read HTTPRouteMatch (resources/read/route-matches.ts) → IR match, with every value checked
 * the way Envoy will use it. The reader has checked the shape; the problems it found are reported
 * here in the order the fields are checked.
 */
import {
  RefusedNamedMatch,
  type HttpRouteMatchRead,
  type MatchProblem,
  type NamedMatchRead,
  type NamedMatchValue,
  type PathMatchValue,
} from '../../../resources/read/route-matches.js';
import { Refused } from '../../../resources/read/validation-result.js';
import type { IrHeaderMatch, IrQueryMatch, IrRouteMatch, IrStringMatch } from '../../../ir/types.js';
import { checkHeaderName, checkHeaderValue, checkPath, checkRegex } from '../validation.js';

/** Reports a reader's problems: values outside the API's enums to `unsupported`, the rest to `errors`. */
function report(problems: readonly MatchProblem[], errors: string[], unsupported: string[]): void {
  for (const p of problems) (p.unsupported ? unsupported : errors).push(p.message);
}

/** A field's value, or undefined when the reader refused it (its problems reported). */
function reported<T>(read: T | Refused<MatchProblem>, errors: string[], unsupported: string[]): T | undefined {
  if (!(read instanceof Refused)) return read;
  report(read.errors, errors, unsupported);
  return undefined;
}

function stringMatch(
  entry: NamedMatchValue | RefusedNamedMatch,
  what: string,
  errors: string[],
  unsupported: string[],
): IrStringMatch | undefined {
  if (entry instanceof RefusedNamedMatch) {
    report(entry.problems, errors, unsupported);
    return undefined;
  }
  const type = entry.type ?? 'Exact';
  const problem = type === 'Exact' ? checkHeaderValue(entry.value) : checkRegex(entry.value);
  if (problem) {
    errors.push(`${what}: ${problem}`);
    return undefined;
  }
  return { type, value: entry.value };
}

/** An entry's name, or undefined when it has none that reads (its problems reported). */
function entryName(entry: NamedMatchRead, errors: string[], unsupported: string[]): string | undefined {
  if (entry.name === undefined) report((entry as RefusedNamedMatch).problems, errors, unsupported);
  return entry.name;
}

/** Header names are case-insensitive; only the first valid entry for a name counts (spec). */
function headerMatches(entries: readonly NamedMatchRead[], errors: string[], unsupported: string[]): IrHeaderMatch[] {
  const out: IrHeaderMatch[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const name = entryName(entry, errors, unsupported);
    if (name === undefined) continue;
    const nameProblem = checkHeaderName(name);
    if (nameProblem) {
      errors.push(`header match: ${nameProblem}`);
      continue;
    }
    const key = name.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    const m = stringMatch(entry, `header match ${name}`, errors, unsupported);
    if (m) out.push({ name, match: m });
  }
  return out;
}

/** Query parameter names are case-sensitive; again only the first valid entry for a name counts. */
function queryMatches(entries: readonly NamedMatchRead[], errors: string[], unsupported: string[]): IrQueryMatch[] {
  const out: IrQueryMatch[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const name = entryName(entry, errors, unsupported);
    if (name === undefined) continue;
    if (name === '' || checkHeaderValue(name) || /[\s&=#]/.test(name)) {
      errors.push(`query param match: invalid name ${JSON.stringify(name)}`);
      continue;
    }
    if (seen.has(name)) continue;
    seen.add(name);
    const m = stringMatch(entry, `query param match ${name}`, errors, unsupported);
    if (m) out.push({ name, match: m });
  }
  return out;
}

/** A match without a path matches every path; one without headers or query params, any. */
const EVERY_PATH: PathMatchValue = { type: 'PathPrefix', value: '/' };
const NO_ENTRIES: readonly NamedMatchRead[] = [];

/** Invalid values go to `errors` (the rule is dropped); values outside the API's enums to `unsupported`. */
export function translateMatch(
  match: HttpRouteMatchRead,
  errors: string[],
  unsupported: string[],
): IrRouteMatch | undefined {
  const before = errors.length + unsupported.length;
  const pathMatch = reported(match.path ?? EVERY_PATH, errors, unsupported);
  const path = pathMatch && { type: pathMatch.type ?? 'PathPrefix', value: pathMatch.value ?? '/' };
  if (path) {
    const problem = path.type === 'RegularExpression' ? checkRegex(path.value) : checkPath(path.value);
    if (problem) errors.push(`path: ${problem}`);
  }
  const headerEntries = reported(match.headers ?? NO_ENTRIES, errors, unsupported) ?? NO_ENTRIES;
  const queryEntries = reported(match.queryParams ?? NO_ENTRIES, errors, unsupported) ?? NO_ENTRIES;
  const headers = headerMatches(headerEntries, errors, unsupported);
  const queryParams = queryMatches(queryEntries, errors, unsupported);
  const method = match.method === undefined ? undefined : reported(match.method, errors, unsupported);
  if (errors.length + unsupported.length > before || !path) return undefined;
  const out: IrRouteMatch = { path, headers, queryParams };
  if (method !== undefined) out.method = method;
  return out;
}
