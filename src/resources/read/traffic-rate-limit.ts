/**
 * A BackendTrafficPolicy's `rateLimit` (Envoy Gateway's RateLimitSpec), read: `local` rules (each
 * Envoy counts alone), `global` rules (every Envoy of the Gateway counts in the one rate limit
 * service), or both (Envoy Gateway v1.9; its `type` is deprecated, and when written must name a
 * section that is there). The rules: each a limit (`requests` per `unit`) and the clients it counts (`clientSelectors`:
 * every selector must hold; each names headers and a source range, `Exact` to count the matching
 * clients together, `Distinct` to count each value on its own). A rule without selectors counts
 * every request of the route.
 *
 * Refused, naming the field: what Portico does not translate yet (cost, shared, shadowMode,
 * xRateLimitHeaders, limit.fromMetadata, methods, path, queryParams, RegularExpression, invert,
 * the units Week, Month and Year), and what Envoy would reject or never match (requests 0, a
 * Distinct with a value, an Exact without one, a range that is not a CIDR).
 */
import { parseCidr } from '../../shared/cidr.js';
import { isHeaderName } from './header-name.js';
import { fieldsOf, invalid, itemsOf, valid, type FieldError, type ValidationResult } from './validation-result.js';

export type RateLimitType = 'Local' | 'Global';
export type RateLimitUnit = 'Second' | 'Minute' | 'Hour' | 'Day';
export type RateLimitMatchType = 'Exact' | 'Distinct';

export interface RateLimitHeaderRead {
  /** Lowercase. */
  name: string;
  type: RateLimitMatchType;
  /** Exact only. */
  value?: string;
}

export interface RateLimitSourceRead {
  type: RateLimitMatchType;
  /** The range with its host bits cleared, as Envoy writes a masked address: `10.0.0.0/8`. */
  cidr: string;
  family: 4 | 6;
  prefixLength: number;
}

export interface RateLimitSelectorRead {
  headers: RateLimitHeaderRead[];
  sourceCIDR?: RateLimitSourceRead;
}

export interface RateLimitRuleRead {
  /** Empty: every request of the route. */
  clientSelectors: RateLimitSelectorRead[];
  limit: { requests: number; unit: RateLimitUnit };
}

export interface RateLimitRead {
  local?: RateLimitRuleRead[];
  global?: RateLimitRuleRead[];
}

const AT = 'spec.rateLimit';
const UNITS: readonly string[] = ['Second', 'Minute', 'Hour', 'Day'];
/** Envoy Gateway's bounds: rules (Global, Local), selectors per rule, headers per selector. */
const MAX_RULES: Record<RateLimitType, number> = { Global: 256, Local: 16 };
const MAX_SELECTORS = 8;
const MAX_HEADERS = 128;
const MAX_HEADER_VALUE = 1024;
/** A token bucket's size is a uint32 (TokenBucket.max_tokens, > 0). */
const MAX_REQUESTS = 0xffff_ffff;
const NOT_YET_RULE = ['cost', 'shared', 'shadowMode', 'xRateLimitHeaders'];
const NOT_YET_SELECTOR = ['methods', 'path', 'queryParams'];

type Problem = (path: string, message: string) => void;

export function readRateLimit(value: unknown): ValidationResult<RateLimitRead> {
  const r = fieldsOf(value);
  if (!r) return invalid(AT, 'rateLimit must be an object');
  const problems: FieldError[] = [];
  const problem: Problem = (path, message) => void problems.push({ path, message });
  const set = (['Global', 'Local'] as const).filter((t) => r[SECTION[t]] !== undefined && r[SECTION[t]] !== null);
  if (r.type !== undefined && r.type !== 'Global' && r.type !== 'Local') {
    problem(`${AT}.type`, `rateLimit.type must be Global or Local, not ${JSON.stringify(r.type)}`);
  } else if (set.length === 0) {
    problem(AT, 'rateLimit: at least one of global or local must be specified');
  } else if (r.type !== undefined && !set.includes(r.type)) {
    problem(`${AT}.type`, `rateLimit.type is ${r.type} but rateLimit.${SECTION[r.type]} is not specified`);
  }
  for (const field of Object.keys(r)) {
    if (!['type', 'global', 'local'].includes(field)) {
      problem(`${AT}.${field}`, `rateLimit.${field} is not a rateLimit field Portico supports`);
    }
  }
  const read: RateLimitRead = {};
  for (const type of set) {
    const rules = readSection(type, r[SECTION[type]], problem);
    if (rules) read[SECTION[type]] = rules;
  }
  return problems.length > 0 ? { valid: false, errors: problems } : valid(read);
}

const SECTION = { Global: 'global', Local: 'local' } as const;

