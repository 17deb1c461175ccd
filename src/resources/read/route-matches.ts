/**
 * A route rule's `matches`, read: HTTPRoute's (path, headers, queryParams, method) and
 * GRPCRoute's (method, headers). Each field is of the type and in the enum the spec gives it, or
 * is a `Refused` saying why not, with its path and the message the rule's status gives. Whether a
 * value is fit for Envoy (a path's characters, a header value's, a regular expression under RE2
 * and its size) is the translator's to say: only the shape is read here.
 *
 * An HTTPRouteMatch written as the spec says reads to itself: nothing is allocated for it (a
 * route's readings are kept as long as the route, and there are thousands). One with a field that
 * does not read, or that must be made canonical (a null for an absent field), reads to a copy.
 *
 * A rule without matches (absent, empty, not a list) matches every request, as one match with
 * no field set. A match that is no object is read as one with no field set, as a file's YAML
 * gave it to the translator before the reader. Header and query entries are all kept, in order:
 * which of several entries for one name counts (the first valid one) is decided after the names
 * are checked, by the translator.
 */
import { fieldsOf, itemsOf, NO_ITEMS, Refused, sameOrCopy, type FieldError } from './validation-result.js';

/** A problem with a match field; `unsupported`: a value outside the API's enums (the route is refused). */
export interface MatchProblem extends FieldError {
  unsupported?: true;
}

/** A match field that does not read. */
export type MatchRefusal = Refused<MatchProblem>;

/** One entry of a match's `headers` or `queryParams` that reads: the entry as written. */
export interface NamedMatchValue {
  readonly name: string;
  /** Absent: Exact. */
  readonly type?: 'Exact' | 'RegularExpression';
  readonly value: string;
}

/**
 * An entry of `headers` or `queryParams` that does not read. `name` is its name when that reads:
 * the first entry for a name is the one that counts, whether or not its value reads.
 */
export class RefusedNamedMatch {
  constructor(
    readonly name: string | undefined,
    readonly problems: readonly MatchProblem[],
  ) {}
}

export type NamedMatchRead = NamedMatchValue | RefusedNamedMatch;

export interface PathMatchValue {
  /** Absent: PathPrefix. */
  readonly type?: 'Exact' | 'PathPrefix' | 'RegularExpression';
  /** Absent: `/`. */
  readonly value?: string;
}

export interface HttpRouteMatchRead {
  /** Absent: every path (PathPrefix `/`). */
  readonly path?: PathMatchValue | MatchRefusal;
  /** Absent: none. */
  readonly headers?: readonly NamedMatchRead[] | MatchRefusal;
  readonly queryParams?: readonly NamedMatchRead[] | MatchRefusal;
  /** Absent: any method. */
  readonly method?: string | MatchRefusal;
}

export interface GrpcMethodValue {
  type: 'Exact' | 'RegularExpression';
  /** '' when not given; at least one of the two is given. */
  service: string;
  method: string;
}

export interface GrpcRouteMatchRead {
  /** Undefined: any method. */
  readonly method: GrpcMethodValue | MatchRefusal | undefined;
  readonly headers: readonly NamedMatchRead[] | MatchRefusal;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);
/** GRPCMethodMatch validation (the CRD's own rules for `Exact`). */
const SERVICE_RE = /^\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$/i;
const METHOD_RE = /^[A-Za-z_][A-Za-z_0-9]*$/;

function problem(path: string, message: string, unsupported = false): MatchRefusal {
  return new Refused([unsupported ? { path, message, unsupported: true } : { path, message }]);
}

/** What an HTTPRoute rule without matches, or one that is no object, matches: every path. */
export const HTTP_MATCH_ALL: readonly HttpRouteMatchRead[] = Object.freeze([Object.freeze({})]);
/** What a GRPCRoute rule without matches, or one that is no object, matches: every method. */
export const GRPC_MATCH_ALL: readonly GrpcRouteMatchRead[] = Object.freeze([
  Object.freeze({ method: undefined, headers: NO_ITEMS }),
]);

/** Reads an HTTPRoute rule's `matches` (the rule at `path`, `spec.rules[0]`). */
export function readHttpRouteMatches(given: unknown, path: string): readonly HttpRouteMatchRead[] {
  const items = itemsOf(given);
  if (items.length === 0) return HTTP_MATCH_ALL;
  return sameOrCopy(items, (m, i) => readHttpRouteMatch(m, `${path}.matches[${i}]`));
}

/** Reads a GRPCRoute rule's `matches` (the rule at `path`). */
export function readGrpcRouteMatches(given: unknown, path: string): readonly GrpcRouteMatchRead[] {
  const items = itemsOf(given);
  if (items.length === 0) return GRPC_MATCH_ALL;
  return items.map((m, i) => readGrpcRouteMatch(m, `${path}.matches[${i}]`));
}

