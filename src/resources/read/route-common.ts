/**
 * What every route kind shares, read: the parents it names (`spec.parentRefs`), the hostnames
 * it serves (`spec.hostnames`), the backends its rules send to (`spec.rules[].backendRefs`) and,
 * for HTTPRoute and GRPCRoute, what its rules match (`spec.rules[].matches`, route-matches.ts).
 *
 * A parentRef that names no Gateway or ListenerSet of the Gateway API, or has no string name or
 * a namespace that is not a string, names no parent Portico answers for: it is left out (no
 * status entry is written for it). A sectionName or port given in a form no listener can have
 * (not a string, not a number) is kept: the parent is Portico's, and it matches no listener.
 *
 * TCPRoute and UDPRoute have no hostnames: a stray field does not narrow them, but its string
 * entries are still what a placement carries, as for every kind.
 */
import { GATEWAY_GROUP, type ParentReference } from '../types.js';
import { readRouteBackendRefs, type RouteBackendRefRead } from './backend-ref.js';
import { isValidHostname } from './hostname.js';
import { readRouteFilters, type RouteFilterRead } from './route-filters.js';
import { readOnce } from './read-once.js';
import { readRuleRetry, readRuleTimeouts, type RuleRetry, type RuleTimeouts } from './rule-timing.js';
import { readSessionPersistence, type SessionPersistenceRead } from './session-persistence.js';
import {
  readGrpcRouteMatches,
  readHttpRouteMatches,
  type GrpcRouteMatchRead,
  type HttpRouteMatchRead,
} from './route-matches.js';
import { fieldsOf, invalid, itemsOf, NO_ITEMS, Refused, valid, type ValidationResult } from './validation-result.js';

export interface RouteParentRef {
  /** The parentRef as written: a route's status entry for the parent repeats it. */
  written: ParentReference;
  kind: 'Gateway' | 'ListenerSet';
  /** Undefined: the route's own namespace. */
  namespace: string | undefined;
  name: string;
  sectionName: string | undefined;
  port: number | undefined;
  /** A sectionName or port was given in a form no listener has: the ref matches no listener. */
  matchesNoListener: boolean;
}

export interface ValidatedRouteCommon {
  parentRefs: RouteParentRef[];
  /** The hostnames the route serves (none given: []); refused when one is not a hostname. */
  hostnames: readonly string[] | Refused;
  /** The string entries of a `hostnames` list, what a placement carries; undefined without a list. */
  listedHostnames: readonly string[] | undefined;
  /**
   * Beside each entry of `spec.rules`, by index: what its backendRefs are, or undefined for an
   * entry that is no object (each kind's translator says what such a rule means).
   */
  rules: (RouteRuleRead | undefined)[];
}

export interface RouteRuleRead {
  /** The rule's `name` (none: undefined); invalid when it is no RFC 1123 subdomain. Unique across rules is the route's rule (rule-names.ts). */
  name: ValidationResult<string | undefined>;
  backendRefs: readonly RouteBackendRefRead[];
  /** HTTPRoute's matches (none written: one that matches every request); other kinds: none. */
  httpMatches: readonly HttpRouteMatchRead[];
  /** GRPCRoute's matches (none written: one that matches every method); other kinds: none. */
  grpcMatches: readonly GrpcRouteMatchRead[];
  /** HTTPRoute's and GRPCRoute's rule filters (`filters`); TLS, TCP and UDP rules have none. */
  filters: readonly RouteFilterRead[];
  /** The rule's `sessionPersistence` (HTTPRoute; a GRPCRoute refuses it); undefined when not written. */
  sessionPersistence: SessionPersistenceRead | undefined;
  /** HTTPRoute's `timeouts` (none given: undefined). */
  timeouts: ValidationResult<RuleTimeouts | undefined>;
  /** HTTPRoute's `retry` (none given: undefined). */
  retry: ValidationResult<RuleRetry | undefined>;
}

const readHttp = readOnce((spec) => readCommon(spec, 'HTTPRoute', true));
const readGrpc = readOnce((spec) => readCommon(spec, 'GRPCRoute', true));
const readWithHostnames = readOnce((spec) => readCommon(spec, 'TLSRoute', true));
const readWithoutHostnames = readOnce((spec) => readCommon(spec, 'TCPRoute', false));

/** Reads a route of any kind (TCPRoute and UDPRoute have no hostnames; only HTTPRoute and GRPCRoute have matches). */
export function readRouteCommon(route: { kind: string; spec?: unknown }): ValidatedRouteCommon {
  if (route.kind === 'HTTPRoute') return readHttp(route);
  if (route.kind === 'GRPCRoute') return readGrpc(route);
  return route.kind === 'TCPRoute' || route.kind === 'UDPRoute'
    ? readWithoutHostnames(route)
    : readWithHostnames(route);
}

