/**
 * A route rule's `matches`, read: HTTPRoute's (path, headers, queryParams, method) and
 * GRPCRoute's (method, headers). Each field is of the type and in the enum the spec gives it, or
 * carries why not, with its path and the message the rule's status gives. Whether a value is
 * fit for Envoy (a path's characters, a header value's, a regular expression under RE2 and its
 * size) is the translator's to say: only the shape is read here.
 *
 * A rule without matches (absent, empty, not a list) matches every request, as one match with
 * no field set. A match that is no object is read as one with no field set, as a file's YAML
 * gave it to the translator before the reader. Header and query entries are all kept, in order:
 * which of several entries for one name counts (the first valid one) is decided after the names
 * are checked, by the translator.
 */
import { fieldsOf, itemsOf, valid, type FieldError } from './validation-result.js';

/** A problem with a match field; `unsupported`: a value outside the API's enums (the route is refused). */
export interface MatchProblem extends FieldError {
  unsupported?: true;
}

export type MatchResult<T> = { valid: true; result: T } | { valid: false; errors: MatchProblem[] };

export interface StringMatchValue {
  type: 'Exact' | 'RegularExpression';
  value: string;
}

/** One entry of a match's `headers` or `queryParams`. */
export interface NamedMatchRead {
  path: string;
  name: MatchResult<string>;
  /** Read only for a string name (the messages name the entry): otherwise invalid with no errors. */
  match: MatchResult<StringMatchValue>;
}

export interface PathMatchValue {
  type: 'Exact' | 'PathPrefix' | 'RegularExpression';
  value: string;
}

export interface HttpRouteMatchRead {
  path: string;
  pathMatch: MatchResult<PathMatchValue>;
  headers: MatchResult<NamedMatchRead[]>;
  queryParams: MatchResult<NamedMatchRead[]>;
  /** Undefined: any method. */
  method: MatchResult<string | undefined>;
}

export interface GrpcMethodValue {
  type: 'Exact' | 'RegularExpression';
  /** '' when not given; at least one of the two is given. */
  service: string;
  method: string;
}

export interface GrpcRouteMatchRead {
  path: string;
  /** Undefined: any method. */
  method: MatchResult<GrpcMethodValue | undefined>;
  headers: MatchResult<NamedMatchRead[]>;
}

/** A rule's matches as its kind reads them (TLSRoute, TCPRoute and UDPRoute have none). */
export type RuleMatchesRead =
  | { kind: 'HTTPRoute'; items: HttpRouteMatchRead[] }
  | { kind: 'GRPCRoute'; items: GrpcRouteMatchRead[] }
  | { kind: 'none' };

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);
/** GRPCMethodMatch validation (the CRD's own rules for `Exact`). */
const SERVICE_RE = /^\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$/i;
const METHOD_RE = /^[A-Za-z_][A-Za-z_0-9]*$/;

function problem<T>(path: string, message: string, unsupported = false): MatchResult<T> {
  return { valid: false, errors: [unsupported ? { path, message, unsupported: true } : { path, message }] };
}

/** Reads the `matches` of the rule at `path` (`spec.rules[0]`) for a route of `kind`. */
export function readRuleMatches(kind: string, rule: Record<string, unknown>, path: string): RuleMatchesRead {
  const given = itemsOf(rule.matches);
  const items = given.length > 0 ? given : [{}];
  const at = (i: number) => (given.length > 0 ? `${path}.matches[${i}]` : path);
  if (kind === 'HTTPRoute') return { kind, items: items.map((m, i) => readHttpRouteMatch(m, at(i))) };
  if (kind === 'GRPCRoute') return { kind, items: items.map((m, i) => readGrpcRouteMatch(m, at(i))) };
  return { kind: 'none' };
}

/** What an HTTPRoute rule that is no object, or a route without rules, matches: every path. */
export const HTTP_MATCH_ALL: readonly HttpRouteMatchRead[] = [readHttpRouteMatch({}, 'spec.rules')];
/** What a GRPCRoute rule that is no object matches: every method. */
export const GRPC_MATCH_ALL: readonly GrpcRouteMatchRead[] = [readGrpcRouteMatch({}, 'spec.rules')];

export function readHttpRouteMatch(value: unknown, path: string): HttpRouteMatchRead {
  const match = fieldsOf(value) ?? {};
  return {
    path,
    pathMatch: readPathMatch(match.path, `${path}.path`),
    headers: readNamedMatches(match.headers, `${path}.headers`, 'header'),
    queryParams: readNamedMatches(match.queryParams, `${path}.queryParams`, 'query'),
    method: readMethod(match.method, `${path}.method`),
  };
}

