/**
 * A listener's pre-routing filters (`filters.requests`, GEP-5224), read. Each filter is read on
 * its own, in list order: one that cannot be read (a field of the wrong shape: the listener is not
 * accepted, InvalidListenerFilter) or that asks for what Portico does not do (a type or protocol
 * it does not know, UnsupportedValue) says why; the translator stops at the first such filter, as
 * a filter must never be skipped. Backend references are resolved by the translator.
 */
import type { BackendObjectReference } from '../gateway-api.js';
import { readBackendObjectReference } from './backend-ref.js';
import { isHeaderName } from './header-name.js';
import { fieldsOf, itemsOf, type ValidationResult } from './validation-result.js';

export interface ExternalAuthFilter {
  kind: 'externalAuth';
  protocol: 'HTTP' | 'GRPC';
  /** Lowercase, sorted, without repeats. */
  allowedHeaders: string[];
  allowedResponseHeaders: string[];
  /** HTTP only; '' or absent: none. */
  path: string | undefined;
  forwardBodyMaxSize: number | undefined;
  /** Read as every backendRef is (backend-ref.ts); the translator resolves it. */
  backendRef: ValidationResult<BackendObjectReference>;
}

export type ListenerFilter =
  | ExternalAuthFilter
  /** The listener is not accepted: InvalidListenerFilter. */
  | { kind: 'unreadable'; message: string }
  /** The listener is not accepted: UnsupportedValue. */
  | { kind: 'unsupported'; message: string };

/** `filters`: the request filters, or `malformed` when `requests` is not a list. */
export type ListenerFilters = { requests: ListenerFilter[] } | { malformed: true };

/** HTTPAuthConfig.path's pattern (the CRD's); Envoy's path_prefix is prepended as is. */
const AUTH_PATH_RE = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/;

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
  const auth = fieldsOf(filter.externalAuth);
  if (!auth) return { kind: 'unreadable', message: `${at}: externalAuth must be set for type ExternalAuth` };
  const protocol = auth.protocol;
  if (protocol !== 'HTTP' && protocol !== 'GRPC') {
    return {
      kind: 'unsupported',
      message: `${at}: externalAuth.protocol ${JSON.stringify(protocol)} is not supported; use HTTP or GRPC`,
    };
  }
  const http = fieldsOf(auth.http);
  const problems: string[] = [];
  const allowedHeaders = headerNames(
    (protocol === 'GRPC' ? fieldsOf(auth.grpc) : http)?.allowedHeaders,
    'allowedHeaders',
    problems,
  );
  const allowedResponseHeaders =
    protocol === 'HTTP' ? headerNames(http?.allowedResponseHeaders, 'allowedResponseHeaders', problems) : [];
  const path = protocol === 'HTTP' ? http?.path : undefined;
  if (path !== undefined && (typeof path !== 'string' || !AUTH_PATH_RE.test(path) || path.length > 1024)) {
    problems.push(`http.path ${JSON.stringify(path)} is not a valid path`);
  }
  const maxSize = fieldsOf(auth.forwardBody)?.maxSize;
  const size = typeof maxSize === 'number' && Number.isInteger(maxSize) ? maxSize : undefined;
  if (maxSize !== undefined && (size === undefined || size < 0 || size > 2 ** 31 - 1)) {
    problems.push(`forwardBody.maxSize ${JSON.stringify(maxSize)} is not a size`);
  }
  if (problems.length > 0) return { kind: 'unreadable', message: `${at}: ${problems.join('; ')}` };
  const backendRef = fieldsOf(auth.backendRef);
  if (!backendRef || typeof backendRef.name !== 'string') {
    return { kind: 'unreadable', message: `${at}: externalAuth.backendRef is required` };
  }
  return {
    kind: 'externalAuth',
    protocol,
    allowedHeaders,
    allowedResponseHeaders,
    path: typeof path === 'string' ? path : undefined,
    forwardBodyMaxSize: size,
    backendRef: readBackendObjectReference(backendRef, 'externalAuth.backendRef'),
  };
}

function headerNames(names: unknown, what: string, problems: string[]): string[] {
  const out: string[] = [];
  for (const name of itemsOf(names)) {
    if (!isHeaderName(name)) problems.push(`${what}: ${JSON.stringify(name)} is not a header name`);
    else if (!out.includes(name.toLowerCase())) out.push(name.toLowerCase());
  }
  return out.sort();
}
