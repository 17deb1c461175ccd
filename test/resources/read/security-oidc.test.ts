/**
 * The SecurityPolicy `oidc` reader: Envoy Gateway's defaults (redirect URL and its path, logout
 * path, the openid scope), the endpoints Portico needs written (no discovery), and every problem
 * with its path, never an exception.
 */
import { describe, expect, it } from '@jest/globals';
import { readOidc } from '../../../src/resources/read/security-oidc.js';

const base = {
  provider: {
    issuer: 'https://idp.example.com',
    authorizationEndpoint: 'https://idp.example.com/authorize',
    tokenEndpoint: 'https://idp.example.com/token',
  },
  clientID: 'app',
  clientSecret: { name: 'client' },
};
const messagesOf = (value: unknown): string[] => {
  const r = readOidc(value);
  return r.valid ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
};

describe('readOidc', () => {
  it("takes Envoy Gateway's defaults", () => {
    const r = readOidc(base);
    expect(r).toEqual({
      valid: true,
      result: {
        issuer: 'https://idp.example.com',
        authorizationEndpoint: 'https://idp.example.com/authorize',
        tokenEndpoint: {
          url: 'https://idp.example.com/token',
          scheme: 'https',
          host: 'idp.example.com',
          hostname: 'idp.example.com',
          port: 443,
        },
        clientId: 'app',
        clientSecret: { group: '', kind: 'Secret', name: 'client' },
        redirectUrl: '%REQ(x-forwarded-proto)%://%REQ(:authority)%/oauth2/callback',
        redirectPath: '/oauth2/callback',
        logoutPath: '/logout',
        scopes: ['openid'],
        cookieNames: {},
      },
    });
  });

  it('keeps what is written: redirect URL and its path, logout path, scopes with openid first and once, cookie names', () => {
    const r = readOidc({
      ...base,
      provider: { ...base.provider, tokenEndpoint: 'http://idp.internal:8080/token' },
      clientSecret: { name: 'client', namespace: 'idp' },
      redirectURL: 'https://app.example.com/auth/cb?x=1',
      logoutPath: '/bye',
      scopes: ['email', 'openid', 'email'],
      cookieNames: { accessToken: 'Session', idToken: 'Identity' },
    });
    expect(r.valid && r.result).toMatchObject({
      tokenEndpoint: { scheme: 'http', hostname: 'idp.internal', port: 8080 },
      clientSecret: { name: 'client', namespace: 'idp' },
      redirectUrl: 'https://app.example.com/auth/cb?x=1',
      redirectPath: '/auth/cb',
      logoutPath: '/bye',
      scopes: ['openid', 'email'],
      cookieNames: { accessToken: 'Session', idToken: 'Identity' },
    });
  });

  it('needs both endpoints written: Portico does not discover them from the issuer', () => {
    expect(messagesOf({ ...base, provider: { issuer: 'https://idp.example.com' } })).toEqual([
      'spec.oidc.provider.authorizationEndpoint: oidc.provider.authorizationEndpoint must be written: Portico does not discover endpoints from the issuer (its translation reads no network)',
      'spec.oidc.provider.tokenEndpoint: oidc.provider.tokenEndpoint must be written: Portico does not discover endpoints from the issuer (its translation reads no network)',
    ]);
  });

  it('refuses what Envoy or Portico cannot take, each by its path', () => {
    const paths = (value: unknown) => messagesOf(value).map((m) => m.split(':')[0]);
    expect(paths({ ...base, provider: { ...base.provider, tokenEndpoint: 'ftp://idp/token' } })).toEqual([
      'spec.oidc.provider.tokenEndpoint',
    ]);
    expect(paths({ ...base, provider: { ...base.provider, tokenEndpoint: 'https://10.0.0.1/token' } })).toEqual([
      'spec.oidc.provider.tokenEndpoint',
    ]);
    expect(paths({ ...base, provider: { ...base.provider, tokenEndpoint: 'https://u:p@idp/token' } })).toEqual([
      'spec.oidc.provider.tokenEndpoint',
    ]);
    expect(paths({ ...base, clientID: 'has space' })).toEqual(['spec.oidc.clientID']);
    expect(paths({ ...base, clientSecret: undefined })).toEqual(['spec.oidc.clientSecret']);
    expect(paths({ ...base, redirectURL: 'app.example.com/cb' })).toEqual(['spec.oidc.redirectURL']);
    expect(paths({ ...base, redirectURL: 'https://app.example.com' })).toEqual(['spec.oidc.redirectURL']);
    expect(paths({ ...base, redirectURL: 'https://%FOO%/cb' })).toEqual(['spec.oidc.redirectURL']);
    expect(paths({ ...base, redirectURL: '%REQ(x-forwarded-proto)%://%REQ(:authority)%/cb' })).toEqual([]);
    expect(paths({ ...base, provider: { ...base.provider, authorizationEndpoint: 'https://idé.example/a' } })).toEqual([
      'spec.oidc.provider.authorizationEndpoint',
    ]);
    expect(paths({ ...base, logoutPath: 'logout' })).toEqual(['spec.oidc.logoutPath']);
    expect(paths({ ...base, scopes: 'openid' })).toEqual(['spec.oidc.scopes']);
    expect(paths({ ...base, scopes: ['a b'] })).toEqual(['spec.oidc.scopes[0]']);
    expect(paths({ ...base, cookieNames: { accessToken: 'a;b' } })).toEqual(['spec.oidc.cookieNames.accessToken']);
    expect(paths({ ...base, cookieNames: { accessToken: 'same', idToken: 'same' } })).toEqual([
      'spec.oidc.cookieNames',
    ]);
    expect(paths({ ...base, cookieDomain: 'example.com' })).toEqual(['spec.oidc.cookieDomain']);
    expect(paths({ ...base, forwardAccessToken: true })).toEqual(['spec.oidc.forwardAccessToken']);
    expect(paths({ ...base, provider: { ...base.provider, backendRefs: [] } })).toEqual([
      'spec.oidc.provider.backendRefs',
    ]);
  });

  it('reads malformed input to problems, never an exception', () => {
    for (const value of [null, 5, 'x', [], { provider: 5 }, { provider: { issuer: 5 } }, { clientSecret: 'x' }]) {
      expect(readOidc(value).valid).toBe(false);
    }
  });
});
