/**
 * HTTPRoute filters → IR route features. Invalid values are collected as errors (the rule is then
 * dropped and reported); a reference that cannot be resolved is collected separately, because the
 * spec says such a rule must keep answering, with an error response.
 */
import type {
  BackendObjectReference,
  HTTPCORSFilter,
  HTTPHeaderFilter,
  HTTPPathModifier,
  HTTPRequestRedirectFilter,
  HTTPRouteFilter,
} from '../../../resources/types.js';
import type { IrCors, IrHeaderMutation, IrStringMatch } from '../../../ir/types.js';
import { checkHeaderName, checkHeaderValue, checkPath, isUnmodifiableHeader } from '../validation.js';
import { isValidHostname } from '../hostnames.js';

export interface MirrorRequest {
  backendRef: BackendObjectReference;
  numerator: number;
  denominator: 100 | 10000 | 1000000;
}

export interface RedirectSpec {
  scheme?: string;
  hostname?: string;
  port?: number;
  path?: HTTPPathModifier;
  statusCode: 301 | 302 | 303 | 307 | 308;
}

export interface FilterResult {
  requestHeaders?: IrHeaderMutation;
  responseHeaders?: IrHeaderMutation;
  hostRewrite?: string;
  pathRewrite?: HTTPPathModifier;
  redirect?: RedirectSpec;
  mirrors: MirrorRequest[];
  cors?: IrCors;
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

function headerMutation(filter: HTTPHeaderFilter | undefined, side: 'request' | 'response', errors: string[]) {
  const out: IrHeaderMutation = { set: [], add: [], remove: [] };
  let hostRewrite: string | undefined;
  if (!filter || typeof filter !== 'object') {
    errors.push(`${side}HeaderModifier needs a configuration`);
    return { mutation: out, hostRewrite };
  }
  const check = (name: string, value?: string): boolean => {
    const problem = checkHeaderName(name) ?? (value === undefined ? undefined : checkHeaderValue(value));
    if (problem) errors.push(`${side}HeaderModifier: ${problem}`);
    return problem === undefined;
  };
  // HTTPHeader.name: names are case-insensitive, and of entries with equivalent names "the first
  // entry … MUST be considered for a match. Subsequent entries … MUST be ignored".
  const firstOf = (seen: Set<string>, name: string): boolean => {
    const key = name.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  const setNames = new Set<string>();
  const addNames = new Set<string>();
  const removeNames = new Set<string>();
  for (const h of filter.set ?? []) {
    // A later entry with an equivalent name is ignored, so it is not validated either.
    if (typeof h?.name === 'string' && !firstOf(setNames, h.name)) continue;
    if (!check(h?.name, h?.value)) continue;
    if (side === 'request' && h.name.toLowerCase() === 'host') {
      // Envoy does not let routes set Host as a header; the host rewrite does exactly that.
      hostRewrite = h.value;
      continue;
    }
    if (isUnmodifiableHeader(h.name)) errors.push(`${side}HeaderModifier cannot set ${h.name}`);
    else out.set.push({ name: h.name, value: h.value });
  }
  for (const h of filter.add ?? []) {
    if (typeof h?.name === 'string' && !firstOf(addNames, h.name)) continue;
    if (!check(h?.name, h?.value)) continue;
    if (isUnmodifiableHeader(h.name)) errors.push(`${side}HeaderModifier cannot add ${h.name}`);
    else out.add.push({ name: h.name, value: h.value });
  }
  for (const name of filter.remove ?? []) {
    if (typeof name === 'string' && !firstOf(removeNames, name)) continue;
    if (!check(name)) continue;
    if (isUnmodifiableHeader(name)) errors.push(`${side}HeaderModifier cannot remove ${name}`);
    else out.remove.push(name);
  }
  return { mutation: out, hostRewrite };
}

function checkPathModifier(
  path: HTTPPathModifier | undefined,
  errors: string[],
  unsupported: string[],
  where: string,
): void {
  if (path === undefined) return;
  if (path.type === 'ReplaceFullPath') {
    const p = checkPath(path.replaceFullPath ?? '');
    if (p) errors.push(`${where}: replaceFullPath ${p}`);
  } else if (path.type === 'ReplacePrefixMatch') {
    const p = checkPath(path.replacePrefixMatch ?? '');
    if (p) errors.push(`${where}: replacePrefixMatch ${p}`);
  } else {
    unsupported.push(`${where}: path type ${String(path.type)} is not supported`);
  }
}

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);
function redirectSpec(
  filter: HTTPRequestRedirectFilter | undefined,
  errors: string[],
  unsupported: string[],
): RedirectSpec {
  const f = filter ?? {};
  const statusCode = f.statusCode ?? 302;
  const spec: RedirectSpec = { statusCode: 302 };
  if (!REDIRECT_CODES.has(statusCode)) unsupported.push(`requestRedirect: statusCode ${statusCode} is not supported`);
  else spec.statusCode = statusCode as RedirectSpec['statusCode'];
  if (f.scheme !== undefined) {
    if (f.scheme !== 'http' && f.scheme !== 'https')
      unsupported.push(`requestRedirect: scheme ${f.scheme} is not supported`);
    else spec.scheme = f.scheme;
  }
  if (f.hostname !== undefined) {
    if (!isValidHostname(f.hostname) || f.hostname.startsWith('*'))
      errors.push(`requestRedirect: invalid hostname ${f.hostname}`);
    else spec.hostname = f.hostname;
  }
  if (f.port !== undefined) {
    if (!Number.isInteger(f.port) || f.port < 1 || f.port > 65535)
      errors.push(`requestRedirect: invalid port ${f.port}`);
    else spec.port = f.port;
  }
  checkPathModifier(f.path, errors, unsupported, 'requestRedirect');
  if (f.path) spec.path = f.path;
  return spec;
}

/** Gateway API CORS origins are exact, `*`, or have a `*` wildcard in the host. */
function originMatch(origin: string): IrStringMatch {
  if (origin === '*') return { type: 'RegularExpression', value: '.*' };
  if (!origin.includes('*')) return { type: 'Exact', value: origin };
  const escaped = origin.replace(/[.+?^${}()|[\]\\/]/g, '\\$&').replace(/\*/g, '[a-zA-Z0-9.-]+');
  return { type: 'RegularExpression', value: escaped };
}

function corsPolicy(filter: HTTPCORSFilter | undefined, errors: string[]): IrCors {
  const f = filter ?? {};
  const tokens = (list: string[] | undefined, what: string) => {
    const out: string[] = [];
    for (const v of list ?? []) {
      if (v !== '*' && checkHeaderName(v)) errors.push(`cors: invalid ${what} ${JSON.stringify(v)}`);
      else if (!out.includes(v)) out.push(v);
    }
    return out;
  };
  const origins: IrStringMatch[] = [];
  for (const o of f.allowOrigins ?? []) {
    if (typeof o !== 'string' || checkHeaderValue(o) || /\s/.test(o))
      errors.push(`cors: invalid origin ${JSON.stringify(o)}`);
    else origins.push(originMatch(o));
  }
  const cors: IrCors = {
    allowOrigins: origins,
    allowMethods: tokens(f.allowMethods, 'method'),
    allowHeaders: tokens(f.allowHeaders, 'header'),
    exposeHeaders: tokens(f.exposeHeaders, 'header'),
    allowCredentials: f.allowCredentials === true,
  };
  const maxAge = f.maxAge ?? 5;
  if (!Number.isInteger(maxAge) || maxAge < 1) errors.push(`cors: invalid maxAge ${maxAge}`);
  else cors.maxAgeSeconds = maxAge;
  return cors;
}

function mirrorRequest(filter: HTTPRouteFilter['requestMirror'], errors: string[]): MirrorRequest | undefined {
  if (!filter?.backendRef) {
    errors.push('requestMirror needs a backendRef');
    return undefined;
  }
  if (filter.percent !== undefined && filter.fraction !== undefined) {
    errors.push('requestMirror: set percent or fraction, not both');
    return undefined;
  }
  if (filter.fraction !== undefined) {
    const num = filter.fraction.numerator;
    const den = filter.fraction.denominator ?? 100;
    if (!Number.isInteger(num) || !Number.isInteger(den) || num < 0 || den < 1 || num > den) {
      errors.push(`requestMirror: invalid fraction ${num}/${den}`);
      return undefined;
    }
    return { backendRef: filter.backendRef, numerator: Math.round((num * 1_000_000) / den), denominator: 1000000 };
  }
  const percent = filter.percent ?? 100;
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
    errors.push(`requestMirror: invalid percent ${percent}`);
    return undefined;
  }
  return { backendRef: filter.backendRef, numerator: percent, denominator: 100 };
}

