/**
 * A reference to a backend (a Service, an XBackend), read: in a route rule's `backendRefs`, a
 * RequestMirror filter, a listener's ExternalAuth, a telemetry provider. Every field the
 * reference has is of the type the spec gives it, or the reference is invalid, with the path of
 * the field that is not.
 *
 * A field written as null is taken as absent (as `??` took it before the reader); a port that is
 * a number but no port a Service has (1.5, 0) is kept: the lookup finds no such port and says so.
 *
 * A rule's backendRef written as the spec says reads to itself (nothing is allocated: a route's
 * readings are kept as long as the route); one with filters, or a null for an absent field, reads
 * to a canonical copy; one that does not read, to a `RefusedBackendRef` saying why.
 */
import type { BackendObjectReference } from '../types.js';
import { readBackendObjectReference } from './backend-object-reference.js';
import { readRouteFilters, type RouteFilterRead } from './route-filters.js';
import { fieldsOf, itemsOf, NO_ITEMS, Refused, sameOrCopy, type ValidationResult } from './validation-result.js';

export { readBackendObjectReference };

/** The largest weight a backendRef may have (the CRD's maximum). */
export const MAX_WEIGHT = 1_000_000;

/** An entry of a rule's `backendRefs` that reads: a reference, with its share and its filters. */
export interface BackendRefRead extends BackendObjectReference {
  /** Absent: 1. An integer from 0 to MAX_WEIGHT. */
  readonly weight?: number;
  /** HTTPRoute's and GRPCRoute's per-backend filters (`filters`); absent: none. */
  readonly filters?: readonly RouteFilterRead[];
}

/** An entry of a rule's `backendRefs` that does not read. */
export class RefusedBackendRef {
  constructor(
    /** The entry's path when it is no object at all (null, a string): nothing else in it is read. */
    readonly notAnObject: string | undefined,
    /** The name as written, for messages about the entry (`backendRef web: invalid weight -1`). */
    readonly writtenName: string,
    /** Absent or null: 1. Refused when not an integer from 0 to MAX_WEIGHT. */
    readonly weight: number | Refused,
    readonly target: ValidationResult<BackendObjectReference>,
    readonly filters: readonly RouteFilterRead[],
  ) {}
}

/** One entry of a rule's `backendRefs`. */
export type RouteBackendRefRead = BackendRefRead | RefusedBackendRef;

/** Reads a rule's `backendRefs` (absent or not a list: none) at `path` (`spec.rules[0].backendRefs`). */
export function readRouteBackendRefs(value: unknown, path: string): readonly RouteBackendRefRead[] {
  return sameOrCopy(itemsOf(value), (item, i) => readRouteBackendRef(item, path, i));
}

const STRING_FIELDS = ['group', 'kind', 'namespace'] as const;

function isWeight(weight: unknown): weight is number {
  return typeof weight === 'number' && Number.isInteger(weight) && weight >= 0 && weight <= MAX_WEIGHT;
}

/** Written as the spec says, with no null and no filters: the entry reads to itself. */
function isCanonical(fields: Record<string, unknown>): boolean {
  if (typeof fields.name !== 'string') return false;
  for (const key of STRING_FIELDS) if (fields[key] !== undefined && typeof fields[key] !== 'string') return false;
  if (fields.port !== undefined && typeof fields.port !== 'number') return false;
  if (fields.weight !== undefined && !isWeight(fields.weight)) return false;
  return fields.filters === undefined || (Array.isArray(fields.filters) && fields.filters.length === 0);
}

function readRouteBackendRef(item: unknown, backendRefs: string, index: number): RouteBackendRefRead {
  const fields = fieldsOf(item);
  const path = `${backendRefs}[${index}]`;
  if (!fields) return new RefusedBackendRef(path, '', 1, { valid: false, errors: [] }, []);
  if (isCanonical(fields)) return fields as unknown as BackendRefRead;
  const writtenName = String(fields.name);
  const weight = fields.weight ?? 1;
  const target = readBackendObjectReference(fields, path);
  const filters = readRouteFilters(fields.filters, `${path}.filters`);
  if (isWeight(weight) && target.valid) {
    const copy: BackendRefRead = { ...target.result, weight };
    return filters.length > 0 ? { ...copy, filters } : copy;
  }
  const weightRead = isWeight(weight)
    ? weight
    : new Refused([{ path: `${path}.weight`, message: `backendRef ${writtenName}: invalid weight ${String(weight)}` }]);
  return new RefusedBackendRef(undefined, writtenName, weightRead, target, filters);
}

/** An entry's share: a number, or why its `weight` does not read. */
export function weightOf(ref: RouteBackendRefRead): number | Refused {
  return ref instanceof RefusedBackendRef ? ref.weight : (ref.weight ?? 1);
}

/** The backend an entry names, or why its fields do not read. */
export function targetOf(ref: RouteBackendRefRead): BackendObjectReference | Refused {
  if (!(ref instanceof RefusedBackendRef)) return ref;
  return ref.target.valid ? ref.target.result : new Refused(ref.target.errors);
}

/** The entry's name as a message writes it. */
export function writtenNameOf(ref: RouteBackendRefRead): string {
  return ref instanceof RefusedBackendRef ? ref.writtenName : ref.name;
}

/** The entry's filters (none: an empty list). */
export function filtersOf(ref: RouteBackendRefRead): readonly RouteFilterRead[] {
  return ref.filters ?? NO_ITEMS;
}
