/**
 * A SecurityPolicy's `jwt` (Envoy Gateway's JWT), read: the providers a request's token may come
 * from (any one of them must verify it), each with its key set (inline, in a ConfigMap, or fetched
 * from a URI), the issuer and audiences it must name, the claims copied into request headers and
 * where the token is looked for; and whether a request without a token may pass (`optional`) or
 * even one with a bad token (`failOpen`).
 *
 * Every problem is kept with its path; the section is valid or not as a whole. An inline key set
 * is checked here (every key must be a usable public key), one in a ConfigMap where it is looked
 * up: Envoy does not refuse a key set it cannot use, it refuses every token instead.
 */
import { parseEnvoyUri } from './envoy-uri.js';
import { createPublicKey } from 'node:crypto';
import { parseGatewayDuration } from './duration.js';
import { isHeaderName } from './header-name.js';
import { fieldsOf, valid, type FieldError, type ValidationResult } from './validation-result.js';

export interface JwtClaimToHeaderRead {
  /** The request header (as written; Envoy's header names are case-insensitive). */
  header: string;
  /** The claim, nested names separated by dots (`claim.nested.key`). */
  claim: string;
}

export interface JwtExtractFromRead {
  headers: { name: string; valuePrefix?: string }[];
  cookies: string[];
  params: string[];
}

export type JwtJwksRead =
  | { type: 'Inline'; jwks: string }
  | { type: 'ValueRef'; configMap: string }
  | { type: 'Remote'; uri: string; scheme: 'http' | 'https'; host: string; port: number; cacheDurationMs?: number };

export interface JwtProviderRead {
  name: string;
  /** Absent: the token's issuer is not checked. */
  issuer?: string;
  /** Empty: the token's audience is not checked. */
  audiences: string[];
  jwks: JwtJwksRead;
  claimToHeaders: JwtClaimToHeaderRead[];
  recomputeRoute: boolean;
  /** Absent: `Authorization: Bearer <token>` or the `access_token` query parameter (Envoy's default). */
  extractFrom?: JwtExtractFromRead;
}

export interface JwtRead {
  providers: JwtProviderRead[];
  /** A request without a token passes (one with a bad token is still refused). */
  optional: boolean;
  /** A request with a missing or bad token passes (a good one is still verified and its claims copied). */
  failOpen: boolean;
}

const AT = 'spec.jwt';
const JWT_FIELDS: ReadonlySet<string> = new Set(['providers', 'optional', 'failOpen']);
const PROVIDER_FIELDS: ReadonlySet<string> = new Set([
  'name',
  'issuer',
  'audiences',
  'remoteJWKS',
  'localJWKS',
  'claimToHeaders',
  'recomputeRoute',
  'extractFrom',
]);
const REMOTE_FIELDS: ReadonlySet<string> = new Set(['uri', 'cacheDuration']);

/** A Kubernetes qualified name (Envoy Gateway checks provider names with it): `[prefix/]name`. */
const QUALIFIED_NAME_RE =
  /^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** A cookie name is an RFC 6265 token. */
const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What no header value can carry. */
const BAD_VALUE_RE = /[\0\r\n]/;

type Problem = (path: string, message: string) => void;

export function readJwt(value: unknown): ValidationResult<JwtRead> {
  const problems: FieldError[] = [];
  const problem: Problem = (path, message) => void problems.push({ path, message });
  const j = fieldsOf(value);
  if (!j) return { valid: false, errors: [{ path: AT, message: 'jwt must be an object' }] };
  for (const field of Object.keys(j)) {
    if (!JWT_FIELDS.has(field)) problem(`${AT}.${field}`, `jwt.${field} is not a field Portico supports`);
  }
  const optional = readBool(j.optional, `${AT}.optional`, problem);
  const failOpen = readBool(j.failOpen, `${AT}.failOpen`, problem);
  if (j.optional !== undefined && j.failOpen !== undefined) {
    problem(AT, 'jwt: optional and failOpen cannot both be set; failOpen already tolerates a missing JWT');
  }
  const providers: JwtProviderRead[] = [];
  if (!Array.isArray(j.providers) || j.providers.length < 1 || j.providers.length > 16) {
    problem(`${AT}.providers`, 'jwt.providers must be a list of 1 to 16 providers');
  } else {
    const names = new Set<string>();
    for (const [i, item] of j.providers.entries()) {
      const provider = readProvider(item, `${AT}.providers[${i}]`, problem);
      if (!provider) continue;
      if (names.has(provider.name)) {
        problem(`${AT}.providers[${i}].name`, `jwt provider name ${provider.name} must be unique`);
        continue;
      }
      names.add(provider.name);
      providers.push(provider);
    }
  }
  if (problems.length > 0) return { valid: false, errors: problems };
  return valid({ providers, optional, failOpen });
}

