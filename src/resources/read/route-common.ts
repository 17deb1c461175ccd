/**
 * A route of any kind, read: the parents it names (`spec.parentRefs`), the hostnames it serves
 * (`spec.hostnames`) and its rules (`spec.rules`, route-rule.ts). Parts written as the spec says
 * are their own readings (nothing is copied); the reading of a route is a small object beside it.
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
import { isValidHostname } from './hostname.js';
import { readOnce } from './read-once.js';
import { readRouteRule, type RouteRuleRead } from './route-rule.js';
import { fieldsOf, itemsOf, NO_ITEMS, Refused, sameOrCopy } from './validation-result.js';

export type { RouteRuleRead };

/**
 * A parentRef naming a Gateway or a ListenerSet, as Portico reads it. Written with every field
 * of its type (the common case), the ref is its own reading; otherwise a `ReadParentRef` copy.
 */
export interface RouteParentRef {
  /** Absent: Gateway. */
  readonly kind?: 'Gateway' | 'ListenerSet';
  /** Absent: the route's own namespace. */
  readonly namespace?: string;
  readonly name: string;
  readonly sectionName?: string;
  readonly port?: number;
}

/** A parentRef with a null for an absent field, or a sectionName or port no listener can have. */
export class ReadParentRef implements RouteParentRef {
  constructor(
    /** The parentRef as written: a route's status entry for the parent repeats it. */
    readonly written: ParentReference,
    readonly kind: 'Gateway' | 'ListenerSet',
    readonly namespace: string | undefined,
    readonly name: string,
    readonly sectionName: string | undefined,
    readonly port: number | undefined,
    /** A sectionName or port was given in a form no listener has: the ref matches no listener. */
    readonly matchesNoListener: boolean,
  ) {}
}

/** The parentRef as written: a route's status entry for the parent repeats it. */
export function writtenParentRef(ref: RouteParentRef): ParentReference {
  return ref instanceof ReadParentRef ? ref.written : (ref as ParentReference);
}

/** Whether a sectionName or port was given in a form no listener has. */
export function matchesNoListener(ref: RouteParentRef): boolean {
  return ref instanceof ReadParentRef && ref.matchesNoListener;
}

export interface ValidatedRouteCommon {
  parentRefs: readonly RouteParentRef[];
  /** The hostnames the route serves (none given: []); refused when one is not a hostname. */
  hostnames: readonly string[] | Refused;
  /** The string entries of a `hostnames` list, what a placement carries; undefined without a list. */
  listedHostnames: readonly string[] | undefined;
  /**
   * Beside each entry of `spec.rules`, by index: what its backendRefs are, or undefined for an
   * entry that is no object (each kind's translator says what such a rule means).
   */
  rules: readonly (RouteRuleRead | undefined)[];
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
  const given = fields?.hostnames;
  return {
    parentRefs: readParentRefs(fields?.parentRefs),
    hostnames: hasHostnames ? readHostnames(given) : NO_ITEMS,
    listedHostnames: Array.isArray(given) ? stringEntries(given) : undefined,
    rules: sameOrCopy(itemsOf(fields?.rules), (rule, i) => readRouteRule(rule, i, kind)),
  };
}

/** The parentRefs Portico may answer for: the list as written when every ref is one and reads to itself. */
function readParentRefs(given: unknown): readonly RouteParentRef[] {
  const items = itemsOf(given);
  const read = items.map(readParentRef);
  return read.every((r, i) => r === items[i]) ? (items as RouteParentRef[]) : read.filter((r) => r !== undefined);
}

function isWrittenAsRead(ref: Record<string, unknown>): boolean {
  return (
    typeof ref.name === 'string' &&
    (ref.group === undefined || ref.group === GATEWAY_GROUP) &&
    (ref.kind === undefined || ref.kind === 'Gateway' || ref.kind === 'ListenerSet') &&
    (ref.namespace === undefined || typeof ref.namespace === 'string') &&
    (ref.sectionName === undefined || typeof ref.sectionName === 'string') &&
    (ref.port === undefined || typeof ref.port === 'number')
  );
}

function readParentRef(item: unknown): RouteParentRef | undefined {
  const ref = fieldsOf(item);
  if (!ref || typeof ref.name !== 'string') return undefined;
  if (isWrittenAsRead(ref)) return ref as unknown as RouteParentRef;
  const kind = ref.kind ?? 'Gateway';
  if ((ref.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (kind !== 'Gateway' && kind !== 'ListenerSet'))
    return undefined;
  const namespace = ref.namespace ?? undefined;
  if (namespace !== undefined && typeof namespace !== 'string') return undefined;
  const section = ref.sectionName;
  const port = ref.port;
  return new ReadParentRef(
    // The fields above are what Portico reads; the rest is echoed back as the user wrote it.
    ref as unknown as ParentReference,
    kind,
    namespace,
    ref.name,
    typeof section === 'string' ? section : undefined,
    typeof port === 'number' ? port : undefined,
    (section !== undefined && typeof section !== 'string') || (port !== undefined && typeof port !== 'number'),
  );
}

/** How a parentRef narrows the listeners, as a message says it: `sectionName http and port 80`. */
export function parentRefNarrowing(ref: RouteParentRef): string {
  const { sectionName, port } = writtenParentRef(ref) as { sectionName?: unknown; port?: unknown };
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
