/**
 * An object's status as it was written, read: the entries Portico merges its own into (a
 * Gateway's or ListenerSet's `listeners`, a route's `parents`, a policy's `ancestors`).
 *
 * Status is written by Portico, by other controllers and by hand, and reaches Portico without
 * a schema check from some sources: an entry that is not an object (or whose reference is not
 * one) is no entry. The entries that are kept are kept as written: other controllers' are
 * written back untouched, and Portico's own give only their conditions' times, which
 * `materializeConditions` reads with its own care. Status changes on every write, so these are
 * read where they are used, not once per spec.
 */
import type { ListenerStatus, PolicyAncestorStatus, RouteParentStatus } from '../gateway-api.js';
import { fieldsOf, itemsOf } from './validation-result.js';

/** The entries of a `status.listeners` that are objects. */
export function readListenerStatuses(value: unknown): ListenerStatus[] {
  return itemsOf(value).filter((entry) => fieldsOf(entry) !== undefined) as ListenerStatus[];
}

/** The entries of a route's `status.parents` that are objects with a `parentRef` object. */
export function readRouteParentStatuses(status: unknown): RouteParentStatus[] {
  return entriesWith(fieldsOf(status)?.parents, 'parentRef') as RouteParentStatus[];
}

/** The entries of a policy's `status.ancestors` that are objects with an `ancestorRef` object. */
export function readPolicyAncestorStatuses(status: unknown): PolicyAncestorStatus[] {
  return entriesWith(fieldsOf(status)?.ancestors, 'ancestorRef') as PolicyAncestorStatus[];
}

function entriesWith(value: unknown, reference: string): unknown[] {
  return itemsOf(value).filter((entry) => fieldsOf(fieldsOf(entry)?.[reference]) !== undefined);
}
