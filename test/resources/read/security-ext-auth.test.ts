/**
 * SecurityPolicy `extAuth` read (Envoy Gateway v1.9's ExtAuth): HTTP and gRPC servers, header
 * lists lowercased and sorted, failOpen false when not written, and every refusal with its path.
 */
import { describe, expect, it } from '@jest/globals';
import { readExtAuth } from '../../../src/resources/read/security-ext-auth.js';

function paths(value: unknown): string[] {
  const read = readExtAuth(value);
  return read.valid ? [] : read.errors.map((e) => e.path);
}

describe('readExtAuth', () => {
  it('reads an HTTP server with every field', () => {
    expect(
      readExtAuth({
        http: {
          backendRefs: [{ name: 'authz', namespace: 'other', port: 8080 }],
          path: '/check',
          headersToBackend: ['X-Auth-User', 'x-auth-user', 'x-tenant'],
        },
        headersToExtAuth: ['X-User', 'authorization'],
        failOpen: true,
        bodyToExtAuth: { maxRequestBytes: 4096 },
      }),
    ).toEqual({
      valid: true,
      result: {
        protocol: 'HTTP',
        backendRef: { name: 'authz', namespace: 'other', port: 8080 },
        path: '/check',
        headersToBackend: ['x-auth-user', 'x-tenant'],
        headersToExtAuth: ['authorization', 'x-user'],
        failOpen: true,
        maxRequestBytes: 4096,
      },
    });
  });

  it('reads a gRPC server; failOpen is false when not written', () => {
    expect(readExtAuth({ grpc: { backendRefs: [{ name: 'authz', port: 9000 }] } })).toEqual({
      valid: true,
      result: {
        protocol: 'GRPC',
        backendRef: { name: 'authz', port: 9000 },
        headersToBackend: [],
        headersToExtAuth: [],
        failOpen: false,
      },
    });
  });

  it('refuses neither or both protocols, and more than one backendRef', () => {
    expect(paths({})).toEqual(['spec.extAuth']);
    expect(
      paths({ http: { backendRefs: [{ name: 'a', port: 1 }] }, grpc: { backendRefs: [{ name: 'a', port: 1 }] } }),
    ).toEqual(['spec.extAuth']);
    expect(paths({ http: { backendRefs: [] } })).toEqual(['spec.extAuth.http.backendRefs']);
    expect(
      paths({
        grpc: {
          backendRefs: [
            { name: 'a', port: 1 },
            { name: 'b', port: 1 },
          ],
        },
      }),
    ).toEqual(['spec.extAuth.grpc.backendRefs']);
    expect(paths({ grpc: { backendRefs: [{ name: 'a', port: 'x' }] } })).toEqual([
      'spec.extAuth.grpc.backendRefs[0].port',
    ]);
  });

  it('refuses bad values and fields Portico does not take, each with its path', () => {
    expect(
      paths({
        http: {
          backendRefs: [{ name: 'a', port: 1 }],
          path: 'no-slash',
          headersToBackend: ['a b'],
          pathOverride: '/x',
        },
        headersToExtAuth: 'x-user',
        failOpen: 'yes',
        bodyToExtAuth: { maxRequestBytes: 0 },
        timeout: '1s',
      }),
    ).toEqual([
      'spec.extAuth.timeout',
      'spec.extAuth.http.pathOverride',
      'spec.extAuth.http.path',
      'spec.extAuth.http.headersToBackend[0]',
      'spec.extAuth.headersToExtAuth',
      'spec.extAuth.failOpen',
      'spec.extAuth.bodyToExtAuth.maxRequestBytes',
    ]);
    expect(paths({ grpc: { backendRefs: [{ name: 'a', port: 1 }], path: '/x' } })).toEqual(['spec.extAuth.grpc.path']);
  });
});
