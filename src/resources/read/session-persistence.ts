/**
 * A route rule's `sessionPersistence` (GEP-1619), read: the kind of session and its cookie or
 * header, or why not. Whether a duration (`absoluteTimeout`) is well formed is the translator's
 * value check; the reader keeps the value as written.
 *
 * Messages are the ones the translator gave before the reader. A value that is not false-like
 * but no object (the CRD refuses it) reads as an object without fields, as it did then: a
 * session cookie with the defaults.
 */
import { isHeaderName } from './header-name.js';
import { fieldsOf, valid, type FieldError } from './validation-result.js';

/** A problem with the field; `unsupported`: a type outside the API's enum (the route is refused). */
export interface SessionPersistenceProblem extends FieldError {
  unsupported?: true;
}

export type SessionPersistenceValue =
  | { type: 'Header'; headerName: string }
  | {
      type: 'Cookie';
      cookieName: string | undefined;
      path: string;
      permanent: boolean;
      /** As written: undefined when not given. */
      absoluteTimeout: unknown;
    };

export type SessionPersistenceRead =
  { valid: true; result: SessionPersistenceValue | undefined } | { valid: false; errors: SessionPersistenceProblem[] };

/** The characters RFC 6265 allows in a cookie's Path attribute: no control characters, no ';'. */
// eslint-disable-next-line no-control-regex
const COOKIE_PATH_BAD_RE = /[\u0000-\u001f\u007f;]/;

/** Undefined when the field is not written; a false-like value (null) asks for no session. */
export function readSessionPersistence(given: unknown, path: string): SessionPersistenceRead | undefined {
  if (given === undefined) return undefined;
  if (!given) return valid(undefined);
  const sp = fieldsOf(given) ?? {};
  const problem = (message: string, unsupported = false): SessionPersistenceRead => ({
    valid: false,
    errors: [unsupported ? { path, message, unsupported: true } : { path, message }],
  });
  const type = sp.type ?? 'Cookie';
  if (sp.idleTimeout !== undefined) return problem('sessionPersistence: idleTimeout is not supported by Portico');
  if (type === 'Header') {
    // The CRD requires header.name for type Header; an object from an older schema may lack it.
    const name = fieldsOf(sp.header)?.name;
    if (!isHeaderName(name)) {
      return problem(`sessionPersistence: type Header needs a valid header.name, got ${JSON.stringify(name)}`);
    }
    return valid({ type: 'Header', headerName: name });
  }
  if (type !== 'Cookie') return problem(`sessionPersistence: type ${String(type)} is not supported`, true);
  const cookie = fieldsOf(sp.cookie) ?? {};
  if (cookie.name !== undefined && !isHeaderName(cookie.name)) {
    return problem(`sessionPersistence: invalid cookie.name ${JSON.stringify(cookie.name)}`);
  }
  // "When not specified, implementations MUST default the cookie path to "/"" (v1.7.0; it was derived
  // from the rule's match before).
  const cookiePath = cookie.path ?? '/';
  if (typeof cookiePath !== 'string' || cookiePath === '' || COOKIE_PATH_BAD_RE.test(cookiePath)) {
    return problem(`sessionPersistence: invalid cookie.path ${JSON.stringify(cookiePath)}`);
  }
  return valid({
    type: 'Cookie',
    cookieName: cookie.name,
    path: cookiePath,
    permanent: cookie.lifetimeType === 'Permanent',
    absoluteTimeout: sp.absoluteTimeout,
  });
}