export function readHttpRouteMatch(value: unknown, path: string): HttpRouteMatchRead {
  const match = fieldsOf(value);
  if (!match) return HTTP_MATCH_ALL[0]!;
  const pathMatch = readPathMatch(match.path, path);
  const headers = readNamedMatches(match.headers, path, 'headers');
  const queryParams = readNamedMatches(match.queryParams, path, 'queryParams');
  const method = readMethod(match.method, path);
  if (
    pathMatch === match.path &&
    headers === match.headers &&
    queryParams === match.queryParams &&
    method === match.method
  )
    return match as HttpRouteMatchRead;
  const out: { -readonly [K in keyof HttpRouteMatchRead]: HttpRouteMatchRead[K] } = {};
  if (pathMatch !== undefined) out.path = pathMatch;
  if (headers !== undefined) out.headers = headers;
  if (queryParams !== undefined) out.queryParams = queryParams;
  if (method !== undefined) out.method = method;
  return out;
}

export function readGrpcRouteMatch(value: unknown, path: string): GrpcRouteMatchRead {
  const match = fieldsOf(value) ?? {};
  return {
    method: readGrpcMethod(match.method, `${path}.method`),
    headers: readNamedMatches(match.headers, path, 'headers') ?? NO_ITEMS,
  };
}

/** The path match as written when it reads; undefined for null (every path). */
function readPathMatch(value: unknown, at: string): PathMatchValue | MatchRefusal | undefined {
  if (value === undefined || value === null) return undefined;
  const fields = fieldsOf(value);
  if (!fields) return undefined;
  const type = fields.type ?? 'PathPrefix';
  const given = fields.value ?? '/';
  if (type !== 'Exact' && type !== 'PathPrefix' && type !== 'RegularExpression') {
    return problem(`${at}.path.type`, `path: match type ${String(type)} is not supported`, true);
  }
  if (typeof given !== 'string') {
    return problem(
      `${at}.path.value`,
      type === 'RegularExpression'
        ? 'path: regular expression must be a string'
        : `path: path ${JSON.stringify(given)} must start with "/"`,
    );
  }
  return fields.type === null || fields.value === null ? { type, value: given } : (fields as PathMatchValue);
}

/** A list of header or query matches; undefined for null (none). */
function readNamedMatches(
  value: unknown,
  at: string,
  field: 'headers' | 'queryParams',
): readonly NamedMatchRead[] | MatchRefusal | undefined {
  if (value === undefined || value === null) return undefined;
  // A list that is not a list (no schema check in files) must not widen the match to everything.
  if (!Array.isArray(value)) return problem(`${at}.${field}`, `${field} must be a list`);
  const what = field === 'headers' ? 'header' : 'query';
  return sameOrCopy(value, (item, i) => readNamedMatch(item, () => `${at}.${field}[${i}]`, what));
}

function readNamedMatch(item: unknown, at: () => string, what: 'header' | 'query'): NamedMatchRead {
  const fields = fieldsOf(item);
  const name = fields?.name;
  if (typeof name !== 'string') {
    const message =
      what === 'header'
        ? `header match: invalid header name ${JSON.stringify(name)}`
        : `query param match: invalid name ${JSON.stringify(name)}`;
    return new RefusedNamedMatch(undefined, [{ path: `${at()}.name`, message }]);
  }
  const label = `${what === 'header' ? 'header match' : 'query param match'} ${name}`;
  const type = fields!.type;
  const value = fields!.value;
  if (type === undefined || type === 'Exact' || type === 'RegularExpression') {
    if (typeof value === 'string') return fields as unknown as NamedMatchValue;
    const message =
      type === 'RegularExpression'
        ? `${label}: regular expression must be a string`
        : `${label}: header value must be a string`;
    return new RefusedNamedMatch(name, [{ path: `${at()}.value`, message }]);
  }
  return new RefusedNamedMatch(name, [
    { path: `${at()}.type`, message: `${label}: match type ${String(type)} is not supported`, unsupported: true },
  ]);
}

function readMethod(value: unknown, at: string): string | MatchRefusal | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && METHODS.has(value)) return value;
  return problem(`${at}.method`, `method ${JSON.stringify(value)} is not supported`, true);
}

function readGrpcMethod(value: unknown, path: string): GrpcMethodValue | MatchRefusal | undefined {
  // null: what the API server prunes from a non-nullable field, so "not set".
  if (value === undefined || value === null) return undefined;
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
    return { type, service, method: name };
  }
  if (type === 'RegularExpression') return { type, service, method: name };
  return problem(`${path}.type`, `method match: type ${JSON.stringify(type)} is not supported`, true);
}
