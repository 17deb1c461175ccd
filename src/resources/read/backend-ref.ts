/**
 * A reference to a backend (a Service, an XBackend), read: in a route rule's `backendRefs`, a
 * RequestMirror filter, a listener's ExternalAuth, a telemetry provider. Every field the
 * reference has is of the type the spec gives it, or the reference is invalid, with the path of
 * the field that is not.
 *
 * A field written as null is taken as absent (as `??` took it before the reader); a port that is
 * a number but no port a Service has (1.5, 0) is kept: the lookup finds no such port and says so.
 */
import type { BackendObjectReference } from '../types.js';
import { readBackendObjectReference } from './backend-object-reference.js';
import { readRouteFilters, type RouteFilterRead } from './route-filters.js';
import { fieldsOf, itemsOf, valid, type ValidationResult } from './validation-result.js';

export { readBackendObjectReference };

/** The largest weight a backendRef may have (the CRD's maximum). */
export const MAX_WEIGHT = 1_000_000;

/** One entry of a rule's `backendRefs`. */
export type RouteBackendRefRead =
  | {
      /** The entry is no object at all (null, a string): there is nothing to read in it. */
      object: false;
      path: string;
    }
  | {
      object: true;
      path: string;
      /** The name as written, for messages about the entry (`backendRef web: invalid weight -1`). */
      writtenName: string;
      /** Absent or null: 1. Invalid when not an integer from 0 to MAX_WEIGHT. */
      weight: ValidationResult<number>;
      target: ValidationResult<BackendObjectReference>;
      /** HTTPRoute's and GRPCRoute's per-backend filters (`filters`). */
      filters: readonly RouteFilterRead[];
    };

/** Reads a rule's `backendRefs` (absent or not a list: none). */
export function readRouteBackendRefs(value: unknown, path: string): RouteBackendRefRead[] {
  return itemsOf(value).map((item, i) => readRouteBackendRef(item, `${path}[${i}]`));
}

function readRouteBackendRef(item: unknown, path: string): RouteBackendRefRead {
  const fields = fieldsOf(item);
  if (!fields) return { object: false, path };
  const writtenName = String(fields.name);
  const weight = fields.weight ?? 1;
  return {
    object: true,
    path,
    writtenName,
    weight:
      typeof weight === 'number' && Number.isInteger(weight) && weight >= 0 && weight <= MAX_WEIGHT
        ? valid(weight)
        : {
            valid: false,
            errors: [
              { path: `${path}.weight`, message: `backendRef ${writtenName}: invalid weight ${String(weight)}` },
            ],
          },
    target: readBackendObjectReference(fields, path),
    filters: readRouteFilters(fields.filters, `${path}.filters`),
  };
}