export function translateFilters(filters: HTTPRouteFilter[] | undefined, scope: FilterScope): FilterResult {
  const result: FilterResult = { mirrors: [], unresolved: [], errors: [], unsupported: [], incompatible: [] };
  const seen = new Set<string>();
  for (const filter of Array.isArray(filters) ? filters : []) {
    const type = filter?.type;
    if (type !== 'RequestMirror' && type !== 'ExtensionRef') {
      if (seen.has(type)) {
        result.errors.push(`filter ${type} is given more than once`);
        continue;
      }
      seen.add(type);
    }
    if (
      scope.level === 'backend' &&
      !['RequestHeaderModifier', 'ResponseHeaderModifier', 'URLRewrite', 'ExtensionRef'].includes(type)
    ) {
      result.errors.push(`filter ${type} is not supported on backendRefs`);
      continue;
    }
    switch (type) {
      case 'RequestHeaderModifier': {
        const { mutation, hostRewrite } = headerMutation(filter.requestHeaderModifier, 'request', result.errors);
        result.requestHeaders = mutation;
        if (hostRewrite !== undefined) result.hostRewrite = hostRewrite;
        break;
      }
      case 'ResponseHeaderModifier':
        result.responseHeaders = headerMutation(filter.responseHeaderModifier, 'response', result.errors).mutation;
        break;
      case 'RequestRedirect':
        result.redirect = redirectSpec(filter.requestRedirect, result.errors, result.unsupported);
        break;
      case 'URLRewrite': {
        const rw = filter.urlRewrite ?? {};
        if (rw.hostname !== undefined) {
          if (!isValidHostname(rw.hostname) || rw.hostname.startsWith('*'))
            result.errors.push(`urlRewrite: invalid hostname ${rw.hostname}`);
          else result.hostRewrite = rw.hostname;
        }
        checkPathModifier(rw.path, result.errors, result.unsupported, 'urlRewrite');
        if (rw.path) result.pathRewrite = rw.path;
        break;
      }
      case 'RequestMirror': {
        const m = mirrorRequest(filter.requestMirror, result.errors);
        if (m) result.mirrors.push(m);
        break;
      }
      case 'CORS':
        result.cors = corsPolicy(filter.cors, result.errors);
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
