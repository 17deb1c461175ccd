/**
 * The filters of an HTTPRoute or GRPCRoute rule, and of its backendRefs, read: each entry of a
 * `filters` list becomes the typed filter its `type` names, with the problems of its shape.
 *
 * A problem is of one of two sorts, as the translator has always told them apart: `errors` are
 * invalid values (the rule is dropped), `unsupported` are values outside the API's enums (the
 * route is rejected). The messages are the translator's. The reader checks the shape and what the
 * CRD checks; what only Envoy refuses (header name and value characters, paths) the translator
 * still checks on the typed values. A filter is read whatever its context: which filters a rule,
 * a backendRef or a GRPCRoute accepts is the translator's decision, and a filter it does not
 * accept is refused without its problems being read out.
 *
 * Entries of a header list with an equivalent name are dropped here (HTTPHeader.name: "Subsequent
 * entries … MUST be ignored"), before they are checked, as before.
 */
import type { BackendObjectReference } from '../types.js';
import { readBackendObjectReference } from './backend-object-reference.js';
import { readExternalAuth, type ExternalAuthRead } from './external-auth.js';
import { isValidHostname } from './hostname.js';
import { fieldsOf, itemsOf, NO_ITEMS, type FieldError, type ValidationResult } from './validation-result.js';

export interface HeaderRead {
  name: string;
  value: string;
}
export interface HeaderModifierRead {
  set: HeaderRead[];
  add: HeaderRead[];
  remove: string[];
}
export type PathModifierRead =
  | { type: 'ReplaceFullPath'; replaceFullPath: string | undefined }
  | { type: 'ReplacePrefixMatch'; replacePrefixMatch: string | undefined };
export type RedirectStatusCode = 301 | 302 | 303 | 307 | 308;
export interface RedirectRead {
  scheme?: 'http' | 'https';
  hostname?: string;
  port?: number;
  path?: PathModifierRead;
  statusCode: RedirectStatusCode;
}
export interface URLRewriteRead {
  hostname?: string;
  path?: PathModifierRead;
}
export interface MirrorRead {
  /** What the mirror sends to; a reference that does not read is the mirror's ref problem. */
  backendRef: ValidationResult<BackendObjectReference>;
  numerator: number;
  denominator: 100 | 1000000;
}
export interface CorsRead {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  allowCredentials: boolean;
  /** Undefined when maxAge is invalid (an error says so). */
  maxAgeSeconds: number | undefined;
}
export interface ExtensionRefRead {
  /** Empty when not given: the core group. */
  group: string;
  kind: string;
  name: string;
}

export type RouteFilterKind =
  | { type: 'RequestHeaderModifier' | 'ResponseHeaderModifier'; headers: HeaderModifierRead | undefined }
  | { type: 'RequestRedirect'; redirect: RedirectRead }
  | { type: 'URLRewrite'; rewrite: URLRewriteRead }
  /** Undefined: the mirror cannot be programmed (its errors say why). */
  | { type: 'RequestMirror'; mirror: MirrorRead | undefined }
  | { type: 'CORS'; cors: CorsRead }
  | { type: 'ExtensionRef'; extensionRef: ExtensionRefRead | undefined }
  /** Undefined: the filter cannot be programmed (its problems say why). */
  | { type: 'ExternalAuth'; externalAuth: ExternalAuthRead | undefined }
  /** A type outside the API (or none): `writtenType` is what was written, for messages. */
  | { type: 'Unknown'; writtenType: unknown };

export type RouteFilterRead = RouteFilterKind & {
  /** `spec.rules[0].filters[1]`. */
  path: string;
  /** Invalid values: the rule cannot be programmed. */
  errors: FieldError[];
  /** Values outside the API's enums: the route is refused. */
  unsupported: FieldError[];
};

const REDIRECT_CODES = new Set<unknown>([301, 302, 303, 307, 308]);

/** Reads a `filters` list found at `path` (absent or not a list: none). */
export function readRouteFilters(value: unknown, path: string): readonly RouteFilterRead[] {
  const items = itemsOf(value);
  if (items.length === 0) return NO_ITEMS;
  return items.map((item, i) => readRouteFilter(item, `${path}[${i}]`));
}

/** Collects a filter's problems while it is read. */
class Problems {
  readonly errors: FieldError[] = [];
  readonly unsupported: FieldError[] = [];
  error(path: string, message: string): void {
    this.errors.push({ path, message });
  }
  unsupportedValue(path: string, message: string): void {
    this.unsupported.push({ path, message });
  }
}

function readRouteFilter(item: unknown, path: string): RouteFilterRead {
  const filter = fieldsOf(item);
  const type: unknown = filter?.type;
  const p = new Problems();
  const kind = readKind(type, filter ?? {}, path, p);
  return { ...kind, path, errors: p.errors, unsupported: p.unsupported };
}

