/** The readers of a route rule's sessionPersistence and of an XBackend's. */
import {
  readBackendSessionPersistence,
  readSessionPersistence,
} from '../../../src/resources/read/session-persistence.js';

const at = 'spec.rules[0].sessionPersistence';

describe('readSessionPersistence', () => {
  it('reads nothing when the field is not written, and no session for a false-like value', () => {
    expect(readSessionPersistence(undefined, at)).toBeUndefined();
    expect(readSessionPersistence(null, at)).toEqual({ valid: true, result: undefined });
  });

  it('reads a cookie with its defaults, and a header', () => {
    expect(readSessionPersistence({}, at)).toEqual({
      valid: true,
      result: { type: 'Cookie', cookieName: undefined, path: '/', permanent: false, absoluteTimeout: undefined },
    });
    expect(
      readSessionPersistence(
        { cookie: { name: 'sid', path: '/app', lifetimeType: 'Permanent' }, absoluteTimeout: '1h' },
        at,
      ),
    ).toEqual({
      valid: true,
      result: { type: 'Cookie', cookieName: 'sid', path: '/app', permanent: true, absoluteTimeout: '1h' },
    });
    expect(readSessionPersistence({ type: 'Header', header: { name: 'x-session' } }, at)).toEqual({
      valid: true,
      result: { type: 'Header', headerName: 'x-session' },
    });
  });

  it('refuses what the translator refused, with its messages; a type outside the enum is unsupported', () => {
    const errorsOf = (sp: unknown) => {
      const read = readSessionPersistence(sp, at);
      return read && !read.valid ? read.errors : undefined;
    };
    expect(errorsOf({ idleTimeout: '1m' })).toEqual([
      { path: at, message: 'sessionPersistence: idleTimeout is not supported by Portico' },
    ]);
    expect(errorsOf({ type: 'Header', header: {} })).toEqual([
      { path: at, message: 'sessionPersistence: type Header needs a valid header.name, got undefined' },
    ]);
    expect(errorsOf({ type: 'Token' })).toEqual([
      { path: at, message: 'sessionPersistence: type Token is not supported', unsupported: true },
    ]);
    expect(errorsOf({ cookie: { name: 'a b' } })).toEqual([
      { path: at, message: 'sessionPersistence: invalid cookie.name "a b"' },
    ]);
    expect(errorsOf({ cookie: { path: 'a;b' } })).toEqual([
      { path: at, message: 'sessionPersistence: invalid cookie.path "a;b"' },
    ]);
  });

  it('reads a value that is no object as one without fields, as the translator did', () => {
    expect(readSessionPersistence('sticky', at)).toEqual(readSessionPersistence({}, at));
  });
});

describe('readBackendSessionPersistence', () => {
  const xb = 'spec.sessionPersistence';

  it('reads nothing for no value or null; another value that is no object is one without fields', () => {
    expect(readBackendSessionPersistence(undefined, xb)).toBeUndefined();
    expect(readBackendSessionPersistence(null, xb)).toBeUndefined();
    for (const given of [false, 0, '', 'sticky', [{ type: 'Header' }]]) {
      expect(readBackendSessionPersistence(given, xb)).toEqual(readBackendSessionPersistence({}, xb));
    }
  });

  it("has the route's checks and messages, without idleTimeout (not an XBackend field)", () => {
    expect(readBackendSessionPersistence({ idleTimeout: '1m', type: 'Token' }, xb)).toEqual({
      valid: false,
      errors: [{ path: xb, message: 'sessionPersistence: type Token is not supported', unsupported: true }],
    });
    expect(readBackendSessionPersistence({ cookie: { name: 5 } }, xb)).toEqual({
      valid: false,
      errors: [{ path: xb, message: 'sessionPersistence: invalid cookie.name 5' }],
    });
  });

  it('reads a null cookie.name as no name, where a route refuses it', () => {
    expect(readBackendSessionPersistence({ cookie: { name: null } }, xb)).toEqual(
      readBackendSessionPersistence({}, xb),
    );
    expect(readSessionPersistence({ cookie: { name: null } }, at)).toEqual({
      valid: false,
      errors: [{ path: at, message: 'sessionPersistence: invalid cookie.name null' }],
    });
  });
});
