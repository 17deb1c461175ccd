/**
 * A SecurityPolicy's `extAuth` (Envoy Gateway's ExtAuth), read: an HTTP or gRPC authorization
 * server (`http` or `grpc`, exactly one, each with its `backendRefs`), which request headers it is
 * sent (`headersToExtAuth`), which of its answer's headers reach the backend
 * (`http.headersToBackend`), whether a server that cannot be reached lets requests through
 * (`failOpen`), and how much of the body it is sent (`bodyToExtAuth.maxRequestBytes`).
 *
 * Every problem is kept with its path; the section is valid or not as a whole. Portico takes one
 * backendRef (Envoy Gateway takes several, weighted, into one cluster): more is refused rather
 * than some of them silently dropped.
 */
import type { BackendObjectReference } from '../types.js';
import { readBackendObjectReference } from './backend-object-reference.js';
import { isHeaderName } from './header-name.js';
import { fieldsOf, valid, type FieldError, type ValidationResult } from './validation-result.js';

export interface ExtAuthRead {
  protocol: 'HTTP' | 'GRPC';
  /** `http.backendRefs[0]` or `grpc.backendRefs[0]`; the translator resolves it. */
  backendRef: BackendObjectReference;
  /** HTTP: prepended to the request's path in the check (absent or '': the request's path). */
  path?: string;
  /** HTTP: the server's answer headers copied into the request; empty: none. Lowercase, sorted. */
  headersToBackend: string[];
  /** Request headers sent to the server (HTTP: besides Envoy's defaults; gRPC: only these, empty: all). Lowercase, sorted. */
  headersToExtAuth: string[];
  /** A server that cannot be reached (or answers 5xx) lets the request through. */
  failOpen: boolean;
  /** Bytes of body buffered and sent along; a longer body is answered 413. Absent: no body. */
  maxRequestBytes?: number;
}

const AT = 'spec.extAuth';
/** What a `path` may hold: a path (Envoy prepends it as is to the request's path). */
const PATH_RE = /^\/(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})*$/;
const MAX_HEADERS = 64;
const MAX_UINT32 = 2 ** 32 - 1;

export function readExtAuth(value: unknown): ValidationResult<ExtAuthRead> {
  const problems: FieldError[] = [];
  const problem = (field: string, message: string): void =>
    void problems.push({
      path: `${AT}${field ? `.${field}` : ''}`,
      message: `extAuth${field ? `.${field}` : ''}${message}`,
    });
  const e = fieldsOf(value);
  if (!e) return { valid: false, errors: [{ path: AT, message: 'extAuth must be an object' }] };
  for (const field of Object.keys(e)) {
    if (!KNOWN_FIELDS.has(field) && e[field] !== undefined && e[field] !== null) {
      problem(field, ' is not supported by Portico');
    }
  }
  const given = (key: 'http' | 'grpc') => e[key] !== undefined && e[key] !== null;
  if (given('http') === given('grpc')) {
    problem(
      '',
      given('http') ? ': only one of grpc or http can be specified' : ': one of grpc or http must be specified',
    );
  }
  const protocol = given('grpc') ? 'GRPC' : 'HTTP';
  const serviceField = protocol === 'GRPC' ? 'grpc' : 'http';
  const service = fieldsOf(e[serviceField]);
  if (!service && given(serviceField)) problem(serviceField, ' must be an object');
  const backendRef = service ? readBackendRefs(service, serviceField, problem) : undefined;
  let path: string | undefined;
  let headersToBackend: string[] = [];
  if (service && protocol === 'HTTP') {
    for (const field of Object.keys(service)) {
      if (!HTTP_FIELDS.has(field) && service[field] !== undefined)
        problem(`http.${field}`, ' is not supported by Portico');
    }
    if (service.path !== undefined && service.path !== null && service.path !== '') {
      if (typeof service.path !== 'string' || !PATH_RE.test(service.path) || service.path.length > 1024) {
        problem('http.path', ` ${JSON.stringify(service.path)} is not a path (it starts with / and has no spaces)`);
      } else path = service.path;
    }
    headersToBackend = headerNames(service.headersToBackend, 'http.headersToBackend', problem);
  } else if (service) {
    for (const field of Object.keys(service)) {
      if (field !== 'backendRefs' && service[field] !== undefined)
        problem(`grpc.${field}`, ' is not supported by Portico');
    }
  }
  const headersToExtAuth = headerNames(e.headersToExtAuth, 'headersToExtAuth', problem);
  const failOpen = e.failOpen ?? false;
  if (typeof failOpen !== 'boolean') problem('failOpen', ' must be true or false');
  let maxRequestBytes: number | undefined;
  if (e.bodyToExtAuth !== undefined && e.bodyToExtAuth !== null) {
    const max = fieldsOf(e.bodyToExtAuth)?.maxRequestBytes;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_UINT32) {
      problem('bodyToExtAuth.maxRequestBytes', ` ${JSON.stringify(max)} must be a whole number of bytes, at least 1`);
    } else maxRequestBytes = max;
  }
  if (problems.length > 0 || !backendRef) return { valid: false, errors: problems };
  return valid({
    protocol,
    backendRef,
    ...(path !== undefined ? { path } : {}),
    headersToBackend,
    headersToExtAuth,
    failOpen: failOpen === true,
    ...(maxRequestBytes !== undefined ? { maxRequestBytes } : {}),
  });
}

const KNOWN_FIELDS: ReadonlySet<string> = new Set(['http', 'grpc', 'headersToExtAuth', 'failOpen', 'bodyToExtAuth']);
const HTTP_FIELDS: ReadonlySet<string> = new Set(['backendRefs', 'path', 'headersToBackend']);

type Problem = (field: string, message: string) => void;

function readBackendRefs(
  service: Record<string, unknown>,
  at: string,
  problem: Problem,
): BackendObjectReference | undefined {
  const refs = service.backendRefs;
  if (!Array.isArray(refs) || refs.length === 0) {
    return void problem(`${at}.backendRefs`, ' must list the authorization server (one backendRef)');
  }
  if (refs.length > 1) {
    return void problem(
      `${at}.backendRefs`,
      ` lists ${refs.length} backends; Portico takes one authorization server (put several behind one Service)`,
    );
  }
  const read = readBackendObjectReference(refs[0], `${AT}.${at}.backendRefs[0]`);
  if (!read.valid) {
    for (const err of read.errors) problem(err.path.slice(AT.length + 1), `: ${err.message}`);
    return undefined;
  }
  if (read.result.name === '') return void problem(`${at}.backendRefs[0].name`, ' must be set');
  return read.result;
}

function headerNames(value: unknown, field: string, problem: Problem): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return (void problem(field, ' must be a list of header names'), []);
  if (value.length > MAX_HEADERS) problem(field, ` must list at most ${MAX_HEADERS} headers`);
  const names = new Set<string>();
  for (const [i, name] of value.entries()) {
    if (!isHeaderName(name) || name.length > 256)
      problem(`${field}[${i}]`, ` ${JSON.stringify(name)} is not a header name`);
    else names.add(name.toLowerCase());
  }
  return [...names].sort();
}
