/**
 * The backends a route's rules mirror to, read for status (which Gateways use a backend, for the
 * ancestors of its BackendTLSPolicy or XBackend): every `requestMirror.backendRef` of a rule's
 * filters that reads as a reference.
 *
 * Status has always counted a mirror's backend whether or not the filter can be programmed (a
 * RequestMirror whose percent is out of range, a `requestMirror` on a filter of another type), as
 * it counts the backendRefs of a rule that is dropped: this reading keeps that, apart from what
 * the filter reader (route-filters.ts) makes of the filter for the translator.
 */
import type { BackendObjectReference } from '../types.js';
import { readBackendObjectReference } from './backend-object-reference.js';
import { fieldsOf, itemsOf, NO_ITEMS } from './validation-result.js';

/** Beside each entry of `spec.rules`, by index: the references its filters mirror to. */
export function readRuleMirrorBackendRefs(spec: unknown): (readonly BackendObjectReference[])[] {
  return itemsOf(fieldsOf(spec)?.rules).map((rule) => {
    const refs: BackendObjectReference[] = [];
    for (const filter of itemsOf(fieldsOf(rule)?.filters)) {
      const mirror = fieldsOf(filter)?.requestMirror;
      const backendRef = fieldsOf(mirror)?.backendRef;
      if (backendRef === undefined) continue;
      const target = readBackendObjectReference(backendRef, 'requestMirror.backendRef');
      if (target.valid) refs.push(target.result);
    }
    return refs.length > 0 ? refs : NO_ITEMS;
  });
}