function readBool(value: unknown, path: string, problem: Problem): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') {
    problem(path, `${path.slice('spec.'.length)} must be true or false`);
    return false;
  }
  return value;
}

function readProvider(value: unknown, path: string, problem: Problem): JwtProviderRead | undefined {
  const at = path.slice('spec.'.length);
  const p = fieldsOf(value);
  if (!p) return void problem(path, `${at} must be an object`);
  let ok = true;
  const fail = (field: string, message: string): void => {
    ok = false;
    problem(`${path}.${field}`, `${at}.${field}${message}`);
  };
  for (const field of Object.keys(p)) {
    if (!PROVIDER_FIELDS.has(field)) fail(field, ' is not a field Portico supports');
  }
  const name = p.name;
  if (typeof name !== 'string' || name.length > 253 || !QUALIFIED_NAME_RE.test(name)) {
    fail('name', ` ${JSON.stringify(name)} is not a qualified name ([prefix/]name of letters, digits, '-', '_', '.')`);
  }
  let issuer: string | undefined;
  if (p.issuer !== undefined && p.issuer !== '') {
    const problemText = issuerProblem(p.issuer);
    if (problemText) fail('issuer', problemText);
    else issuer = p.issuer as string;
  }
  const audiences: string[] = [];
  if (p.audiences !== undefined) {
    if (
      !Array.isArray(p.audiences) ||
      p.audiences.length > 8 ||
      !p.audiences.every((a): a is string => typeof a === 'string' && a !== '')
    ) {
      fail('audiences', ' must be a list of at most 8 non-empty strings');
    } else audiences.push(...p.audiences);
  }
  let jwks: JwtJwksRead | undefined;
  if ((p.remoteJWKS === undefined) === (p.localJWKS === undefined)) {
    ok = false;
    problem(path, `${at}: exactly one of remoteJWKS or localJWKS must be specified`);
  } else if (p.remoteJWKS !== undefined) {
    jwks = readRemote(p.remoteJWKS, fail);
  } else {
    jwks = readLocal(p.localJWKS, fail);
  }
  const claimToHeaders: JwtClaimToHeaderRead[] = [];
  if (p.claimToHeaders !== undefined) {
    if (!Array.isArray(p.claimToHeaders)) fail('claimToHeaders', ' must be a list');
    else {
      for (const [k, item] of p.claimToHeaders.entries()) {
        const c = fieldsOf(item);
        if (!c || !isHeaderName(c.header)) {
          fail(`claimToHeaders[${k}].header`, ` ${JSON.stringify(c?.header)} is not a header name`);
        } else if (typeof c.claim !== 'string' || c.claim === '') {
          fail(`claimToHeaders[${k}].claim`, ' must be a non-empty claim name');
        } else claimToHeaders.push({ header: c.header, claim: c.claim });
      }
    }
  }
  let recomputeRoute = false;
  if (p.recomputeRoute !== undefined) {
    if (typeof p.recomputeRoute !== 'boolean') fail('recomputeRoute', ' must be true or false');
    else recomputeRoute = p.recomputeRoute;
  }
  if (recomputeRoute && (!Array.isArray(p.claimToHeaders) || p.claimToHeaders.length === 0)) {
    fail('recomputeRoute', ': claimToHeaders must be specified if recomputeRoute is enabled');
  }
  const extractFrom = p.extractFrom === undefined ? undefined : readExtractFrom(p.extractFrom, fail);
  if (!ok || !jwks || (p.extractFrom !== undefined && !extractFrom)) return undefined;
  return {
    name: name as string,
    ...(issuer !== undefined ? { issuer } : {}),
    audiences,
    jwks,
    claimToHeaders,
    recomputeRoute,
    ...(extractFrom ? { extractFrom } : {}),
  };
}

