/**
 * A read HTTPRouteMatch (resources/read/route-matches.ts) → IR match, with every value checked
 * the way Envoy will use it. The reader has checked the shape; the problems it found are reported
 * here in the order the fields are checked.
 */
import type {
  HttpRouteMatchRead,
  MatchResult,
  NamedMatchRead,
  StringMatchValue,
} from '../../../resources/read/route-matches.js';
import type { IrHeaderMatch, IrQueryMatch, IrRouteMatch, IrStringMatch } from '../../../ir/types.js';
import { checkHeaderName, checkHeaderValue, checkPath, checkRegex } from '../validation.js';

/** Reports a reader's problems: values outside the API's enums to `unsupported`, the rest to `errors`. */
function reported<T>(read: MatchResult<T>, errors: string[], unsupported: string[]): T | undefined {
  if (read.valid) return read.result;
  for (const p of read.errors) (p.unsupported ? unsupported : errors).push(p.message);
  return undefined;
}

function stringMatch(
  read: MatchResult<StringMatchValue>,
  what: string,
  errors: string[],
  unsupported: string[],
): IrStringMatch | undefined {
  const m = reported(read, errors, unsupported);
  if (!m) return undefined;
  const problem = m.type === 'Exact' ? checkHeaderValue(m.value) : checkRegex(m.value);
  if (problem) {
    errors.push(`${what}: ${problem}`);
    return undefined;
  }
  return { type: m.type, value: m.value };
}

/** Header names are case-insensitive; only the first valid entry for a name counts (spec). */
function headerMatches(entries: NamedMatchRead[], errors: string[], unsupported: string[]): IrHeaderMatch[] {
  const out: IrHeaderMatch[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const name = reported(entry.name, errors, unsupported);
    if (name === undefined) continue;
    const nameProblem = checkHeaderName(name);
    if (nameProblem) {
      errors.push(`header match: ${nameProblem}`);
      continue;
    }
    const key = name.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    const m = stringMatch(entry.match, `header match ${name}`, errors, unsupported);
    if (m) out.push({ name, match: m });
  }
  return out;
}

/** Query parameter names are case-sensitive; again only the first valid entry for a name counts. */
function queryMatches(entries: NamedMatchRead[], errors: string[], unsupported: string[]): IrQueryMatch[] {
  const out: IrQueryMatch[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const name = reported(entry.name, errors, unsupported);
    if (name === undefined) continue;
    if (name === '' || checkHeaderValue(name) || /[\s&=#]/.test(name)) {
      errors.push(`query param match: invalid name ${JSON.stringify(name)}`);
      continue;
    }
    if (seen.has(name)) continue;
    seen.add(name);
    const m = stringMatch(entry.match, `query param match ${name}`, errors, unsupported);
    if (m) out.push({ name, match: m });
  }
  return out;
}

/** Invalid values go to `errors` (the rule is dropped); values outside the API's enums to `unsupported`. */
export function translateMatch(
  match: HttpRouteMatchRead,
  errors: string[],
  unsupported: string[],
): IrRouteMatch | undefined {
  const before = errors.length + unsupported.length;
  const path = reported(match.pathMatch, errors, unsupported);
  if (path) {
    const problem = path.type === 'RegularExpression' ? checkRegex(path.value) : checkPath(path.value);
    if (problem) errors.push(`path: ${problem}`);
  }
  const headerEntries = reported(match.headers, errors, unsupported) ?? [];
  const queryEntries = reported(match.queryParams, errors, unsupported) ?? [];
  const headers = headerMatches(headerEntries, errors, unsupported);
  const queryParams = queryMatches(queryEntries, errors, unsupported);
  const method = reported(match.method, errors, unsupported);
  if (errors.length + unsupported.length > before || !path) return undefined;
  const out: IrRouteMatch = { path: { type: path.type, value: path.value }, headers, queryParams };
  if (method !== undefined) out.method = method;
  return out;
}
