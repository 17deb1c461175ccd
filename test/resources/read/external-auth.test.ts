/** The `externalAuth` block, read for listener and route filters alike: the CRD's fields and validations. */
import { readExternalAuth } from '../../../src/resources/read/external-auth.js';
import { readRouteFilters } from '../../../src/resources/read/route-filters.js';

const backendRef = { name: 'auth', port: 9000 };

describe('readExternalAuth', () => {
  it('reads a gRPC configuration: its allowed headers lowercased, sorted and once; no HTTP fields', () => {
    expect(
      readExternalAuth({ protocol: 'GRPC', backendRef, grpc: { allowedHeaders: ['X-B', 'x-a', 'x-b'] } }, 'f'),
    ).toEqual({
      auth: {
        protocol: 'GRPC',
        allowedHeaders: ['x-a', 'x-b'],
        allowedResponseHeaders: [],
        path: undefined,
        forwardBodyMaxSize: undefined,
        backendRef: { valid: true, result: backendRef },
      },
    });
  });

  it.each([
    [{ protocol: 'GRPC', backendRef }, "grpc must be specified when protocol is set to 'GRPC'"],
    [{ protocol: 'HTTP', backendRef }, "http must be specified when protocol is set to 'HTTP'"],
    [{ protocol: 'HTTP', backendRef, http: {}, grpc: {} }, "protocol must be 'GRPC' when grpc is set"],
    [{ protocol: 'GRPC', backendRef, grpc: {}, http: {} }, "protocol must be 'HTTP' when http is set"],
    [{ protocol: 'HTTP', backendRef, http: { path: 'has space' } }, 'http.path "has space" is not a valid path'],
    [{ protocol: 'HTTP', backendRef, http: { allowedHeaders: 'x-a' } }, 'allowedHeaders must be a list'],
    [
      { protocol: 'HTTP', backendRef, http: { allowedHeaders: Array.from({ length: 65 }, (_, i) => `x-${i}`) } },
      'allowedHeaders has 65 entries; at most 64',
    ],
    [
      { protocol: 'HTTP', backendRef, http: {}, forwardBody: { maxSize: 1.5 } },
      'forwardBody.maxSize 1.5 is not a size',
    ],
    [{ protocol: 'HTTP', http: {} }, 'externalAuth.backendRef is required'],
  ])('refuses %j as unreadable: %s', (value, message) => {
    const read = readExternalAuth(value, 'f');
    expect(read).toEqual({ unreadable: expect.stringContaining(message) });
  });

  it('refuses a protocol outside the enum as unsupported', () => {
    expect(readExternalAuth({ protocol: 'SOAP', backendRef }, 'f')).toEqual({
      unsupported: 'f: externalAuth.protocol "SOAP" is not supported; use HTTP or GRPC',
    });
  });
});

describe('an ExternalAuth route filter', () => {
  const filter = (externalAuth: unknown) =>
    readRouteFilters([{ type: 'ExternalAuth', externalAuth }], 'spec.rules[0].filters');

  it('reads to its configuration, without problems', () => {
    const [read] = filter({ protocol: 'HTTP', backendRef, http: { path: '/check' }, forwardBody: { maxSize: 0 } });
    expect(read).toMatchObject({
      type: 'ExternalAuth',
      externalAuth: { protocol: 'HTTP', path: '/check', forwardBodyMaxSize: 0 },
      errors: [],
      unsupported: [],
    });
  });

  it('is an invalid value when the CRD would refuse it, and unsupported for an unknown protocol', () => {
    const [invalid] = filter({ protocol: 'GRPC', backendRef });
    expect(invalid).toMatchObject({ externalAuth: undefined, unsupported: [] });
    expect(invalid!.errors).toEqual([
      {
        path: 'spec.rules[0].filters[0].externalAuth',
        message: "ExternalAuth: grpc must be specified when protocol is set to 'GRPC'",
      },
    ]);
    const [unknown] = filter({ protocol: 'SOAP', backendRef });
    expect(unknown).toMatchObject({ externalAuth: undefined, errors: [] });
    expect(unknown!.unsupported).toHaveLength(1);
    const [missing] = filter(undefined);
    expect(missing!.errors[0]!.message).toContain('externalAuth must be set for type ExternalAuth');
  });
});
