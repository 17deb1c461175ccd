/**
 * An `externalAuth` block (HTTPExternalAuthFilter, GEP-1494), read: the same type configures a
 * listener's pre-routing filter (GEP-5224, `listener-filters.ts`) and an HTTPRoute rule's filter
 * (`route-filters.ts`), so both read it here.
 *
 * What does not read says why, as one of two sorts: `unreadable` (a field of the wrong shape, or
 * one the CRD's validations refuse) or `unsupported` (a protocol outside the API's enum). The
 * backend reference is read as every backendRef is; the translator resolves it.
 */
import type { BackendObjectReference } from '../types.js';
import { readBackendObjectReference } from './backend-object-reference.js';
import { isHeaderName } from './header-name.js';
import { fieldsOf, itemsOf, type ValidationResult } from './validation-result.js';

export interface ExternalAuthRead {
  protocol: 'HTTP' | 'GRPC';
  /** `http.allowedHeaders` or `grpc.allowedHeaders`: lowercase, sorted, without repeats. */
  allowedHeaders: string[];
  /** `http.allowedResponseHeaders` (HTTP only): lowercase, sorted, without repeats. */
  allowedResponseHeaders: string[];
  /** HTTP only; '' or absent: none. */
  path: string | undefined;
  forwardBodyMaxSize: number | undefined;
  /** Read as every backendRef is (backend-object-reference.ts); the translator resolves it. */
  backendRef: ValidationResult<BackendObjectReference>;
}

export type ExternalAuthReading = { auth: ExternalAuthRead } | { unreadable: string } | { unsupported: string };

/** HTTPAuthConfig.path's pattern (the CRD's); Envoy's path_prefix is prepended as is. */
const AUTH_PATH_RE = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/;
/** The CRD's maxItems of each header list. */
const MAX_HEADERS = 64;

/** Reads the `externalAuth` field of a filter; `at` prefixes the messages (`filters.requests[0]`). */
export function readExternalAuth(value: unknown, at: string): ExternalAuthReading {
  const auth = fieldsOf(value);
  if (!auth) return { unreadable: `${at}: externalAuth must be set for type ExternalAuth` };
  const protocol = auth.protocol;
  if (protocol !== 'HTTP' && protocol !== 'GRPC') {
    return {
      unsupported: `${at}: externalAuth.protocol ${JSON.stringify(protocol)} is not supported; use HTTP or GRPC`,
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
  // The CRD's validations: the protocol's own block, and only that one.
  const given = (key: 'http' | 'grpc') => auth[key] !== undefined && auth[key] !== null;
  if (protocol === 'GRPC' && !given('grpc')) problems.push("grpc must be specified when protocol is set to 'GRPC'");
  if (protocol === 'HTTP' && !given('http')) problems.push("http must be specified when protocol is set to 'HTTP'");
  if (protocol !== 'GRPC' && given('grpc')) problems.push("protocol must be 'GRPC' when grpc is set");
  if (protocol !== 'HTTP' && given('http')) problems.push("protocol must be 'HTTP' when http is set");
  const backendRef = fieldsOf(auth.backendRef);
  if (!backendRef || typeof backendRef.name !== 'string') problems.push('externalAuth.backendRef is required');
  if (problems.length > 0) return { unreadable: `${at}: ${problems.join('; ')}` };
  return {
    auth: {
      protocol,
      allowedHeaders,
      allowedResponseHeaders,
      path: typeof path === 'string' ? path : undefined,
      forwardBodyMaxSize: size,
      backendRef: readBackendObjectReference(backendRef, 'externalAuth.backendRef'),
    },
  };
}

function headerNames(names: unknown, what: string, problems: string[]): string[] {
  if (names !== undefined && names !== null && !Array.isArray(names)) {
    problems.push(`${what} must be a list`);
    return [];
  }
  const items = itemsOf(names);
  if (items.length > MAX_HEADERS) problems.push(`${what} has ${items.length} entries; at most ${MAX_HEADERS}`);
  const out: string[] = [];
  for (const name of items) {
    if (!isHeaderName(name)) problems.push(`${what}: ${JSON.stringify(name)} is not a header name`);
    else if (!out.includes(name.toLowerCase())) out.push(name.toLowerCase());
  }
  return out.sort();
}
