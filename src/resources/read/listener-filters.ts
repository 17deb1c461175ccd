/**
 * A listener's pre-routing filters (`filters.requests`, GEP-5224), read. Each filter is read on
 * its own, in list order: one that cannot be read (a field of the wrong shape: the listener is not
 * accepted, InvalidListenerFilter) or that asks for what Portico does not do (a type or protocol
 * it does not know, UnsupportedValue) says why; the translator stops at the first such filter, as
 * a filter must never be skipped. Backend references are resolved by the translator.
 */
import { readExternalAuth, type ExternalAuthRead } from './external-auth.js';
import { fieldsOf, itemsOf } from './validation-result.js';

export type ExternalAuthFilter = { kind: 'externalAuth' } & ExternalAuthRead;

export type ListenerFilter =
  | ExternalAuthFilter
  /** The listener is not accepted: InvalidListenerFilter. */
  | { kind: 'unreadable'; message: string }
  /** The listener is not accepted: UnsupportedValue. */
  | { kind: 'unsupported'; message: string };

/** `filters`: the request filters, or `malformed` when `requests` is not a list. */
export type ListenerFilters = { requests: ListenerFilter[] } | { malformed: true };

/** Undefined when the listener has no `filters`. */
export function readListenerFilters(value: unknown): ListenerFilters | undefined {
  if (value === undefined || value === null) return undefined;
  const fields = fieldsOf(value);
  const requests: unknown = fields ? fields.requests : 'malformed';
  if (requests !== undefined && !Array.isArray(requests)) return { malformed: true };
  return { requests: itemsOf(requests).map((f, i) => readFilter(f, `filters.requests[${i}]`)) };
}

function readFilter(value: unknown, at: string): ListenerFilter {
  const filter = fieldsOf(value);
  if (!filter) return { kind: 'unreadable', message: `${at} is not an object` };
  if (filter.type === 'ExtensionRef') {
    const ref = fieldsOf(filter.extensionRef) ?? {};
    return {
      kind: 'unsupported',
      message: `${at}: ExtensionRef ${String(ref.group ?? '')}/${String(ref.kind)} ${String(ref.name)} is not supported: Portico defines no pre-routing extension kinds`,
    };
  }
  if (filter.type !== 'ExternalAuth') {
    return { kind: 'unsupported', message: `${at}: filter type ${JSON.stringify(filter.type)} is not supported` };
  }
  const read = readExternalAuth(filter.externalAuth, at);
  if ('unreadable' in read) return { kind: 'unreadable', message: read.unreadable };
  if ('unsupported' in read) return { kind: 'unsupported', message: read.unsupported };
  return { kind: 'externalAuth', ...read.auth };
}