function readSection(type: RateLimitType, value: unknown, problem: Problem): RateLimitRuleRead[] | undefined {
  const name = SECTION[type];
  const section = `${AT}.${name}`;
  const s = fieldsOf(value);
  if (!s) return void problem(section, `rateLimit.${name} must be an object with rules`);
  for (const field of Object.keys(s)) {
    if (field !== 'rules') problem(`${section}.${field}`, `rateLimit.${name}.${field} is not supported`);
  }
  if (!Array.isArray(s.rules) || s.rules.length === 0) {
    return void problem(`${section}.rules`, `rateLimit.${name}.rules must list at least one rule`);
  }
  if (s.rules.length > MAX_RULES[type]) {
    return void problem(`${section}.rules`, `rateLimit.${name}.rules may list at most ${MAX_RULES[type]} rules`);
  }
  const rules: RateLimitRuleRead[] = [];
  let ok = true;
  for (const [i, item] of s.rules.entries()) {
    const rule = readRule(item, `${section}.rules[${i}]`, problem);
    if (rule) rules.push(rule);
    else ok = false;
  }
  if (type === 'Local' && rules.filter((rule) => rule.clientSelectors.length === 0).length > 1) {
    return void problem(
      `${section}.rules`,
      'rateLimit.local.rules: at most one rule may have no clientSelectors (it is the route’s default bucket)',
    );
  }
  return ok ? rules : undefined;
}

/** A path without its `spec.` prefix, as messages name fields. */
function at(path: string): string {
  return path.slice('spec.'.length);
}

function readRule(value: unknown, path: string, problem: Problem): RateLimitRuleRead | undefined {
  const r = fieldsOf(value);
  if (!r) return void problem(path, `${at(path)} must be an object`);
  let ok = true;
  const fail: Problem = (p, m) => {
    ok = false;
    problem(p, m);
  };
  for (const field of Object.keys(r)) {
    if (NOT_YET_RULE.includes(field)) fail(`${path}.${field}`, `${at(path)}.${field} is not supported yet`);
    else if (field !== 'clientSelectors' && field !== 'limit')
      fail(`${path}.${field}`, `${at(path)}.${field} is not a rate limit rule field`);
  }
  const selectors: RateLimitSelectorRead[] = [];
  if (r.clientSelectors !== undefined && !Array.isArray(r.clientSelectors)) {
    fail(`${path}.clientSelectors`, `${at(path)}.clientSelectors must be a list`);
  } else if (itemsOf(r.clientSelectors).length > MAX_SELECTORS) {
    fail(`${path}.clientSelectors`, `${at(path)}.clientSelectors may list at most ${MAX_SELECTORS} selectors`);
  } else {
    for (const [i, item] of itemsOf(r.clientSelectors).entries()) {
      const selector = readSelector(item, `${path}.clientSelectors[${i}]`, fail);
      if (selector) selectors.push(selector);
    }
  }
  const limit = readLimit(r.limit, `${path}.limit`, fail);
  return ok && limit ? { clientSelectors: selectors, limit } : undefined;
}

function readLimit(value: unknown, path: string, fail: Problem): RateLimitRuleRead['limit'] | undefined {
  const l = fieldsOf(value);
  if (!l) return void fail(path, `${at(path)} must be an object with requests and unit`);
  let ok = true;
  if (l.fromMetadata !== undefined) {
    ok = false;
    fail(`${path}.fromMetadata`, `${at(path)}.fromMetadata is not supported yet`);
  }
  const requests = l.requests;
  if (typeof requests !== 'number' || !Number.isInteger(requests) || requests < 1 || requests > MAX_REQUESTS) {
    ok = false;
    fail(
      `${path}.requests`,
      `${at(path)}.requests must be a whole number from 1 to ${MAX_REQUESTS}, not ${JSON.stringify(requests)}`,
    );
  }
  const unit = l.unit;
  if (typeof unit !== 'string' || !UNITS.includes(unit)) {
    ok = false;
    fail(
      `${path}.unit`,
      `${at(path)}.unit must be one of ${UNITS.join(', ')}${['Week', 'Month', 'Year'].includes(String(unit)) ? ` (${String(unit)} is not supported yet)` : ''}, not ${JSON.stringify(unit)}`,
    );
  }
  return ok ? { requests: requests as number, unit: unit as RateLimitUnit } : undefined;
}

