/**
 * A BackendTrafficPolicy's `responseOverride` (Envoy Gateway's ResponseOverride list), read: rules
 * tried in order, each matching a response by its status (`match.statusCodes`: a Value or an
 * inclusive Range) and replacing it with a local one (`response`: a content type, a body inline or
 * from a ConfigMap of the policy's namespace, a status). Portico implements the status match and the
 * response; `match.responseHeaders`, `redirect`, `response.header` and `source` are refused.
 */
import { fieldsOf, valid, type FieldError, type ValidationResult } from './validation-result.js';

export type StatusCodeMatchRead = { value: number } | { start: number; end: number };

export interface ResponseOverrideRuleRead {
  statusCodes: StatusCodeMatchRead[];
  response: {
    contentType?: string;
    /** The body inline, or the name of a ConfigMap in the policy's namespace that holds it. */
    body?: { inline: string } | { configMap: string };
    statusCode?: number;
  };
}

const AT = 'spec.responseOverride';
/** Statuses a response can have (the match) and Envoy's bounds for a new one (LocalResponsePolicy.status_code). */
const MATCH_MIN = 100;
const STATUS_MIN = 200;
const STATUS_MAX = 599;

const isSet = (v: unknown): boolean => v !== undefined && v !== null;
/** A field's path as messages name it (without `spec.`). */
const named = (path: string): string => path.slice('spec.'.length);

function unsupported(f: Record<string, unknown>, known: readonly string[], at: string, problems: FieldError[]): void {
  for (const [field, v] of Object.entries(f))
    if (isSet(v) && !known.includes(field))
      problems.push({ path: `${at}.${field}`, message: `${named(at)}.${field} is not supported by Portico` });
}

function readStatus(v: unknown, min: number, path: string, problems: FieldError[]): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= STATUS_MAX) return v;
  problems.push({ path, message: `${named(path)} must be an HTTP status from ${min} to ${STATUS_MAX}` });
  return undefined;
}

function readStatusMatch(value: unknown, at: string, problems: FieldError[]): StatusCodeMatchRead | undefined {
  const f = fieldsOf(value) ?? {};
  const type = f.type ?? 'Value';
  if (type === 'Value') {
    const v = readStatus(f.value, MATCH_MIN, `${at}.value`, problems);
    return v === undefined ? undefined : { value: v };
  }
  if (type !== 'Range') {
    problems.push({ path: `${at}.type`, message: `${named(at)}.type must be Value or Range` });
    return undefined;
  }
  const range = fieldsOf(f.range) ?? {};
  const start = readStatus(range.start, MATCH_MIN, `${at}.range.start`, problems);
  const end = readStatus(range.end, MATCH_MIN, `${at}.range.end`, problems);
  if (start === undefined || end === undefined) return undefined;
  if (end <= start) {
    problems.push({ path: `${at}.range`, message: `${named(at)}.range: end must be greater than start` });
    return undefined;
  }
  return { start, end };
}

function readBody(value: unknown, at: string, problems: FieldError[]): ResponseOverrideRuleRead['response']['body'] {
  const f = fieldsOf(value) ?? {};
  const type = f.type ?? 'Inline';
  if (type === 'Inline') {
    if (typeof f.inline === 'string') return { inline: f.inline };
    problems.push({ path: `${at}.inline`, message: `${named(at)}.inline must be set (a string) for type Inline` });
    return undefined;
  }
  if (type !== 'ValueRef') {
    problems.push({ path: `${at}.type`, message: `${named(at)}.type must be Inline or ValueRef` });
    return undefined;
  }
  const ref = fieldsOf(f.valueRef);
  if (!ref || ref.kind !== 'ConfigMap' || (ref.group ?? '') !== '' || typeof ref.name !== 'string' || ref.name === '') {
    problems.push({
      path: `${at}.valueRef`,
      message: `${named(at)}.valueRef must name a ConfigMap (group "", kind ConfigMap)`,
    });
    return undefined;
  }
  return { configMap: ref.name };
}

function readRule(value: unknown, at: string, problems: FieldError[]): ResponseOverrideRuleRead | undefined {
  const f = fieldsOf(value);
  if (!f) {
    problems.push({ path: at, message: `${named(at)} must be an object with match and response` });
    return undefined;
  }
  unsupported(f, ['match', 'response'], at, problems);
  const match = fieldsOf(f.match) ?? {};
  unsupported(match, ['statusCodes'], `${at}.match`, problems);
  const codes = match.statusCodes;
  const statusCodes: StatusCodeMatchRead[] = [];
  if (!Array.isArray(codes) || codes.length === 0) {
    problems.push({
      path: `${at}.match.statusCodes`,
      message: `${named(at)}.match.statusCodes must list at least one status`,
    });
  } else {
    codes.forEach((c, i) => {
      const read = readStatusMatch(c, `${at}.match.statusCodes[${i}]`, problems);
      if (read) statusCodes.push(read);
    });
  }
  const r = fieldsOf(f.response);
  if (!r) {
    problems.push({ path: `${at}.response`, message: `${named(at)}.response must be set` });
    return undefined;
  }
  unsupported(r, ['contentType', 'body', 'statusCode'], `${at}.response`, problems);
  const response: ResponseOverrideRuleRead['response'] = {};
  if (isSet(r.contentType)) {
    if (typeof r.contentType === 'string' && /^[!-~]+( ?[!-~]+)*$/.test(r.contentType))
      response.contentType = r.contentType;
    else
      problems.push({
        path: `${at}.response.contentType`,
        message: `${named(at)}.response.contentType must be a header value such as text/html`,
      });
  }
  if (isSet(r.body)) {
    const body = readBody(r.body, `${at}.response.body`, problems);
    if (body) response.body = body;
  }
  if (isSet(r.statusCode)) {
    const s = readStatus(r.statusCode, STATUS_MIN, `${at}.response.statusCode`, problems);
    if (s !== undefined) response.statusCode = s;
  }
  return { statusCodes, response };
}

export function readResponseOverride(value: unknown): ValidationResult<ResponseOverrideRuleRead[]> {
  if (!Array.isArray(value) || value.length === 0)
    return { valid: false, errors: [{ path: AT, message: 'responseOverride must be a non-empty list' }] };
  const problems: FieldError[] = [];
  const rules: ResponseOverrideRuleRead[] = [];
  value.forEach((item, i) => {
    const read = readRule(item, `${AT}[${i}]`, problems);
    if (read) rules.push(read);
  });
  return problems.length > 0 ? { valid: false, errors: problems } : valid(rules);
}
