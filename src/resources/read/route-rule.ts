/**
 * One entry of a route's `spec.rules`, read: its name, the backends it sends to, what it matches
 * (HTTPRoute, GRPCRoute), its filters, timeouts, retry and session persistence.
 *
 * A rule written as the spec says, with nothing to parse (no filters, timeouts, retry or session
 * persistence: most rules), reads to itself, its backendRefs and matches too: nothing is allocated
 * for it. A rule with any of those, or with a field that does not read, reads to a copy that holds
 * the readings. An entry that is no object reads to undefined (each kind's translator says what
 * such a rule means).
 */
import { readRouteBackendRefs, type RouteBackendRefRead } from './backend-ref.js';
import { readRouteFilters, type RouteFilterRead } from './route-filters.js';
import {
  readGrpcRouteMatches,
  readHttpRouteMatches,
  type GrpcRouteMatchRead,
  type HttpRouteMatchRead,
} from './route-matches.js';
import { readRuleRetry, readRuleTimeouts, type RuleRetry, type RuleTimeouts } from './rule-timing.js';
import { readSessionPersistence, type SessionPersistenceRead } from './session-persistence.js';
import { fieldsOf, Refused, type ValidationResult } from './validation-result.js';

export interface RouteRuleRead {
  /**
   * The rule's `name` (absent: none); refused when it is no RFC 1123 subdomain. Unique across
   * rules is the route's rule (rule-names.ts).
   */
  readonly name?: string | Refused;
  /** Absent: none. */
  readonly backendRefs?: readonly RouteBackendRefRead[];
  /** HTTPRoute's matches. Absent: one that matches every request. Other kinds: absent. */
  readonly matches?: readonly HttpRouteMatchRead[];
  /** GRPCRoute's matches. Absent: one that matches every method. Other kinds: absent. */
  readonly grpcMatches?: readonly GrpcRouteMatchRead[];
  /** HTTPRoute's and GRPCRoute's rule filters (`filters`); absent: none. */
  readonly filters?: readonly RouteFilterRead[];
  /** The rule's `sessionPersistence` (HTTPRoute; a GRPCRoute refuses it); absent when not written. */
  readonly sessionPersistence?: SessionPersistenceRead;
  /** HTTPRoute's `timeouts` (absent: none given). */
  readonly timeouts?: ValidationResult<RuleTimeouts | undefined>;
  /** HTTPRoute's `retry` (absent: none given). */
  readonly retry?: ValidationResult<RuleRetry | undefined>;
}

type MutableRule = { -readonly [K in keyof RouteRuleRead]: RouteRuleRead[K] };

/** Reads the entry `rule` of `spec.rules[index]` of a route of `kind`. */
export function readRouteRule(rule: unknown, index: number, kind: string): RouteRuleRead | undefined {
  const f = fieldsOf(rule);
  if (!f) return undefined;
  const at = `spec.rules[${index}]`;
  const name = readRuleName(f.name, `${at}.name`);
  const backendRefs =
    f.backendRefs === undefined ? undefined : readRouteBackendRefs(f.backendRefs, `${at}.backendRefs`);
  const matches = kind === 'HTTPRoute' && f.matches !== undefined ? readHttpRouteMatches(f.matches, at) : undefined;
  const noFilters = f.filters === undefined || (Array.isArray(f.filters) && f.filters.length === 0);
  if (
    name === f.name &&
    backendRefs === f.backendRefs &&
    matches === f.matches &&
    noFilters &&
    f.grpcMatches === undefined &&
    f.timeouts === undefined &&
    f.retry === undefined &&
    f.sessionPersistence === undefined
  )
    return f as RouteRuleRead;

  const read: MutableRule = {};
  if (name !== undefined) read.name = name;
  if (backendRefs !== undefined) read.backendRefs = backendRefs;
  if (matches !== undefined) read.matches = matches;
  if (kind === 'GRPCRoute') read.grpcMatches = readGrpcRouteMatches(f.matches, at);
  if (!noFilters) read.filters = readRouteFilters(f.filters, `${at}.filters`);
  if (f.timeouts !== undefined) read.timeouts = readRuleTimeouts(f.timeouts, `${at}.timeouts`);
  if (f.retry !== undefined) read.retry = readRuleRetry(f.retry, `${at}.retry`);
  const session = readSessionPersistence(f.sessionPersistence, `${at}.sessionPersistence`);
  if (session !== undefined) read.sessionPersistence = session;
  return read;
}

const RULE_NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** HTTPRouteRule.name and its siblings: an RFC 1123 subdomain of at most 253 characters. */
function readRuleName(name: unknown, path: string): string | Refused | undefined {
  if (name === undefined) return undefined;
  if (typeof name !== 'string' || name.length > 253 || !RULE_NAME_RE.test(name)) {
    return new Refused([{ path, message: `name ${JSON.stringify(name)} is not a valid rule name` }]);
  }
  return name;
}
