/**
 * URIs a policy gives Envoy are checked in the form Envoy's own parser takes, not only WHATWG's:
 * the forms refused here (but for the scheme and the port) pass `new URL()`, and Envoy refuses
 * them (test/e2e/envoy-uri.test.ts asks it), which would reject the whole listener. The policy readers that
 * take a URI (jwt's remoteJWKS.uri, oidc's endpoints) refuse them by name.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { parseEnvoyUri } from '../../../src/resources/read/envoy-uri.js';
import { jwksProblem, readJwt } from '../../../src/resources/read/security-jwt.js';
import { readOidc } from '../../../src/resources/read/security-oidc.js';
import { readSecurityPolicy } from '../../../src/resources/read/security-policy.js';
import { ACCEPTED_URIS, REFUSED_URIS } from '../../support/envoy-uris.js';

describe('parseEnvoyUri', () => {
  it('takes http(s) URIs with a DNS name or an IP literal, a port and a path', () => {
    expect(parseEnvoyUri('https://idp.example.com/jwks')).toEqual({
      scheme: 'https',
      hostname: 'idp.example.com',
      port: 443,
    });
    expect(parseEnvoyUri('http://127.0.0.1:8089/keys.json')).toEqual({
      scheme: 'http',
      hostname: '127.0.0.1',
      port: 8089,
    });
    expect(parseEnvoyUri('https://[2001:db8::1]:8443/jwks')).toEqual({
      scheme: 'https',
      hostname: '2001:db8::1',
      port: 8443,
    });
    for (const uri of ACCEPTED_URIS) expect(parseEnvoyUri(uri)).toBeDefined();
  });

  it("refuses what WHATWG reads but Envoy's parser does not", () => {
    for (const uri of REFUSED_URIS) {
      if (!uri.startsWith('ftp') && !uri.includes(':70000')) expect(() => new URL(uri)).not.toThrow();
      expect(parseEnvoyUri(uri)).toBeUndefined();
    }
  });
});

const provider = (uri: string) => ({ providers: [{ name: 'p', remoteJWKS: { uri } }] });
const oidc = (authorizationEndpoint: string) => ({
  provider: {
    issuer: 'https://idp.example.com',
    authorizationEndpoint,
    tokenEndpoint: 'https://idp.example.com/token',
  },
  clientID: 'c',
  clientSecret: { name: 's' },
});

describe('policy readers refuse URIs Envoy would refuse', () => {
  it('jwt remoteJWKS.uri', () => {
    for (const uri of ACCEPTED_URIS) expect(readJwt(provider(uri)).valid).toBe(true);
    for (const uri of REFUSED_URIS) {
      const read = readJwt(provider(uri));
      expect(read.valid).toBe(false);
      if (!read.valid) expect(read.errors[0]!.path).toBe('spec.jwt.providers[0].remoteJWKS.uri');
    }
  });

  it('oidc authorizationEndpoint, and a redirectURL formatter Envoy cannot read', () => {
    expect(readOidc(oidc('https://idp.example.com/authorize')).valid).toBe(true);
    for (const uri of REFUSED_URIS) expect(readOidc(oidc(uri)).valid).toBe(false);
    const redirect = (redirectURL: string) => readOidc({ ...oidc('https://idp.example.com/a'), redirectURL }).valid;
    expect(redirect('https://app.example.com/cb?x=%REQ(x-forwarded-host)%')).toBe(true);
    expect(redirect('%REQ(x-forwarded-proto)%://%REQ(:authority)%/oauth2/callback')).toBe(true);
    expect(redirect('https://app.example.com/cb?x=%REQ(a?b)%')).toBe(true);
    expect(redirect('https://app.example.com/cb?x=%REQ(a?b?c)%')).toBe(false); // "More than 1 alternative header"
    expect(redirect('https://app.example.com/cb?x=%REQ(a/b)%')).toBe(false); // "Invalid header configuration"
  });
});

describe('secrets a policy must not put into Envoy configuration', () => {
  it('refuses a private key in a key set (it would sit in config dumps)', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = privateKey.export({ format: 'jwk' });
    expect(jwksProblem(JSON.stringify({ keys: [jwk] }))).toMatch(/keys\[0\] \(EC\) holds private key material \(d\)/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
    expect(jwksProblem(JSON.stringify({ keys: [rsa] }))).toMatch(/private key material \(d, p, q, dp, dq, qi\)/);
  });
});

describe('recomputeRoute', () => {
  const jwks = JSON.stringify({
    keys: [{ ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }), kid: 'k' }],
  });
  const spec = (kind: string) => ({
    targetRefs: [{ group: 'gateway.networking.k8s.io', kind, name: 'x' }],
    jwt: {
      providers: [
        {
          name: 'p',
          localJWKS: { type: 'Inline', inline: jwks },
          claimToHeaders: [{ header: 'x-role', claim: 'role' }],
          recomputeRoute: true,
        },
      ],
    },
  });

  it("is taken on a Gateway's or ListenerSet's policy, refused on a route's (it would skip another route's checks)", () => {
    expect(readSecurityPolicy({ spec: spec('Gateway') }).features.valid).toBe(true);
    expect(readSecurityPolicy({ spec: spec('ListenerSet') }).features.valid).toBe(true);
    for (const kind of ['HTTPRoute', 'GRPCRoute']) {
      const features = readSecurityPolicy({ spec: spec(kind) }).features;
      expect(features.valid).toBe(false);
      if (!features.valid) expect(features.errors[0]!.path).toBe('spec.jwt.providers[0].recomputeRoute');
    }
  });
});
