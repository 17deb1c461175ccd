/**
 * The XBackend reader: its endpoints (selector, port, protocol, TLS validation) refused with the
 * first problem, its path and the Accepted reason; its session persistence read apart. Malformed
 * specs give a problem, never an exception.
 */
import { describe, expect, it } from '@jest/globals';
import { readXBackend } from '../../../src/resources/read/xbackend.js';

const base = {
  type: 'EndpointSelector',
  port: { number: 8080 },
  endpointSelector: { matchLabels: { app: 'web' } },
};
const validation = { hostname: 'web.example.com', wellKnownCACertificates: 'System' };

/** The first problem of the endpoints, as `reason path: message`, or 'valid'. */
function endpointsOf(spec: unknown): string {
  const read = readXBackend({ spec }).endpoints;
  if (read.valid) return 'valid';
  const [first] = read.errors;
  return `${first!.reason} ${first!.path}: ${first!.message}`;
}

describe('readXBackend', () => {
  it('reads the selector, port, protocol and the TLS validation', () => {
    expect(readXBackend({ spec: { ...base, protocol: 'HTTP2', tls: { mode: 'ServerOnly', validation } } })).toEqual({
      endpoints: {
        valid: true,
        result: {
          matchLabels: { app: 'web' },
          port: 8080,
          protocol: 'HTTP2',
          tls: {
            hostname: 'web.example.com',
            subjectAltNames: [{ type: 'DNS', value: 'web.example.com' }],
            ca: { wellKnown: 'System' },
          },
        },
      },
      sessionPersistence: undefined,
    });
    expect(readXBackend({ spec: base }).endpoints).toEqual({
      valid: true,
      result: { matchLabels: { app: 'web' }, port: 8080, protocol: undefined, tls: undefined },
    });
  });

  it('refuses a spec that is no object', () => {
    for (const spec of [undefined, null, 'x', 3, [base]]) {
      expect(endpointsOf(spec)).toBe('Invalid spec: spec is required');
      expect(readXBackend({ spec }).sessionPersistence).toBeUndefined();
    }
  });

  it('gives what Portico cannot honour as UnsupportedValue, what the spec forbids as Invalid', () => {
    expect(endpointsOf({ ...base, type: 'ExternalHostname' })).toBe(
      'UnsupportedValue spec.type: type ExternalHostname is not supported by Portico; use type EndpointSelector',
    );
    expect(endpointsOf({ ...base, type: undefined })).toBe(
      'UnsupportedValue spec.type: type undefined is not supported',
    );
    expect(endpointsOf({ ...base, protocol: 'MCP' })).toBe(
      'UnsupportedValue spec.protocol: protocol MCP is not supported by Portico',
    );
    expect(endpointsOf({ ...base, tls: { mode: 'ClientAndServer' } })).toBe(
      'UnsupportedValue spec.tls.mode: tls.mode ClientAndServer is not supported by Portico; use ServerOnly or None',
    );
    expect(endpointsOf({ ...base, protocol: 'WSS' })).toBe(
      'Invalid spec.protocol: protocol WSS needs TLS (tls.mode ServerOnly)',
    );
  });

  it('reads fields of the wrong type as the translator did, never throwing', () => {
    const cases: [unknown, string][] = [
      [
        { ...base, endpointSelector: null },
        'Invalid spec.endpointSelector.matchLabels: endpointSelector.matchLabels must name at least one label',
      ],
      [
        { ...base, endpointSelector: [{ matchLabels: { app: 'web' } }] },
        'Invalid spec.endpointSelector.matchLabels: endpointSelector.matchLabels must name at least one label',
      ],
      [
        { ...base, endpointSelector: { matchLabels: ['app'] } },
        'Invalid spec.endpointSelector.matchLabels: endpointSelector.matchLabels must name at least one label',
      ],
      [{ ...base, port: null }, 'Invalid spec.port.number: port.number undefined is not a port number'],
      [{ ...base, port: [8080] }, 'Invalid spec.port.number: port.number undefined is not a port number'],
      [{ ...base, port: { number: '8080' } }, 'Invalid spec.port.number: port.number "8080" is not a port number'],
      [{ ...base, port: { number: 65536 } }, 'Invalid spec.port.number: port.number 65536 is not a port number'],
      [{ ...base, protocol: null }, 'UnsupportedValue spec.protocol: protocol null is not supported by Portico'],
      [{ ...base, tls: { mode: 1 } }, 'UnsupportedValue spec.tls.mode: tls.mode 1 is not supported'],
      [
        { ...base, tls: { mode: 'ServerOnly' } },
        'Invalid spec.tls.validation: tls.validation: spec.validation is required',
      ],
      [
        { ...base, tls: { mode: 'ServerOnly', validation: [validation] } },
        'Invalid spec.tls.validation: tls.validation: spec.validation is required',
      ],
      [
        { ...base, tls: { mode: 'ServerOnly', validation: { ...validation, hostname: 5 } } },
        'Invalid spec.tls.validation.hostname: tls.validation: validation.hostname 5 is not a DNS name',
      ],
      // A tls or mode that is no value Portico reads is no TLS, as a tls without mode is.
      [{ ...base, tls: null }, 'valid'],
      [{ ...base, tls: 'ServerOnly' }, 'valid'],
      [{ ...base, tls: [{ mode: 'ServerOnly' }] }, 'valid'],
      [{ ...base, tls: { mode: null } }, 'valid'],
      // Label values are not checked: one that is not a string matches no Pod.
      [{ ...base, endpointSelector: { matchLabels: { app: 5 } } }, 'valid'],
    ];
    for (const [spec, expected] of cases) expect({ spec, got: endpointsOf(spec) }).toEqual({ spec, got: expected });
  });

  it('reads the session persistence apart from the endpoints, with the XBackend rules', () => {
    const sessionOf = (sessionPersistence: unknown) =>
      readXBackend({ spec: { ...base, sessionPersistence } }).sessionPersistence;
    expect(sessionOf(undefined)).toBeUndefined();
    expect(sessionOf(null)).toBeUndefined();
    // A bad session does not hide the endpoints' problem, nor the other way round: the translator
    // says the endpoints' (and CA certificates') first.
    const both = readXBackend({ spec: { ...base, port: null, sessionPersistence: { type: 'Token' } } });
    expect(both.endpoints.valid).toBe(false);
    expect(both.sessionPersistence).toEqual({
      valid: false,
      errors: [
        {
          path: 'spec.sessionPersistence',
          message: 'sessionPersistence: type Token is not supported',
          unsupported: true,
        },
      ],
    });
    // XBackend's schema has no idleTimeout: it is not read.
    expect(sessionOf({ idleTimeout: '1m' })).toEqual(sessionOf({}));
    // A null cookie.name is no name: the translator gives the XBackend's default.
    expect(sessionOf({ cookie: { name: null } })).toEqual({
      valid: true,
      result: { type: 'Cookie', cookieName: undefined, path: '/', permanent: false, absoluteTimeout: undefined },
    });
  });

  it('reads a spec once', () => {
    const xb = { spec: { ...base } };
    expect(readXBackend(xb)).toBe(readXBackend(xb));
  });
});
