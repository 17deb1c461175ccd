/**
 * A BackendTrafficPolicy's `loadBalancer` (Envoy Gateway's LoadBalancer), read: how Envoy picks an
 * endpoint of a backend. `ConsistentHash` hashes the client's address, a header or a cookie onto a
 * Maglev table (Envoy Gateway's choice) whose size must be a prime up to 5000011 (Envoy's bound);
 * `slowStart` ramps a new endpoint's share up over a window (RoundRobin and LeastRequest only).
 */
import { isHeaderName } from './header-name.js';
import { SectionFields } from './traffic-fields.js';
import { fieldsOf, valid, type FieldError, type ValidationResult } from './validation-result.js';

export const LOAD_BALANCER_TYPES = ['RoundRobin', 'LeastRequest', 'Random', 'ConsistentHash'] as const;
export type LoadBalancerType = (typeof LOAD_BALANCER_TYPES)[number];

export type HashOn =
  | { sourceIP: true }
  | { header: string }
  | { cookie: { name: string; ttlMs?: number; attributes: { name: string; value: string }[] } };

export interface LoadBalancerRead {
  type: LoadBalancerType;
  slowStartWindowMs?: number;
  consistentHash?: { tableSize: number; hashOn: HashOn };
}

const AT = 'spec.loadBalancer';
const MAX_TABLE_SIZE = 5_000_011;
/** Envoy's (and Envoy Gateway's) default Maglev table size. */
const DEFAULT_TABLE_SIZE = 65_537;
/** A cookie attribute's name and value: an RFC 6265 token, and no `;` or control characters. */
// eslint-disable-next-line no-control-regex
const ATTRIBUTE_VALUE_RE = /^[^;\u0000-\u001f\u007f]*$/;

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

function readHashOn(c: SectionFields): HashOn | undefined {
  const type = c.oneOf('type', ['SourceIP', 'Header', 'Cookie'] as const);
  if (type === 'SourceIP') return { sourceIP: true };
  if (type === 'Header') {
    const h = c.sub('header');
    if (!h) {
      if (!c.has('header')) c.problem('loadBalancer.consistentHash.header must be set when type is Header');
      return undefined;
    }
    h.only(['name']);
    const name = h.string('name', 256);
    if (name === undefined || !isHeaderName(name)) {
      h.problem('loadBalancer.consistentHash.header.name must be an HTTP header name');
      return undefined;
    }
    return { header: name.toLowerCase() };
  }
  if (type === 'Cookie') {
    const k = c.sub('cookie');
    if (!k) {
      if (!c.has('cookie')) c.problem('loadBalancer.consistentHash.cookie must be set when type is Cookie');
      return undefined;
    }
    k.only(['name', 'ttl', 'attributes']);
    const name = k.string('name', 256);
    if (name === undefined || !isHeaderName(name)) {
      k.problem('loadBalancer.consistentHash.cookie.name must be a cookie name (an HTTP token)');
      return undefined;
    }
    const ttlMs = k.durationMs('ttl', undefined, false);
    const attributes: { name: string; value: string }[] = [];
    if (k.has('attributes')) {
      const map = fieldsOf(k.fields.attributes);
      const bad =
        !map ||
        Object.entries(map).some(([n, v]) => !isHeaderName(n) || typeof v !== 'string' || !ATTRIBUTE_VALUE_RE.test(v));
      if (bad) k.problem('loadBalancer.consistentHash.cookie.attributes must map cookie attribute names to values');
      else for (const n of Object.keys(map).sort()) attributes.push({ name: n, value: map[n] as string });
    }
    return { cookie: { name, ...(ttlMs !== undefined ? { ttlMs } : {}), attributes } };
  }
  return undefined;
}

export function readLoadBalancer(value: unknown): ValidationResult<LoadBalancerRead> {
  const problems: FieldError[] = [];
  const lb = SectionFields.of(value, AT, problems);
  if (!lb) return { valid: false, errors: problems };
  lb.only(['type', 'consistentHash', 'slowStart']);
  const type = lb.oneOf('type', LOAD_BALANCER_TYPES);
  const out: Partial<LoadBalancerRead> = { ...(type ? { type } : {}) };
  if (lb.has('consistentHash') && type !== undefined && type !== 'ConsistentHash')
    lb.problem('loadBalancer.consistentHash is only for type ConsistentHash');
  if (type === 'ConsistentHash') {
    const c = lb.sub('consistentHash');
    if (!c && !lb.has('consistentHash'))
      lb.problem('loadBalancer.consistentHash must be set when type is ConsistentHash');
    if (c) {
      c.only(['type', 'header', 'cookie', 'tableSize']);
      const tableSize = c.int('tableSize', DEFAULT_TABLE_SIZE, 2, MAX_TABLE_SIZE);
      if (tableSize !== undefined && !isPrime(tableSize))
        c.problem('loadBalancer.consistentHash.tableSize must be a prime number (Maglev)');
      const hashOn = readHashOn(c);
      if (hashOn && tableSize !== undefined) out.consistentHash = { tableSize, hashOn };
    }
  }
  const slow = lb.sub('slowStart');
  if (slow) {
    slow.only(['window']);
    if (type !== undefined && type !== 'RoundRobin' && type !== 'LeastRequest')
      slow.problem('loadBalancer.slowStart is only for the RoundRobin and LeastRequest types');
    const window = slow.durationMs('window');
    if (window === undefined && !slow.has('window')) slow.problem('loadBalancer.slowStart.window must be set');
    if (window !== undefined) out.slowStartWindowMs = window;
  }
  return problems.length > 0 ? { valid: false, errors: problems } : valid(out as LoadBalancerRead);
}