/** A StringOrURI (RFC 7519): with ':' it must be a URI, with '@' an email address. */
function issuerProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 253) return ' must be a string of at most 253 characters';
  if (value.includes(':')) {
    let uri = !/[\s<>"{}|\\^`]/.test(value);
    try {
      new URL(value);
    } catch {
      uri = false;
    }
    if (!uri) return ` ${JSON.stringify(value)}: an issuer with ':' must be a URI`;
  } else if (value.includes('@') && !/^[^@\s]+@[^@\s]+$/.test(value)) {
    return ` ${JSON.stringify(value)}: an issuer with '@' must be an email address`;
  }
  return undefined;
}

function readRemote(value: unknown, fail: (field: string, message: string) => void): JwtJwksRead | undefined {
  const r = fieldsOf(value);
  if (!r) return void fail('remoteJWKS', ' must be an object');
  let ok = true;
  for (const field of Object.keys(r)) {
    if (!REMOTE_FIELDS.has(field)) {
      ok = false;
      fail(`remoteJWKS.${field}`, ' is not supported by Portico (the key set is fetched from the uri itself)');
    }
  }
  let url: URL | undefined;
  try {
    url = typeof r.uri === 'string' && r.uri.length <= 253 ? new URL(r.uri) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.hostname === '') {
    return void fail(
      'remoteJWKS.uri',
      ` ${JSON.stringify(r.uri)} is not an http or https URI of at most 253 characters`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    return void fail('remoteJWKS.uri', ': credentials in the URI are not supported');
  }
  // Envoy's own parser decides: a URI it refuses would make it reject the whole listener.
  if (parseEnvoyUri(r.uri as string) === undefined) {
    return void fail(
      'remoteJWKS.uri',
      ` ${JSON.stringify(r.uri)} is not a URI Envoy reads: scheme://host[:port]/path, a DNS name or IP literal, no blanks or fragment`,
    );
  }
  let cacheDurationMs: number | undefined;
  if (r.cacheDuration !== undefined) {
    cacheDurationMs = parseGatewayDuration(r.cacheDuration);
    if (cacheDurationMs === undefined || cacheDurationMs < 1) {
      return void fail(
        'remoteJWKS.cacheDuration',
        ` ${JSON.stringify(r.cacheDuration)} is not a positive duration (300s, 5m)`,
      );
    }
  }
  if (!ok) return undefined;
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  // URL keeps IPv6 literals in brackets.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port !== '' ? Number(url.port) : scheme === 'https' ? 443 : 80;
  return {
    type: 'Remote',
    uri: r.uri as string,
    scheme,
    host,
    port,
    ...(cacheDurationMs !== undefined ? { cacheDurationMs } : {}),
  };
}

function readLocal(value: unknown, fail: (field: string, message: string) => void): JwtJwksRead | undefined {
  const l = fieldsOf(value);
  if (!l) return void fail('localJWKS', ' must be an object');
  const type = l.type ?? 'Inline';
  if (type === 'Inline' && l.inline !== undefined && l.valueRef === undefined) {
    if (typeof l.inline !== 'string') return void fail('localJWKS.inline', ' must be a string');
    const bad = jwksProblem(l.inline);
    if (bad) return void fail('localJWKS.inline', `: ${bad}`);
    return { type: 'Inline', jwks: l.inline };
  }
  if (type === 'ValueRef' && l.valueRef !== undefined && l.inline === undefined) {
    const ref = fieldsOf(l.valueRef);
    if (!ref || typeof ref.name !== 'string' || ref.name === '') {
      return void fail('localJWKS.valueRef.name', ' must be the name of a ConfigMap');
    }
    if ((ref.group ?? '') !== '' || (ref.kind ?? 'ConfigMap') !== 'ConfigMap') {
      return void fail(
        'localJWKS.valueRef',
        ` ${JSON.stringify(ref.group ?? '')}/${JSON.stringify(ref.kind)}: only a core ConfigMap is supported`,
      );
    }
    return { type: 'ValueRef', configMap: ref.name };
  }
  return void fail(
    'localJWKS',
    ': exactly one of inline or valueRef must be set with the matching type (Inline, ValueRef)',
  );
}

function readExtractFrom(
  value: unknown,
  fail: (field: string, message: string) => void,
): JwtExtractFromRead | undefined {
  const e = fieldsOf(value);
  if (!e) return void fail('extractFrom', ' must be an object');
  let ok = true;
  const bad = (field: string, message: string): void => {
    ok = false;
    fail(`extractFrom.${field}`, message);
  };
  for (const field of Object.keys(e)) {
    if (!['headers', 'cookies', 'params'].includes(field)) bad(field, ' is not a field Portico supports');
  }
  const out: JwtExtractFromRead = { headers: [], cookies: [], params: [] };
  if (e.headers !== undefined) {
    if (!Array.isArray(e.headers)) bad('headers', ' must be a list');
    else {
      for (const [k, item] of e.headers.entries()) {
        const h = fieldsOf(item);
        if (!h || !isHeaderName(h.name)) bad(`headers[${k}].name`, ` ${JSON.stringify(h?.name)} is not a header name`);
        else if (
          h.valuePrefix !== undefined &&
          (typeof h.valuePrefix !== 'string' || BAD_VALUE_RE.test(h.valuePrefix))
        ) {
          bad(`headers[${k}].valuePrefix`, ' must be a string without CR, LF or NUL');
        } else {
          out.headers.push({
            name: h.name,
            ...(typeof h.valuePrefix === 'string' ? { valuePrefix: h.valuePrefix } : {}),
          });
        }
      }
    }
  }
  for (const [field, test, what] of [
    ['cookies', TOKEN_RE, 'a cookie name'],
    ['params', /^[^\0\r\n]+$/, 'a query parameter name'],
  ] as const) {
    if (e[field] === undefined) continue;
    const list = e[field];
    if (!Array.isArray(list)) {
      bad(field, ' must be a list');
      continue;
    }
    for (const [k, item] of list.entries()) {
      if (typeof item === 'string' && test.test(item)) out[field].push(item);
      else bad(`${field}[${k}]`, ` ${JSON.stringify(item)} is not ${what}`);
    }
  }
  if (ok && out.headers.length + out.cookies.length + out.params.length === 0) {
    bad('', ' must name at least one header, cookie or query parameter');
  }
  return ok ? out : undefined;
}

/**
 * Why `text` is not a JSON Web Key Set Envoy can verify with (undefined when it is): a JSON object
 * whose `keys` are each an RSA, EC or OKP public key. Envoy would take a set with an unusable key
 * and refuse every token it signed: it is refused here instead. A symmetric (`oct`) key, or a
 * private key (`d`, RSA's primes…), is a secret: it is refused rather than written into Envoy's
 * configuration (and its debug dumps).
 */
export function jwksProblem(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'the key set is not JSON';
  }
  const keys = fieldsOf(parsed)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) return 'the key set has no "keys" (a JSON Web Key Set, RFC 7517)';
  for (const [i, key] of keys.entries()) {
    const k = fieldsOf(key);
    if (!k || typeof k.kty !== 'string') return `keys[${i}] has no kty`;
    if (k.kty === 'oct') {
      return `keys[${i}] is a symmetric (oct) key, a secret that Portico does not take from a policy or a ConfigMap (it would sit in Envoy's configuration); use a public key (RSA, EC, OKP)`;
    }
    if (!['RSA', 'EC', 'OKP'].includes(k.kty)) return `keys[${i}]: kty ${JSON.stringify(k.kty)} is not RSA, EC or OKP`;
    const privateParts = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'].filter((f) => f in k);
    if (privateParts.length > 0) {
      return `keys[${i}] (${k.kty}) holds private key material (${privateParts.join(', ')}), which would sit in Envoy's configuration and the debug dumps: give only the public key`;
    }
    try {
      createPublicKey({ key: k as import('node:crypto').JsonWebKey, format: 'jwk' });
    } catch (e) {
      return `keys[${i}] (${k.kty}) is not a usable key: ${(e as Error).message}`;
    }
  }
  return undefined;
}