function readKind(type: unknown, filter: Record<string, unknown>, path: string, p: Problems): RouteFilterKind {
  switch (type) {
    case 'RequestHeaderModifier':
      return {
        type,
        headers: readHeaders(filter.requestHeaderModifier, `${path}.requestHeaderModifier`, 'request', p),
      };
    case 'ResponseHeaderModifier':
      return {
        type,
        headers: readHeaders(filter.responseHeaderModifier, `${path}.responseHeaderModifier`, 'response', p),
      };
    case 'RequestRedirect':
      return { type, redirect: readRedirect(filter.requestRedirect, `${path}.requestRedirect`, p) };
    case 'URLRewrite':
      return { type, rewrite: readRewrite(filter.urlRewrite, `${path}.urlRewrite`, p) };
    case 'RequestMirror':
      return { type, mirror: readMirror(filter.requestMirror, `${path}.requestMirror`, p) };
    case 'CORS':
      return { type, cors: readCors(filter.cors, `${path}.cors`, p) };
    case 'ExtensionRef':
      return { type, extensionRef: readExtensionRef(filter.extensionRef) };
    case 'ExternalAuth':
      return { type, externalAuth: readRouteExternalAuth(filter.externalAuth, `${path}.externalAuth`, p) };
    default:
      return { type: 'Unknown', writtenType: type };
  }
}

function readHeaders(
  value: unknown,
  path: string,
  side: 'request' | 'response',
  p: Problems,
): HeaderModifierRead | undefined {
  const fields = fieldsOf(value);
  if (!fields) {
    p.error(path, `${side}HeaderModifier needs a configuration`);
    return undefined;
  }
  const where = `${side}HeaderModifier`;
  const list = (key: string): readonly unknown[] => {
    const given = fields[key];
    if (given !== undefined && given !== null && !Array.isArray(given)) {
      p.error(`${path}.${key}`, `${where}: ${key} must be a list`);
      return [];
    }
    return itemsOf(given);
  };
  // HTTPHeader.name: names are case-insensitive, and of entries with equivalent names only the first counts.
  const firstOf = (seen: Set<string>, name: unknown): boolean => {
    if (typeof name !== 'string') return true;
    const key = name.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  const headers = (key: 'set' | 'add'): HeaderRead[] => {
    const seen = new Set<string>();
    const out: HeaderRead[] = [];
    list(key).forEach((entry, i) => {
      const h = fieldsOf(entry);
      if (!firstOf(seen, h?.name)) return;
      if (typeof h?.name !== 'string')
        p.error(`${path}.${key}[${i}].name`, `${where}: invalid header name ${JSON.stringify(h?.name)}`);
      else if (typeof h.value !== 'string')
        p.error(`${path}.${key}[${i}].value`, `${where}: header value must be a string`);
      else out.push({ name: h.name, value: h.value });
    });
    return out;
  };
  const set = headers('set');
  const add = headers('add');
  const seen = new Set<string>();
  const remove: string[] = [];
  list('remove').forEach((name, i) => {
    if (!firstOf(seen, name)) return;
    if (typeof name !== 'string')
      p.error(`${path}.remove[${i}]`, `${where}: invalid header name ${JSON.stringify(name)}`);
    else remove.push(name);
  });
  return { set, add, remove };
}

function readPathModifier(value: unknown, path: string, where: string, p: Problems): PathModifierRead | undefined {
  if (value === undefined) return undefined;
  const fields = fieldsOf(value) ?? {};
  const text = (key: 'replaceFullPath' | 'replacePrefixMatch'): string | undefined => {
    const given = fields[key];
    if (given === undefined || given === null || typeof given === 'string') return given ?? undefined;
    p.error(`${path}.${key}`, `${where}: ${key} path ${JSON.stringify(given)} must start with "/"`);
    return undefined;
  };
  if (fields.type === 'ReplaceFullPath') return { type: 'ReplaceFullPath', replaceFullPath: text('replaceFullPath') };
  if (fields.type === 'ReplacePrefixMatch')
    return { type: 'ReplacePrefixMatch', replacePrefixMatch: text('replacePrefixMatch') };
  p.unsupportedValue(`${path}.type`, `${where}: path type ${String(fields.type)} is not supported`);
  return undefined;
}

/** A hostname a redirect or rewrite may put in Host: exact, not a wildcard. */
function readHostname(value: unknown, path: string, where: string, p: Problems): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && isValidHostname(value) && !value.startsWith('*')) return value;
  p.error(`${path}.hostname`, `${where}: invalid hostname ${String(value)}`);
  return undefined;
}

