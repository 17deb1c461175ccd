/**
 * HTTPRoute filters → IR route features. Invalid values are collected as errors (the rule is then
 * dropped and reported); a reference that cannot be resolved is collected separately, because the
 * spec says such a rule must keep answering, with an error response.
 */
import type {
  CorsRead,
  HeaderModifierRead,
  MirrorRead,
  PathModifierRead,
  RedirectRead,
  RouteFilterRead,
} from '../../../resources/read/route-filters.js';
import type { ExternalAuthRead } from '../../../resources/read/external-auth.js';
import type { IrCors, IrHeaderMutation, IrStringMatch } from '../../../ir/types.js';
import { checkHeaderName, checkHeaderValue, checkPath, isUnmodifiableHeader } from '../validation.js';

/** A mirror the rule asks for; its backendRef is resolved with the rule's other references. */
export type MirrorRequest = MirrorRead;

export type RedirectSpec = RedirectRead;

/** The filter types a backendRef may have: header modifiers, URLRewrite (HTTPRouteBackendURLRewrite), ExtensionRef. */
const BACKEND_FILTER_TYPES = new Set<unknown>([
  'RequestHeaderModifier',
  'ResponseHeaderModifier',
  'URLRewrite',
  'ExtensionRef',
]);

export interface FilterResult {
  requestHeaders?: IrHeaderMutation;
  responseHeaders?: IrHeaderMutation;
  hostRewrite?: string;
  pathRewrite?: PathModifierRead;
  redirect?: RedirectSpec;
  mirrors: MirrorRequest[];
  cors?: IrCors;
  /** ExternalAuth (rule level); its backendRef is resolved with the rule's other references. */
  externalAuth?: ExternalAuthRead;
  /** Unresolvable references (ExtensionRef): the rule answers 500 and ResolvedRefs reports it. */
  unresolved: string[];
  /** Invalid values: the rule cannot be programmed. */
  errors: string[];
  /** Values outside the API's enums: the spec rejects the whole route (Accepted=False/UnsupportedValue). */
  unsupported: string[];
  /** Filters that cannot be combined: the whole route is rejected (Accepted=False/IncompatibleFilters). */
  incompatible: string[];
}

export interface FilterScope {
  /** Backend-level filters accept only header modifiers, URLRewrite (HTTPRouteBackendURLRewrite) and extension refs. */
  level: 'rule' | 'backend';
  /** What a request gets when its rule has an unresolved ExtensionRef (for messages); HTTP 500 by default. */
  errorResponse?: string;
}

function headerMutation(read: HeaderModifierRead, side: 'request' | 'response', errors: string[]) {
  const out: IrHeaderMutation = { set: [], add: [], remove: [] };
  let hostRewrite: string | undefined;
  const check = (name: string, value?: string): boolean => {
    const problem = checkHeaderName(name) ?? (value === undefined ? undefined : checkHeaderValue(value));
    if (problem) errors.push(`${side}HeaderModifier: ${problem}`);
    return problem === undefined;
  };
  // Entries with equivalent names were dropped by the reader (the first one counts).
  for (const h of read.set) {
    if (!check(h.name, h.value)) continue;
    if (side === 'request' && h.name.toLowerCase() === 'host') {
      // Envoy does not let routes set Host as a header; the host rewrite does exactly that.
      hostRewrite = h.value;
      continue;
    }
    if (isUnmodifiableHeader(h.name)) errors.push(`${side}HeaderModifier cannot set ${h.name}`);
    else out.set.push({ name: h.name, value: h.value });
  }
  for (const h of read.add) {
    if (!check(h.name, h.value)) continue;
    if (isUnmodifiableHeader(h.name)) errors.push(`${side}HeaderModifier cannot add ${h.name}`);
    else out.add.push({ name: h.name, value: h.value });
  }
  for (const name of read.remove) {
    if (!check(name)) continue;
    if (isUnmodifiableHeader(name)) errors.push(`${side}HeaderModifier cannot remove ${name}`);
    else out.remove.push(name);
  }
  return { mutation: out, hostRewrite };
}

/** Envoy's path rules, on a path modifier the reader found of a supported type. */
function checkPathModifier(path: PathModifierRead | undefined, errors: string[], where: string): void {
  if (path === undefined) return;
  if (path.type === 'ReplaceFullPath') {
    const p = checkPath(path.replaceFullPath ?? '');
    if (p) errors.push(`${where}: replaceFullPath ${p}`);
  } else {
    const p = checkPath(path.replacePrefixMatch ?? '');
    if (p) errors.push(`${where}: replacePrefixMatch ${p}`);
  }
}

function redirectSpec(read: RedirectRead, errors: string[]): RedirectSpec {
  checkPathModifier(read.path, errors, 'requestRedirect');
  return read;
}