export function readGrpcRouteMatch(value: unknown, path: string): GrpcRouteMatchRead {
  const match = fieldsOf(value) ?? {};
  return {
    path,
    method: readGrpcMethod(match.method, `${path}.method`),
    headers: readNamedMatches(match.headers, `${path}.headers`, 'header'),
  };
}

function readPathMatch(value: unknown, path: string): MatchResult<PathMatchValue> {
  const fields = fieldsOf(value);
  const type = fields?.type ?? 'PathPrefix';
  const given = fields?.value ?? '/';
  if (type !== 'Exact' && type !== 'PathPrefix' && type !== 'RegularExpression') {
    return problem(`${path}.type`, `path: match type ${String(type)} is not supported`, true);
  }
  if (typeof given !== 'string') {
    return problem(
      `${path}.value`,
      type === 'RegularExpression'
        ? 'path: regular expression must be a string'
        : `path: path ${JSON.stringify(given)} must start with "/"`,
    );
  }
  return valid({ type, value: given });
}

function readNamedMatches(value: unknown, path: string, what: 'header' | 'query'): MatchResult<NamedMatchRead[]> {
  // A list that is not a list (no schema check in files) must not widen the match to everything.
  if (value !== undefined && value !== null && !Array.isArray(value)) {
    return problem(path, `${what === 'header' ? 'headers' : 'queryParams'} must be a list`);
  }
  return valid(itemsOf(value).map((item, i) => readNamedMatch(item, `${path}[${i}]`, what)));
}

function readNamedMatch(item: unknown, path: string, what: 'header' | 'query'): NamedMatchRead {
  const fields = fieldsOf(item);
  const name = fields?.name;
  if (typeof name !== 'string') {
    const message =
      what === 'header'
        ? `header match: invalid header name ${JSON.stringify(name)}`
        : `query param match: invalid name ${JSON.stringify(name)}`;
    return { path, name: problem(`${path}.name`, message), match: { valid: false, errors: [] } };
  }
  const label = `${what === 'header' ? 'header match' : 'query param match'} ${name}`;
  return { path, name: valid(name), match: readStringMatch(fields?.type, fields?.value, path, label) };
}

function readStringMatch(type: unknown, value: unknown, path: string, label: string): MatchResult<StringMatchValue> {
  if (type === undefined || type === 'Exact') {
    return typeof value === 'string'
      ? valid({ type: 'Exact', value })
      : problem(`${path}.value`, `${label}: header value must be a string`);
  }
  if (type === 'RegularExpression') {
    return typeof value === 'string'
      ? valid({ type, value })
      : problem(`${path}.value`, `${label}: regular expression must be a string`);
  }
  return problem(`${path}.type`, `${label}: match type ${String(type)} is not supported`, true);
}

function readMethod(value: unknown, path: string): MatchResult<string | undefined> {
  if (value === undefined) return valid(undefined);
  if (typeof value === 'string' && METHODS.has(value)) return valid(value);
  return problem(path, `method ${JSON.stringify(value)} is not supported`, true);
}

function readGrpcMethod(value: unknown, path: string): MatchResult<GrpcMethodValue | undefined> {
  // null: what the API server prunes from a non-nullable field, so "not set".
  if (value === undefined || value === null) return valid(undefined);
  const fields = fieldsOf(value);
  if (!fields) return problem(path, 'method match must be an object');
  const type = fields.type ?? 'Exact';
  const service = fields.service ?? '';
  const name = fields.method ?? '';
  const given = (v: unknown) => v !== undefined && v !== null;
  if (typeof service !== 'string' || typeof name !== 'string') {
    return problem(
      typeof service !== 'string' ? `${path}.service` : `${path}.method`,
      'method match: service and method must be strings',
    );
  }
  if (service === '' && name === '') {
    return problem(path, 'method match: one or both of service and method must be set');
  }
  if (type === 'Exact') {
    // The CRD's rules check whatever is set against the patterns: an empty string does not pass.
    if (given(fields.service) && !SERVICE_RE.test(service)) {
      return problem(
        `${path}.service`,
        `method match: service ${JSON.stringify(service)} is not a valid gRPC service name`,
      );
    }
    if (given(fields.method) && !METHOD_RE.test(name)) {
      return problem(`${path}.method`, `method match: method ${JSON.stringify(name)} is not a valid gRPC method name`);
    }
    return valid({ type, service, method: name });
  }
  if (type === 'RegularExpression') return valid({ type, service, method: name });
  return problem(`${path}.type`, `method match: type ${JSON.stringify(type)} is not supported`, true);
}