function readSelector(value: unknown, path: string, fail: Problem): RateLimitSelectorRead | undefined {
  const s = fieldsOf(value);
  if (!s) return void fail(path, `${at(path)} must be an object`);
  let ok = true;
  const bad: Problem = (p, m) => {
    ok = false;
    fail(p, m);
  };
  for (const field of Object.keys(s)) {
    if (NOT_YET_SELECTOR.includes(field)) bad(`${path}.${field}`, `${at(path)}.${field} is not supported yet`);
    else if (field !== 'headers' && field !== 'sourceCIDR')
      bad(`${path}.${field}`, `${at(path)}.${field} is not a client selector field`);
  }
  if (s.headers === undefined && s.sourceCIDR === undefined) {
    bad(path, `${at(path)}: at least one of headers or sourceCIDR must be specified`);
  }
  const headers: RateLimitHeaderRead[] = [];
  if (s.headers !== undefined && (!Array.isArray(s.headers) || s.headers.length === 0)) {
    bad(`${path}.headers`, `${at(path)}.headers must list at least one header`);
  } else if (itemsOf(s.headers).length > MAX_HEADERS) {
    bad(`${path}.headers`, `${at(path)}.headers may list at most ${MAX_HEADERS} headers`);
  } else {
    for (const [i, item] of itemsOf(s.headers).entries()) {
      const header = readHeader(item, `${path}.headers[${i}]`, bad);
      if (header) headers.push(header);
    }
  }
  const sourceCIDR = s.sourceCIDR === undefined ? undefined : readSource(s.sourceCIDR, `${path}.sourceCIDR`, bad);
  if (!ok) return undefined;
  return sourceCIDR ? { headers, sourceCIDR } : { headers };
}

function readMatchType(value: unknown, path: string, fail: Problem): RateLimitMatchType | undefined {
  if (value === undefined) return 'Exact';
  if (value === 'Exact' || value === 'Distinct') return value;
  const later = value === 'RegularExpression' ? ' (RegularExpression is not supported yet)' : '';
  return void fail(`${path}.type`, `${at(path)}.type must be Exact or Distinct${later}, not ${JSON.stringify(value)}`);
}

function refuseInvert(value: Record<string, unknown>, path: string, fail: Problem): boolean {
  if (value.invert === undefined || value.invert === false) return true;
  fail(`${path}.invert`, `${at(path)}.invert is not supported yet`);
  return false;
}

function readHeader(value: unknown, path: string, fail: Problem): RateLimitHeaderRead | undefined {
  const h = fieldsOf(value);
  if (!h) return void fail(path, `${at(path)} must be an object`);
  const type = readMatchType(h.type, path, fail);
  const inverted = !refuseInvert(h, path, fail);
  if (!isHeaderName(h.name) || h.name.length > 256) {
    return void fail(`${path}.name`, `${at(path)}.name ${JSON.stringify(h.name)} is not a valid header name`);
  }
  if (!type || inverted) return undefined;
  const name = h.name.toLowerCase();
  if (type === 'Distinct') {
    if (h.value !== undefined) {
      return void fail(
        `${path}.value`,
        `${at(path)}.value must not be set with type Distinct (each value of the header is counted on its own)`,
      );
    }
    return { name, type };
  }
  if (typeof h.value !== 'string' || h.value === '' || h.value.length > MAX_HEADER_VALUE || /[\0\r\n]/.test(h.value)) {
    return void fail(
      `${path}.value`,
      `${at(path)}.value must be a header value of 1 to ${MAX_HEADER_VALUE} characters with type Exact`,
    );
  }
  return { name, type, value: h.value };
}

function readSource(value: unknown, path: string, fail: Problem): RateLimitSourceRead | undefined {
  const s = fieldsOf(value);
  if (!s) return void fail(path, `${at(path)} must be an object`);
  const type = readMatchType(s.type, path, fail);
  const inverted = !refuseInvert(s, path, fail);
  const cidr = typeof s.value === 'string' ? parseCidr(s.value) : undefined;
  if (!cidr) {
    return void fail(
      `${path}.value`,
      `${at(path)}.value ${JSON.stringify(s.value)} is not a CIDR range (an address, a slash and a prefix length)`,
    );
  }
  if (!type || inverted) return undefined;
  const family = cidr.address.includes(':') ? 6 : 4;
  return { type, cidr: maskedCidr(cidr.address, cidr.prefixLength, family), family, prefixLength: cidr.prefixLength };
}

/** `address/len` with the host bits cleared, written as Envoy writes an address (IPv6 compressed). */
export function maskedCidr(address: string, prefixLength: number, family: 4 | 6): string {
  const bytes = family === 4 ? address.split('.').map(Number) : ipv6Bytes(address);
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, prefixLength - i * 8));
    bytes[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  if (family === 4) return `${bytes.join('.')}/${prefixLength}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  // The URL parser writes IPv6 the canonical way (RFC 5952: the longest run of zero groups as ::).
  return `${new URL(`http://[${groups.join(':')}]`).hostname.slice(1, -1)}/${prefixLength}`;
}

function ipv6Bytes(address: string): number[] {
  const hostname = new URL(`http://[${address}]`).hostname.slice(1, -1);
  const [head = '', tail] = hostname.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}