/** Gateway API CORS origins are exact, `*`, or have a `*` wildcard in the host. */
function originMatch(origin: string): IrStringMatch {
  if (origin === '*') return { type: 'RegularExpression', value: '.*' };
  if (!origin.includes('*')) return { type: 'Exact', value: origin };
  const escaped = origin.replace(/[.+?^${}()|[\]\\/]/g, '\\$&').replace(/\*/g, '[a-zA-Z0-9.-]+');
  return { type: 'RegularExpression', value: escaped };
}

function corsPolicy(read: CorsRead, errors: string[]): IrCors {
  const tokens = (list: string[], what: string) => {
    const out: string[] = [];
    for (const v of list) {
      if (v !== '*' && checkHeaderName(v)) errors.push(`cors: invalid ${what} ${JSON.stringify(v)}`);
      else if (!out.includes(v)) out.push(v);
    }
    return out;
  };
  const origins: IrStringMatch[] = [];
  for (const o of read.allowOrigins) {
    if (checkHeaderValue(o) || /\s/.test(o)) errors.push(`cors: invalid origin ${JSON.stringify(o)}`);
    else origins.push(originMatch(o));
  }
  const cors: IrCors = {
    allowOrigins: origins,
    allowMethods: tokens(read.allowMethods, 'method'),
    allowHeaders: tokens(read.allowHeaders, 'header'),
    exposeHeaders: tokens(read.exposeHeaders, 'header'),
    allowCredentials: read.allowCredentials,
  };
  if (read.maxAgeSeconds !== undefined) cors.maxAgeSeconds = read.maxAgeSeconds;
  return cors;
}

/**
 * A rule's or a backendRef's filters, as the reader read them. A filter's shape problems count
 * where the filter is taken: a repeated or misplaced filter is refused before its own problems.
 */
export function translateFilters(filters: readonly RouteFilterRead[], scope: FilterScope): FilterResult {
  const result: FilterResult = { mirrors: [], unresolved: [], errors: [], unsupported: [], incompatible: [] };
  const seen = new Set<unknown>();
  for (const filter of filters) {
    const type = filter.type === 'Unknown' ? filter.writtenType : filter.type;
    if (type !== 'RequestMirror' && type !== 'ExtensionRef') {
      if (seen.has(type)) {
        result.errors.push(`filter ${String(type)} is given more than once`);
        continue;
      }
      seen.add(type);
    }
    if (scope.level === 'backend' && !BACKEND_FILTER_TYPES.has(type)) {
      result.errors.push(`filter ${String(type)} is not supported on backendRefs`);
      continue;
    }
    result.errors.push(...filter.errors.map((e) => e.message));
    result.unsupported.push(...filter.unsupported.map((e) => e.message));
    switch (filter.type) {
      case 'RequestHeaderModifier': {
        if (!filter.headers) break;
        const { mutation, hostRewrite } = headerMutation(filter.headers, 'request', result.errors);
        result.requestHeaders = mutation;
        if (hostRewrite !== undefined) result.hostRewrite = hostRewrite;
        break;
      }
      case 'ResponseHeaderModifier':
        result.responseHeaders = filter.headers
          ? headerMutation(filter.headers, 'response', result.errors).mutation
          : { set: [], add: [], remove: [] };
        break;
      case 'RequestRedirect':
        result.redirect = redirectSpec(filter.redirect, result.errors);
        break;
      case 'URLRewrite': {
        const rw = filter.rewrite;
        if (rw.hostname !== undefined) result.hostRewrite = rw.hostname;
        checkPathModifier(rw.path, result.errors, 'urlRewrite');
        if (rw.path) result.pathRewrite = rw.path;
        break;
      }
      case 'RequestMirror':
        if (filter.mirror) result.mirrors.push(filter.mirror);
        break;
      case 'CORS':
        result.cors = corsPolicy(filter.cors, result.errors);
        break;
      case 'ExternalAuth':
        if (filter.externalAuth) result.externalAuth = filter.externalAuth;
        break;
      case 'ExtensionRef': {
        const ref = filter.extensionRef;
        const what = ref ? `${ref.group || 'core'}/${ref.kind} ${ref.name}` : '(missing extensionRef)';
        result.unresolved.push(
          `ExtensionRef ${what} is not a filter Portico knows; the rule answers ${scope.errorResponse ?? '500'}`,
        );
        break;
      }
      default:
        result.unsupported.push(`filter type ${JSON.stringify(type)} is not supported`);
    }
  }
  if (result.redirect && seen.has('URLRewrite')) {
    result.incompatible.push('RequestRedirect and URLRewrite cannot be used in the same rule');
  }
  return result;
}
