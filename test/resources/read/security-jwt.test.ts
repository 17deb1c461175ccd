/**
 * The SecurityPolicy `jwt` reader: every field read to its typed value, defaults (Inline, Envoy's
 * extraction), and each problem named with its path: the section is refused as a whole.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { jwksProblem, readJwt } from '../../../src/resources/read/security-jwt.js';

const ecJwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
const JWKS = JSON.stringify({ keys: [{ ...ecJwk, kid: 'k1' }] });
const inline = { type: 'Inline', inline: JWKS };

const messages = (value: unknown): string[] => {
  const r = readJwt(value);
  return r.valid ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
};

describe('readJwt', () => {
  it('reads every provider field', () => {
    const r = readJwt({
      optional: true,
      providers: [
        {
          name: 'a',
          issuer: 'https://issuer.example.com',
          audiences: ['api'],
          localJWKS: { inline: JWKS },
          claimToHeaders: [{ header: 'X-User', claim: 'sub' }],
          recomputeRoute: true,
          extractFrom: { headers: [{ name: 'x-token', valuePrefix: 'Token ' }], cookies: ['s'], params: ['jwt'] },
        },
        { name: 'b', localJWKS: { type: 'ValueRef', valueRef: { group: '', kind: 'ConfigMap', name: 'keys' } } },
        { name: 'c', remoteJWKS: { uri: 'https://idp.example.com/jwks', cacheDuration: '1m30s' } },
        { name: 'd', remoteJWKS: { uri: 'http://[::1]:8080/k' } },
      ],
    });
    expect(r).toEqual({
      valid: true,
      result: {
        optional: true,
        failOpen: false,
        providers: [
          {
            name: 'a',
            issuer: 'https://issuer.example.com',
            audiences: ['api'],
            jwks: { type: 'Inline', jwks: JWKS },
            claimToHeaders: [{ header: 'X-User', claim: 'sub' }],
            recomputeRoute: true,
            extractFrom: { headers: [{ name: 'x-token', valuePrefix: 'Token ' }], cookies: ['s'], params: ['jwt'] },
          },
          {
            name: 'b',
            audiences: [],
            jwks: { type: 'ValueRef', configMap: 'keys' },
            claimToHeaders: [],
            recomputeRoute: false,
          },
          {
            name: 'c',
            audiences: [],
            jwks: {
              type: 'Remote',
              uri: 'https://idp.example.com/jwks',
              scheme: 'https',
              host: 'idp.example.com',
              port: 443,
              cacheDurationMs: 90_000,
            },
            claimToHeaders: [],
            recomputeRoute: false,
          },
          {
            name: 'd',
            audiences: [],
            jwks: { type: 'Remote', uri: 'http://[::1]:8080/k', scheme: 'http', host: '::1', port: 8080 },
            claimToHeaders: [],
            recomputeRoute: false,
          },
        ],
      },
    });
  });

  it('refuses each problem by its path', () => {
    expect(
      messages({
        optional: true,
        failOpen: false,
        extra: 1,
        providers: [
          { name: 'a', localJWKS: inline, remoteJWKS: { uri: 'https://x' } },
          { name: 'bad name!', localJWKS: inline },
          { name: 'c', issuer: 'not a uri:', localJWKS: inline, audiences: [''] },
          { name: 'd', remoteJWKS: { uri: 'ftp://x/k' } },
          { name: 'e', remoteJWKS: { uri: 'https://u:p@x/k' } },
          { name: 'f', remoteJWKS: { uri: 'https://x/k', backendRefs: [], cacheDuration: '5 min' } },
          { name: 'g', localJWKS: { type: 'ValueRef', inline: JWKS } },
          { name: 'h', localJWKS: { type: 'ValueRef', valueRef: { group: 'x', kind: 'Secret', name: 's' } } },
          { name: 'i', localJWKS: inline, recomputeRoute: true, claimToHeaders: [{ header: 'bad header', claim: '' }] },
          { name: 'j', localJWKS: inline, extractFrom: { cookies: ['a b'], params: [''], headers: [{ name: '' }] } },
          { name: 'k', localJWKS: inline, extractFrom: {} },
        ],
      }),
    ).toEqual([
      'spec.jwt.extra: jwt.extra is not a field Portico supports',
      'spec.jwt: jwt: optional and failOpen cannot both be set; failOpen already tolerates a missing JWT',
      'spec.jwt.providers[0]: jwt.providers[0]: exactly one of remoteJWKS or localJWKS must be specified',
      `spec.jwt.providers[1].name: jwt.providers[1].name "bad name!" is not a qualified name ([prefix/]name of letters, digits, '-', '_', '.')`,
      `spec.jwt.providers[2].issuer: jwt.providers[2].issuer "not a uri:": an issuer with ':' must be a URI`,
      'spec.jwt.providers[2].audiences: jwt.providers[2].audiences must be a list of at most 8 non-empty strings',
      'spec.jwt.providers[3].remoteJWKS.uri: jwt.providers[3].remoteJWKS.uri "ftp://x/k" is not an http or https URI of at most 253 characters',
      'spec.jwt.providers[4].remoteJWKS.uri: jwt.providers[4].remoteJWKS.uri: credentials in the URI are not supported',
      'spec.jwt.providers[5].remoteJWKS.backendRefs: jwt.providers[5].remoteJWKS.backendRefs is not supported by Portico (the key set is fetched from the uri itself)',
      'spec.jwt.providers[5].remoteJWKS.cacheDuration: jwt.providers[5].remoteJWKS.cacheDuration "5 min" is not a positive duration (300s, 5m)',
      'spec.jwt.providers[6].localJWKS: jwt.providers[6].localJWKS: exactly one of inline or valueRef must be set with the matching type (Inline, ValueRef)',
      'spec.jwt.providers[7].localJWKS.valueRef: jwt.providers[7].localJWKS.valueRef "x"/"Secret": only a core ConfigMap is supported',
      'spec.jwt.providers[8].claimToHeaders[0].header: jwt.providers[8].claimToHeaders[0].header "bad header" is not a header name',
      'spec.jwt.providers[9].extractFrom.headers[0].name: jwt.providers[9].extractFrom.headers[0].name "" is not a header name',
      'spec.jwt.providers[9].extractFrom.cookies[0]: jwt.providers[9].extractFrom.cookies[0] "a b" is not a cookie name',
      'spec.jwt.providers[9].extractFrom.params[0]: jwt.providers[9].extractFrom.params[0] "" is not a query parameter name',
      'spec.jwt.providers[10].extractFrom.: jwt.providers[10].extractFrom. must name at least one header, cookie or query parameter',
    ]);
  });

  it('refuses a malformed section and provider list', () => {
    expect(messages(null)).toEqual(['spec.jwt: jwt must be an object']);
    expect(
      messages({
        providers: [
          { name: 'k', localJWKS: inline },
          { name: 'k', localJWKS: inline },
        ],
      }),
    ).toEqual(['spec.jwt.providers[1].name: jwt provider name k must be unique']);
    expect(messages({ providers: [{ name: 'r', localJWKS: inline, recomputeRoute: true }] })).toEqual([
      'spec.jwt.providers[0].recomputeRoute: jwt.providers[0].recomputeRoute: claimToHeaders must be specified if recomputeRoute is enabled',
    ]);
    expect(messages({ providers: [] })).toEqual([
      'spec.jwt.providers: jwt.providers must be a list of 1 to 16 providers',
    ]);
    expect(messages({ providers: [5], optional: 'yes' })).toEqual([
      'spec.jwt.optional: jwt.optional must be true or false',
      'spec.jwt.providers[0]: jwt.providers[0] must be an object',
    ]);
  });
});

describe('jwksProblem', () => {
  it('takes RSA, EC and OKP public keys, and refuses what Envoy could not verify with', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
    const okp = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
    expect(jwksProblem(JSON.stringify({ keys: [rsa, ecJwk, okp] }))).toBeUndefined();
    expect(jwksProblem('nope')).toBe('the key set is not JSON');
    expect(jwksProblem('{"keys":[]}')).toBe('the key set has no "keys" (a JSON Web Key Set, RFC 7517)');
    expect(jwksProblem('{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}')).toMatch(/symmetric \(oct\) key/);
    expect(jwksProblem('{"keys":[{"kty":"XYZ"}]}')).toBe('keys[0]: kty "XYZ" is not RSA, EC or OKP');
    expect(jwksProblem(JSON.stringify({ keys: [{ ...ecJwk, y: ecJwk.x }] }))).toMatch(
      /keys\[0\] \(EC\) is not a usable key/,
    );
  });
});