function readRedirect(value: unknown, path: string, p: Problems): RedirectRead {
  const f = fieldsOf(value) ?? {};
  const where = 'requestRedirect';
  const out: RedirectRead = { statusCode: 302 };
  const statusCode = f.statusCode ?? 302;
  if (!REDIRECT_CODES.has(statusCode))
    p.unsupportedValue(`${path}.statusCode`, `${where}: statusCode ${String(statusCode)} is not supported`);
  else out.statusCode = statusCode as RedirectStatusCode;
  if (f.scheme !== undefined) {
    if (f.scheme !== 'http' && f.scheme !== 'https')
      p.unsupportedValue(`${path}.scheme`, `${where}: scheme ${String(f.scheme)} is not supported`);
    else out.scheme = f.scheme;
  }
  const hostname = readHostname(f.hostname, path, where, p);
  if (hostname !== undefined) out.hostname = hostname;
  if (f.port !== undefined) {
    const port = f.port;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
      p.error(`${path}.port`, `${where}: invalid port ${String(port)}`);
    else out.port = port;
  }
  const modifier = readPathModifier(f.path, `${path}.path`, where, p);
  if (modifier) out.path = modifier;
  return out;
}

function readRewrite(value: unknown, path: string, p: Problems): URLRewriteRead {
  const f = fieldsOf(value) ?? {};
  const out: URLRewriteRead = {};
  const hostname = readHostname(f.hostname, path, 'urlRewrite', p);
  if (hostname !== undefined) out.hostname = hostname;
  const modifier = readPathModifier(f.path, `${path}.path`, 'urlRewrite', p);
  if (modifier) out.path = modifier;
  return out;
}

function readMirror(value: unknown, path: string, p: Problems): MirrorRead | undefined {
  const f = fieldsOf(value);
  if (!f?.backendRef) {
    p.error(`${path}.backendRef`, 'requestMirror needs a backendRef');
    return undefined;
  }
  const backendRef = readBackendObjectReference(f.backendRef, `${path}.backendRef`);
  if (f.percent !== undefined && f.fraction !== undefined) {
    p.error(path, 'requestMirror: set percent or fraction, not both');
    return undefined;
  }
  if (f.fraction !== undefined) {
    const fraction = fieldsOf(f.fraction) ?? {};
    const num = fraction.numerator;
    const den = fraction.denominator ?? 100;
    if (!isInteger(num) || !isInteger(den) || num < 0 || den < 1 || num > den) {
      p.error(`${path}.fraction`, `requestMirror: invalid fraction ${String(num)}/${String(den)}`);
      return undefined;
    }
    return { backendRef, numerator: Math.round((num * 1_000_000) / den), denominator: 1000000 };
  }
  const percent = f.percent ?? 100;
  if (!isInteger(percent) || percent < 0 || percent > 100) {
    p.error(`${path}.percent`, `requestMirror: invalid percent ${String(percent)}`);
    return undefined;
  }
  return { backendRef, numerator: percent, denominator: 100 };
}

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

function readCors(value: unknown, path: string, p: Problems): CorsRead {
  const f = fieldsOf(value) ?? {};
  const strings = (key: string, message: (v: unknown) => string): string[] => {
    const given = f[key];
    if (given !== undefined && given !== null && !Array.isArray(given)) {
      p.error(`${path}.${key}`, `cors: ${key} must be a list`);
      return [];
    }
    const out: string[] = [];
    itemsOf(given).forEach((v, i) => {
      if (typeof v === 'string') out.push(v);
      else p.error(`${path}.${key}[${i}]`, message(v));
    });
    return out;
  };
  const token = (what: string) => (v: unknown) => `cors: invalid ${what} ${JSON.stringify(v)}`;
  const cors: CorsRead = {
    allowOrigins: strings('allowOrigins', token('origin')),
    allowMethods: strings('allowMethods', token('method')),
    allowHeaders: strings('allowHeaders', token('header')),
    exposeHeaders: strings('exposeHeaders', token('header')),
    allowCredentials: f.allowCredentials === true,
    maxAgeSeconds: undefined,
  };
  const maxAge = f.maxAge ?? 5;
  if (!isInteger(maxAge) || maxAge < 1) p.error(`${path}.maxAge`, `cors: invalid maxAge ${String(maxAge)}`);
  else cors.maxAgeSeconds = maxAge;
  return cors;
}

/** A shape the CRD refuses is an invalid value; a protocol outside its enum, an unsupported one. */
function readRouteExternalAuth(value: unknown, path: string, p: Problems): ExternalAuthRead | undefined {
  const read = readExternalAuth(value, 'ExternalAuth');
  if ('auth' in read) return read.auth;
  if ('unsupported' in read) p.unsupportedValue(path, read.unsupported);
  else p.error(path, read.unreadable);
  return undefined;
}

function readExtensionRef(value: unknown): ExtensionRefRead | undefined {
  const ref = fieldsOf(value);
  if (!ref) return undefined;
  const group = ref.group;
  return {
    group: typeof group === 'string' ? group : group ? String(group) : '',
    kind: String(ref.kind),
    name: String(ref.name),
  };
}
