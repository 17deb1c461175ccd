/**
 * HTTPRouteMatch → IR match, with every value checked the way Envoy will use it.
 */
import type { HTTPRouteMatch } from '../../../resources/types.js';
import type { IrHeaderMatch, IrQueryMatch, IrRouteMatch, IrStringMatch } from '../../../ir/types.js';
import { checkHeaderName, checkHeaderValue, checkPath, checkRegex } from '../validation.js';
import { list } from '../shape.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

function stringMatch(
  type: string | undefined,
  value: string,
  what: string,
  errors: string[],
  unsupported: string[],
): IrStringMatch | undefined {
  if (type === undefined || type === 'Exact') {
    const problem = checkHeaderValue(value);
    if (problem) {
      errors.push(`${what}: ${problem}`);
      return undefined;
    }
    return { type: 'Exact', value };
  }
  if (type === 'RegularExpression') {
    const problem = checkRegex(value);
    if (problem) {
      errors.push(`${what}: ${problem}`);
      return undefined;
    }
    return { type: 'RegularExpression', value };
  }
  unsupported.push(`${what}: match type ${type} is not supported`);
  return undefined;
}

/** The default match of a rule without matches: every path. */
export const MATCH_ALL: HTTPRouteMatch = { path: { type: 'PathPrefix', value: '/' } };

/** Invalid values go to `errors` (the rule is dropped); values outside the API's enums to `unsupported`. */
export function translateMatch(
  match: HTTPRouteMatch,
  errors: string[],
  unsupported: string[],
): IrRouteMatch | undefined {
  const before = errors.length + unsupported.length;
  const pathType = match.path?.type ?? 'PathPrefix';
  const pathValue = match.path?.value ?? '/';
  if (pathType === 'Exact' || pathType === 'PathPrefix') {
    const problem = checkPath(pathValue);
    if (problem) errors.push(`path: ${problem}`);
  } else if (pathType === 'RegularExpression') {
    const problem = checkRegex(pathValue);
    if (problem) errors.push(`path: ${problem}`);
  } else {
    unsupported.push(`path: match type ${String(pathType)} is not supported`);
  }

  // A list that is not a list (no schema check in files) must not widen the match to everything.
  for (const [field, value] of [
    ['headers', match.headers],
    ['queryParams', match.queryParams],
  ] as const) {
    if (value !== undefined && value !== null && !Array.isArray(value)) errors.push(`${field} must be a list`);
  }

  // Spec: when several entries name the same header (case-insensitively), only the first counts.
  const headers: IrHeaderMatch[] = [];
  const seenHeaders = new Set<string>();
  for (const h of list(match.headers)) {
    const nameProblem = checkHeaderName(h?.name);
    if (nameProblem) {
      errors.push(`header match: ${nameProblem}`);
      continue;
    }
    const key = h.name.toLowerCase();
    if (seenHeaders.has(key)) continue;
    seenHeaders.add(key);
    const m = stringMatch(h.type, h.value, `header match ${h.name}`, errors, unsupported);
    if (m) headers.push({ name: h.name, match: m });
  }

  // Query parameter names are case-sensitive; again only the first entry for a name counts.
  const queryParams: IrQueryMatch[] = [];
  const seenQuery = new Set<string>();
  for (const q of list(match.queryParams)) {
    if (typeof q?.name !== 'string' || q.name === '' || checkHeaderValue(q.name) || /[\s&=#]/.test(q.name)) {
      errors.push(`query param match: invalid name ${JSON.stringify(q?.name)}`);
      continue;
    }
    if (seenQuery.has(q.name)) continue;
    seenQuery.add(q.name);
    const m = stringMatch(q.type, q.value, `query param match ${q.name}`, errors, unsupported);
    if (m) queryParams.push({ name: q.name, match: m });
  }

  if (match.method !== undefined && !METHODS.has(match.method)) {
    unsupported.push(`method ${JSON.stringify(match.method)} is not supported`);
  }
  if (errors.length + unsupported.length > before) return undefined;
  const out: IrRouteMatch = {
    path: { type: pathType as IrRouteMatch['path']['type'], value: pathValue },
    headers,
    queryParams,
  };
  if (match.method !== undefined) out.method = match.method;
  return out;
}
