/**
 * A route rule's `sessionPersistence` (GEP-1619), and an XBackend's, read: the kind of session
 * and its cookie or header, or why not. Whether a duration (`absoluteTimeout`) is well formed is the translator's
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

/** A route rule's: undefined when the field is not written; a false-like value (null) asks for no session. */
export function readSessionPersistence(given: unknown, path: string): SessionPersistenceRead | undefined {
  if (given === undefined) return undefined;
  if (!given) return valid(undefined);
  const sp = fieldsOf(given) ?? {};
  if (sp.idleTimeout !== undefined) return problem(path, 'sessionPersistence: idleTimeout is not supported by Portico');
  return readSessionFields(sp, path, 'invalid');
}

/**
 * An XBackend's `spec.sessionPersistence`: undefined when not written (or null). Its schema has
 * no idleTimeout (not read), and a null cookie.name is a name not given (the XBackend's default
 * name), as the XBackend translator had it before the reader. A value that is no object (false, a
 * string) reads as one without fields: a session cookie with the defaults.
 */
export function readBackendSessionPersistence(given: unknown, path: string): SessionPersistenceRead | undefined {
  if (given === undefined || given === null) return undefined;
  return readSessionFields(fieldsOf(given) ?? {}, path, 'unset');
}

function problem(path: string, message: string, unsupported = false): SessionPersistenceRead {
  return { valid: false, errors: [unsupported ? { path, message, unsupported: true } : { path, message }] };
}

/** The fields both kinds have, checked in this order; `nullCookieName` says what a null name is. */
function readSessionFields(
  sp: Record<string, unknown>,
  path: string,
  nullCookieName: 'invalid' | 'unset',
): SessionPersistenceRead {
  const type = sp.type ?? 'Cookie';
  if (type === 'Header') {
    // The CRD requires header.name for type Header; an object from an older schema may lack it.
    const name = fieldsOf(sp.header)?.name;
    if (!isHeaderName(name)) {
      return problem(path, `sessionPersistence: type Header needs a valid header.name, got ${JSON.stringify(name)}`);
    }
    return valid({ type: 'Header', headerName: name });
  }
  if (type !== 'Cookie') return problem(path, `sessionPersistence: type ${String(type)} is not supported`, true);
  const cookie = fieldsOf(sp.cookie) ?? {};
  const cookieName = cookie.name === null && nullCookieName === 'unset' ? undefined : cookie.name;
  if (cookieName !== undefined && !isHeaderName(cookieName)) {
    return problem(path, `sessionPersistence: invalid cookie.name ${JSON.stringify(cookieName)}`);
  }
  // "When not specified, implementations MUST default the cookie path to "/"" (v1.7.0; it was derived
  // from the rule's match before).
  const cookiePath = cookie.path ?? '/';
  if (typeof cookiePath !== 'string' || cookiePath === '' || COOKIE_PATH_BAD_RE.test(cookiePath)) {
    return problem(path, `sessionPersistence: invalid cookie.path ${JSON.stringify(cookiePath)}`);
  }
  return valid({
    type: 'Cookie',
    cookieName,
    path: cookiePath,
    permanent: cookie.lifetimeType === 'Permanent',
    absoluteTimeout: sp.absoluteTimeout,
  });
}
