/**
 * SecurityPolicy `basicAuth` and `apiKeyAuth`, read: Envoy Gateway v1.9's fields, every problem
 * with its path, header names lowercased, and extractFrom entries with exactly one source kind.
 */
import { describe, expect, it } from '@jest/globals';
import { readApiKeyAuth } from '../../../src/resources/read/security-api-key-auth.js';
import { readBasicAuth } from '../../../src/resources/read/security-basic-auth.js';

const errors = (r: { valid: boolean; errors?: { path: string; message: string }[] }) =>
  r.valid ? [] : r.errors!.map((e) => `${e.path}: ${e.message}`);

describe('readBasicAuth', () => {
  it('reads the users Secret and the forwarded header (lowercase)', () => {
    expect(readBasicAuth({ users: { name: 'u', namespace: 'vault' }, forwardUsernameHeader: 'X-User' })).toEqual({
      valid: true,
      result: { users: { name: 'u', namespace: 'vault' }, forwardUsernameHeader: 'x-user' },
    });
  });

  it('refuses a missing users, a nameless ref and a header name with a space', () => {
    expect(errors(readBasicAuth({}))).toEqual([
      'spec.basicAuth.users: basicAuth.users must be set (a Secret with a .htpasswd key)',
    ]);
    expect(errors(readBasicAuth({ users: { kind: 5 }, forwardUsernameHeader: 'X User' }))).toEqual([
      'spec.basicAuth.users.name: basicAuth.users.name must be set',
      'spec.basicAuth.users.kind: basicAuth.users.kind must be a string',
      'spec.basicAuth.forwardUsernameHeader: basicAuth.forwardUsernameHeader "X User" is not a valid header name',
    ]);
    expect(errors(readBasicAuth('x'))).toEqual(['spec.basicAuth: basicAuth must be an object']);
  });
});

describe('readApiKeyAuth', () => {
  it('reads the Secrets, the sources in order, the forwarded header and sanitize', () => {
    expect(
      readApiKeyAuth({
        credentialRefs: [{ name: 'a' }, { name: 'b', namespace: 'vault' }],
        extractFrom: [{ headers: ['X-API-Key'] }, { params: ['api_key'] }, { cookies: ['Session'] }],
        forwardClientIDHeader: 'X-Client',
        sanitize: true,
      }),
    ).toEqual({
      valid: true,
      result: {
        credentialRefs: [{ name: 'a' }, { name: 'b', namespace: 'vault' }],
        extractFrom: [
          { kind: 'headers', names: ['x-api-key'] },
          { kind: 'params', names: ['api_key'] },
          { kind: 'cookies', names: ['Session'] },
        ],
        forwardClientIDHeader: 'x-client',
        sanitize: true,
      },
    });
  });

  it('refuses an entry with two kinds or none, empty lists, bad names, and a non-boolean sanitize', () => {
    expect(
      errors(
        readApiKeyAuth({
          credentialRefs: [],
          extractFrom: [
            { headers: ['a'], params: ['b'] },
            {},
            { cookies: [] },
            { headers: ['bad name', ''] },
            { params: ['a&b'] },
          ],
          sanitize: 'yes',
        }),
      ),
    ).toEqual([
      'spec.apiKeyAuth.credentialRefs: apiKeyAuth.credentialRefs must list at least one Secret',
      'spec.apiKeyAuth.extractFrom[0]: apiKeyAuth.extractFrom[0]: exactly one of headers, params, or cookies must be specified',
      'spec.apiKeyAuth.extractFrom[1]: apiKeyAuth.extractFrom[1]: exactly one of headers, params, or cookies must be specified',
      'spec.apiKeyAuth.extractFrom[2].cookies: apiKeyAuth.extractFrom[2].cookies must list at least one name',
      'spec.apiKeyAuth.extractFrom[3].headers[0]: apiKeyAuth.extractFrom[3].headers[0] "bad name" is not a valid header name',
      'spec.apiKeyAuth.extractFrom[3].headers[1]: apiKeyAuth.extractFrom[3].headers[1] "" is not a valid header name',
      'spec.apiKeyAuth.extractFrom[4].params[0]: apiKeyAuth.extractFrom[4].params[0] "a&b" is not a valid query parameter name',
      'spec.apiKeyAuth.sanitize: apiKeyAuth.sanitize must be true or false',
    ]);
  });
});