function readCommon(spec: unknown, kind: string, hasHostnames: boolean): ValidatedRouteCommon {
  const fields = fieldsOf(spec);
  const parentRefs: RouteParentRef[] = [];
  for (const item of Array.isArray(fields?.parentRefs) ? fields.parentRefs : []) {
    const ref = readParentRef(item);
    if (ref) parentRefs.push(ref);
  }
  const given = fields?.hostnames;
  return {
    parentRefs,
    hostnames: hasHostnames ? readHostnames(given) : NO_ITEMS,
    listedHostnames: Array.isArray(given) ? stringEntries(given) : undefined,
    rules: itemsOf(fields?.rules).map((rule, i) => {
      const ruleFields = fieldsOf(rule);
      return ruleFields
        ? {
            name: readRuleName(ruleFields.name, `spec.rules[${i}].name`),
            backendRefs: readRouteBackendRefs(ruleFields.backendRefs, `spec.rules[${i}].backendRefs`),
            httpMatches: kind === 'HTTPRoute' ? readHttpRouteMatches(ruleFields.matches, `spec.rules[${i}]`) : NO_ITEMS,
            grpcMatches: kind === 'GRPCRoute' ? readGrpcRouteMatches(ruleFields.matches, `spec.rules[${i}]`) : NO_ITEMS,
            filters: readRouteFilters(ruleFields.filters, `spec.rules[${i}].filters`),
            timeouts: readRuleTimeouts(ruleFields.timeouts, `spec.rules[${i}].timeouts`),
            retry: readRuleRetry(ruleFields.retry, `spec.rules[${i}].retry`),
            sessionPersistence: readSessionPersistence(
              ruleFields.sessionPersistence,
              `spec.rules[${i}].sessionPersistence`,
            ),
          }
        : undefined;
    }),
  };
}

const RULE_NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** HTTPRouteRule.name and its siblings: an RFC 1123 subdomain of at most 253 characters. */
function readRuleName(name: unknown, path: string): ValidationResult<string | undefined> {
  if (name === undefined) return valid(undefined);
  if (typeof name !== 'string' || name.length > 253 || !RULE_NAME_RE.test(name)) {
    return invalid(path, `name ${JSON.stringify(name)} is not a valid rule name`);
  }
  return valid(name);
}

function readParentRef(item: unknown): RouteParentRef | undefined {
  const ref = fieldsOf(item);
  if (!ref || typeof ref.name !== 'string') return undefined;
  const kind = ref.kind ?? 'Gateway';
  if ((ref.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (kind !== 'Gateway' && kind !== 'ListenerSet'))
    return undefined;
  const namespace = ref.namespace ?? undefined;
  if (namespace !== undefined && typeof namespace !== 'string') return undefined;
  const section = ref.sectionName;
  const port = ref.port;
  return {
    // The fields above are what Portico reads; the rest is echoed back as the user wrote it.
    written: ref as unknown as ParentReference,
    kind,
    namespace,
    name: ref.name,
    sectionName: typeof section === 'string' ? section : undefined,
    port: typeof port === 'number' ? port : undefined,
    matchesNoListener:
      (section !== undefined && typeof section !== 'string') || (port !== undefined && typeof port !== 'number'),
  };
}

/** How a parentRef narrows the listeners, as a message says it: `sectionName http and port 80`. */
export function parentRefNarrowing(ref: RouteParentRef): string {
  const { sectionName, port } = ref.written as { sectionName?: unknown; port?: unknown };
  return [
    sectionName !== undefined ? `sectionName ${String(sectionName)}` : '',
    port !== undefined ? `port ${String(port)}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
}

/** The string entries of a list: the list itself when they all are. */
function stringEntries(given: readonly unknown[]): readonly string[] {
  return given.every((h) => typeof h === 'string') ? (given as string[]) : given.filter((h) => typeof h === 'string');
}

function readHostnames(given: unknown): readonly string[] | Refused {
  if (given === undefined || given === null) return NO_ITEMS;
  if (!Array.isArray(given))
    return new Refused([{ path: 'spec.hostnames', message: 'hostnames must be a list of hostnames' }]);
  for (const [i, h] of given.entries()) {
    if (typeof h !== 'string' || !isValidHostname(h)) {
      const message = `hostname ${JSON.stringify(h)} is not a valid DNS name or wildcard`;
      return new Refused([{ path: `spec.hostnames[${i}]`, message }]);
    }
  }
  return given as string[];
}
