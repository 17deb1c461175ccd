/** A listener's pre-routing filters, read one by one: each is usable, unreadable or unsupported. */
import { readListenerFilters } from '../../../src/resources/read/listener-filters.js';

const backendRef = { name: 'auth', port: 9000 };

describe('readListenerFilters', () => {
  it('reads no filters, and a `requests` that is not a list as malformed', () => {
    expect(readListenerFilters(undefined)).toBeUndefined();
    expect(readListenerFilters(null)).toBeUndefined();
    expect(readListenerFilters({})).toEqual({ requests: [] });
    expect(readListenerFilters({ requests: 'x' })).toEqual({ malformed: true });
    expect(readListenerFilters('x')).toEqual({ malformed: true });
  });

  it('reads an ExternalAuth filter: header names lowercased, sorted and once', () => {
    const filter = {
      type: 'ExternalAuth',
      externalAuth: {
        protocol: 'HTTP',
        backendRef,
        http: { path: '/check', allowedHeaders: ['X-B', 'x-a', 'x-b'], allowedResponseHeaders: ['X-User'] },
        forwardBody: { maxSize: 1024 },
      },
    };
    expect(readListenerFilters({ requests: [filter] })).toEqual({
      requests: [
        {
          kind: 'externalAuth',
          protocol: 'HTTP',
          allowedHeaders: ['x-a', 'x-b'],
          allowedResponseHeaders: ['x-user'],
          path: '/check',
          forwardBodyMaxSize: 1024,
          backendRef: { valid: true, result: backendRef },
        },
      ],
    });
  });

  it.each([
    [null, 'unreadable', 'filters.requests[0] is not an object'],
    [
      { type: 'ExtensionRef', extensionRef: { group: 'x.io', kind: 'K', name: 'n' } },
      'unsupported',
      'ExtensionRef x.io/K n',
    ],
    [{ type: 'Other' }, 'unsupported', 'filter type "Other" is not supported'],
    [{ type: 'ExternalAuth' }, 'unreadable', 'externalAuth must be set'],
    [
      { type: 'ExternalAuth', externalAuth: { protocol: 'SOAP', backendRef } },
      'unsupported',
      'externalAuth.protocol "SOAP"',
    ],
    [
      {
        type: 'ExternalAuth',
        externalAuth: { protocol: 'GRPC', backendRef, grpc: { allowedHeaders: ['bad header'] } },
      },
      'unreadable',
      'allowedHeaders: "bad header" is not a header name',
    ],
    [
      { type: 'ExternalAuth', externalAuth: { protocol: 'HTTP', backendRef, forwardBody: { maxSize: -1 } } },
      'unreadable',
      'forwardBody.maxSize -1 is not a size',
    ],
    [{ type: 'ExternalAuth', externalAuth: { protocol: 'HTTP' } }, 'unreadable', 'externalAuth.backendRef is required'],
  ])('reads %j as %s', (filter, kind, message) => {
    const read = readListenerFilters({ requests: [filter] });
    expect(read).toMatchObject({ requests: [{ kind, message: expect.stringContaining(message) }] });
  });
});
