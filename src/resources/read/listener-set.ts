/**
 * ListenerSet, read: the Gateway it names and its listener entries.
 *
 * The entries themselves are Gateway listeners, read one by one as a Gateway's are (listener.ts:
 * a malformed one becomes a listener that is not accepted).
 */
import { GATEWAY_GROUP } from '../types.js';
import { readListener, type ListenerEntry } from './listener.js';
import { readOnce } from './read-once.js';
import { fieldsOf, invalid, itemsOf, valid, type ValidationResult } from './validation-result.js';

export interface ListenerSetParent {
  /** Undefined: the ListenerSet's own namespace. */
  namespace: string | undefined;
  name: string;
}

export interface ValidatedListenerSet {
  /** The Gateway it attaches to; refused when the ref names no Gateway. */
  parent: ValidationResult<ListenerSetParent>;
  /** `spec.listeners`, each read on its own (not a list: none). */
  listeners: ListenerEntry[];
  /** The first listener name used twice, if any (names must be unique). */
  duplicateName: string | undefined;
}

export const readListenerSet: (set: { spec?: unknown }) => ValidatedListenerSet = readOnce((spec) => {
  const fields = fieldsOf(spec);
  const listeners = itemsOf(fields?.listeners).map((l, i) => readListener(l, `spec.listeners[${i}]`));
  const names = listeners.map((l) => l.name);
  return {
    parent: readParent(fields?.parentRef),
    listeners,
    duplicateName: names.find((n, i) => n !== undefined && names.indexOf(n) !== i),
  };
});

function readParent(value: unknown): ValidationResult<ListenerSetParent> {
  const ref = fieldsOf(value);
  if (!ref || typeof ref.name !== 'string') return invalid('spec.parentRef.name', 'Required value');
  if ((ref.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (ref.kind ?? 'Gateway') !== 'Gateway') {
    return invalid('spec.parentRef', 'Unsupported value: a ListenerSet attaches to a Gateway');
  }
  // A namespace that is not a string names no namespace a Gateway can be in.
  const namespace = ref.namespace ?? undefined;
  if (namespace !== undefined && typeof namespace !== 'string') {
    return invalid('spec.parentRef.namespace', 'Invalid value: must be a string');
  }
  return valid({ namespace, name: ref.name });
}
