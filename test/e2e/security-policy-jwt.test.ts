/**
 * SecurityPolicy `jwt` through a real Envoy (file mode), with tokens signed here (ES256 and RS256,
 * a tiny JWS signer on node:crypto) and key sets served inline, from a ConfigMap, and by a local
 * JWKS server over http and over https. Envoy runs with a test CA as its system trust store (a
 * bind mount in a mount namespace of its own): a server certificate that CA issued for the URI's
 * host is taken; one it issued for another name, or a self-signed one, leaves the route refusing
 * every token (401). A valid token is
 * let through with its claims copied into headers; a missing, expired, badly signed or other
 * issuer's token is refused (401; another audience's is Envoy's 403); `extractFrom` reads a cookie,
 * a query parameter and a prefixed header; `optional` lets a request without a token through and
 * `failOpen` any request; the routes next to a policy's are untouched (not even its claim headers
 * are stripped there).
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startBackend, type Backend, type EchoReply } from '../support/backends.js';
import { findEnvoy } from '../support/envoy-binary.js';
import { freePort } from '../support/envoy-ads.js';
import { request } from '../support/http-client.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';
import { TlsMaterial } from '../support/tls-material.js';

const ISSUER = 'https://issuer.test';

interface SigningKey {
  alg: 'ES256' | 'RS256';
  kid: string;
  privateKey: KeyObject;
  jwks: string;
}

function signingKey(alg: 'ES256' | 'RS256', kid: string): SigningKey {
  const { publicKey, privateKey } =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, jwks: JSON.stringify({ keys: [jwk] }) };
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/** A compact JWS (RFC 7515) of `claims`, signed with `key` (ES256: the raw r||s signature JWS asks for). */
function jwt(key: SigningKey, claims: Record<string, unknown>, header: { kid?: string } = {}): string {
  const input = `${b64url(JSON.stringify({ alg: key.alg, typ: 'JWT', kid: header.kid ?? key.kid }))}.${b64url(JSON.stringify(claims))}`;
  const signature =
    key.alg === 'ES256'
      ? sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
      : sign('sha256', Buffer.from(input), key.privateKey);
  return `${input}.${b64url(signature)}`;
}

const now = (): number => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  iss: ISSUER,
  aud: 'api',
  sub: 'alice',
  org: { name: 'acme' },
  iat: now() - 10,
  exp: now() + 3600,
  ...extra,
});

const ec = signingKey('ES256', 'ec-1');
const rsa = signingKey('RS256', 'rsa-1');
/** Another key under ec's kid: its signatures do not verify against ec's key set. */
const impostor = signingKey('ES256', 'ec-1');

let e2e: PorticoE2E;
let port: number;
let backend: Backend;
let jwksServer: Server;
let jwksFetches = 0;
let untrusted: HttpsServer;
let untrustedHandshakeErrors = 0;
let untrustedRequests = 0;
let trusted: HttpsServer;
let trustedRequests = 0;
let misnamed: HttpsServer;
let misnamedHandshakeErrors = 0;
let tls: TlsMaterial;

/**
 * An Envoy that trusts `caFile` as the system trust store: run in a mount namespace of its own
 * where the file is bind-mounted over /etc/ssl/certs/ca-certificates.crt (the machine's own store
 * is not touched; `unshare` makes the namespace's mounts private). `exec` keeps Envoy's pid.
 */
function envoyTrusting(dir: string, caFile: string): string {
  const wrapper = join(dir, 'envoy-trusting-test-ca.sh');
  const script = [
    '#!/bin/sh',
    `exec unshare --mount --propagation private sh -c 'mount --bind "$0" /etc/ssl/certs/ca-certificates.crt && exec "$@"' '${caFile}' '${findEnvoy()}' "$@"`,
    '',
  ].join('\n');
  writeFileSync(wrapper, script);
  chmodSync(wrapper, 0o755);
  // Fails here, with unshare's own words, where mount namespaces cannot be made.
  execFileSync('unshare', ['--mount', '--propagation', 'private', 'true']);
  return wrapper;
}

async function listen(server: Server | HttpsServer): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

const policy = (name: string, route: string, jwtSpec: Record<string, unknown>) => ({
  apiVersion: 'gateway.portico.dev/v1alpha1',
  kind: 'SecurityPolicy',
  metadata: { name, namespace: 'default', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: route }], jwt: jwtSpec },
});

const route = (name: string) =>
  httpRoute(name, {
    parentRefs: [{ name: 'gw' }],
    hostnames: [`${name}.example.com`],
    rules: [{ backendRefs: [{ name: 'echo', port: 80 }] }],
  });

async function get(
  host: string,
  options: { token?: string; headers?: Record<string, string>; path?: string } = {},
): Promise<{ status: number; reply?: EchoReply; wwwAuthenticate?: string }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const res = await request(port, options.path ?? '/', { host: `${host}.example.com`, headers });
  const reply = res.status === 200 ? (JSON.parse(res.body) as EchoReply) : undefined;
  const www = res.headers['www-authenticate'];
  return {
    status: res.status,
    ...(reply ? { reply } : {}),
    ...(typeof www === 'string' ? { wwwAuthenticate: www } : {}),
  };
}

beforeAll(async () => {
  backend = await startBackend('echo');
  jwksServer = createServer((req, res) => {
    jwksFetches++;
    res.writeHead(req.url === '/jwks' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(req.url === '/jwks' ? rsa.jwks : '{}');
  });
  const jwksPort = await listen(jwksServer);
  tls = TlsMaterial.create();
  const key = await tls.key(['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
  const cert = await tls.selfSigned(key, 'localhost');
  untrusted = createHttpsServer({ key, cert }, (_req, res) => {
    untrustedRequests++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(rsa.jwks);
  });
  untrusted.on('tlsClientError', () => untrustedHandshakeErrors++);
  const untrustedPort = await listen(untrusted);
  // A CA Envoy trusts (see envoyTrusting), a server certificate it issued for localhost, and one
  // it issued for another name.
  const caKey = await tls.key(['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
  const ca = { key: caKey, crt: await tls.selfSigned(caKey, 'portico-test-ca') };
  const caFile = join(tls.dir, 'trusted-ca.pem');
  writeFileSync(caFile, ca.crt);
  const serverKey = await tls.key(['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
  trusted = createHttpsServer({ key: serverKey, cert: await tls.issued(serverKey, 'localhost', ca) }, (_req, res) => {
    trustedRequests++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(rsa.jwks);
  });
  const trustedPort = await listen(trusted);
  misnamed = createHttpsServer({ key: serverKey, cert: await tls.issued(serverKey, 'other.test', ca) }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(rsa.jwks);
  });
  misnamed.on('tlsClientError', () => misnamedHandshakeErrors++);
  const misnamedPort = await listen(misnamed);
  port = await freePort();
  const envoyBin = process.env.ENVOY_BIN;
  process.env.ENVOY_BIN = envoyTrusting(tls.dir, caFile);
  try {
    e2e = await PorticoE2E.start('default/gw');
  } finally {
    if (envoyBin === undefined) delete process.env.ENVOY_BIN;
    else process.env.ENVOY_BIN = envoyBin;
  }
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', [{ name: 'http', protocol: 'HTTP', port }]),
    ...serviceFor('echo', backend.port),
    ...[
      'inline',
      'configmap',
      'extract',
      'remote',
      'trusted',
      'misnamed',
      'untrusted',
      'optional',
      'failopen',
      'admin',
      'open',
    ].map(route),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'idp-keys', namespace: 'default' },
      data: { jwks: rsa.jwks },
    },
    policy('inline-jwt', 'inline', {
      providers: [
        {
          name: 'idp',
          issuer: ISSUER,
          audiences: ['api'],
          localJWKS: { type: 'Inline', inline: ec.jwks },
          claimToHeaders: [
            { header: 'x-user', claim: 'sub' },
            { header: 'x-org', claim: 'org.name' },
          ],
        },
      ],
    }),
    policy('configmap-jwt', 'configmap', {
      providers: [
        {
          name: 'idp',
          localJWKS: { type: 'ValueRef', valueRef: { group: '', kind: 'ConfigMap', name: 'idp-keys' } },
        },
      ],
    }),
    policy('extract-jwt', 'extract', {
      providers: [
        {
          name: 'idp',
          localJWKS: { type: 'Inline', inline: ec.jwks },
          extractFrom: {
            headers: [{ name: 'x-token', valuePrefix: 'Token ' }],
            cookies: ['session'],
            params: ['jwt'],
          },
        },
      ],
    }),
    policy('remote-jwt', 'remote', {
      providers: [{ name: 'idp', remoteJWKS: { uri: `http://127.0.0.1:${jwksPort}/jwks` } }],
    }),
    policy('trusted-jwt', 'trusted', {
      providers: [{ name: 'idp', remoteJWKS: { uri: `https://localhost:${trustedPort}/jwks` } }],
    }),
    policy('misnamed-jwt', 'misnamed', {
      providers: [{ name: 'idp', remoteJWKS: { uri: `https://localhost:${misnamedPort}/jwks` } }],
    }),
    policy('untrusted-jwt', 'untrusted', {
      providers: [{ name: 'idp', remoteJWKS: { uri: `https://localhost:${untrustedPort}/jwks` } }],
    }),
    policy('optional-jwt', 'optional', {
      optional: true,
      providers: [{ name: 'idp', localJWKS: { type: 'Inline', inline: ec.jwks } }],
    }),
    {
      ...policy('admin-jwt', 'admin', {}),
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'admin' }],
        jwt: { providers: [{ name: 'idp', localJWKS: { type: 'Inline', inline: ec.jwks } }] },
        authorization: {
          defaultAction: 'Deny',
          rules: [
            {
              name: 'banned',
              action: 'Deny',
              principal: { jwt: { provider: 'idp', claims: [{ name: 'sub', values: ['mallory'] }] } },
            },
            {
              name: 'admins',
              action: 'Allow',
              principal: {
                jwt: {
                  provider: 'idp',
                  claims: [
                    { name: 'role', values: ['admin', 'root'] },
                    { name: 'groups', valueType: 'StringArray', values: ['ops'] },
                    { name: 'org.name', values: ['acme'] },
                  ],
                  scopes: ['write'],
                },
              },
            },
          ],
        },
      },
    },
    policy('failopen-jwt', 'failopen', {
      failOpen: true,
      providers: [
        {
          name: 'idp',
          localJWKS: { type: 'Inline', inline: ec.jwks },
          claimToHeaders: [{ header: 'x-user', claim: 'sub' }],
        },
      ],
    }),
  ]);
  const good = jwt(ec, claims());
  await waitFor(async () => (await get('inline', { token: good })).status === 200, {
    timeoutMs: 30_000,
    what: 'Envoy to serve the JWT-secured routes',
  });
}, 90_000);

afterAll(async () => {
  await e2e?.stop();
  await backend?.close();
  await new Promise((r) => jwksServer?.close(r));
  for (const server of [untrusted, trusted, misnamed]) {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
  }
  tls?.remove();
});

test('Envoy accepted everything (no update rejected)', async () => {
  expect(await e2e.rejectedUpdates()).toBe(0);
});

test('a valid token: 200, the claims reach the backend as headers, the token is forwarded', async () => {
  const token = jwt(ec, claims());
  const { status, reply } = await get('inline', { token });
  expect(status).toBe(200);
  expect(reply?.headers['x-user']).toBe('alice');
  expect(reply?.headers['x-org']).toBe('acme');
  expect(reply?.headers.authorization).toBe(`Bearer ${token}`);
});

test('no token: 401 with a Bearer challenge, and the backend is not reached', async () => {
  const before = backend.requests.length;
  const res = await get('inline');
  expect(res.status).toBe(401);
  expect(res.wwwAuthenticate).toMatch(/^Bearer/);
  expect(backend.requests.length).toBe(before);
});

test('refused tokens: another issuer, expired, not yet valid, a bad signature, malformed (401); another audience (403)', async () => {
  const before = backend.requests.length;
  expect((await get('inline', { token: jwt(ec, claims({ iss: 'https://evil.test' })) })).status).toBe(401);
  expect((await get('inline', { token: jwt(ec, claims({ exp: now() - 120 })) })).status).toBe(401);
  expect((await get('inline', { token: jwt(ec, claims({ nbf: now() + 3600 })) })).status).toBe(401);
  expect((await get('inline', { token: jwt(impostor, claims()) })).status).toBe(401);
  expect((await get('inline', { token: jwt(rsa, claims()) })).status).toBe(401);
  expect((await get('inline', { token: 'not.a.jwt' })).status).toBe(401);
  // Envoy's jwt_authn answers a token for another audience with 403 (Forbidden), not 401.
  expect((await get('inline', { token: jwt(ec, claims({ aud: 'other' })) })).status).toBe(403);
  expect(backend.requests.length).toBe(before);
});

test('a client-sent claim header does not survive: the claim’s value replaces it', async () => {
  const { status, reply } = await get('inline', { token: jwt(ec, claims()), headers: { 'x-user': 'admin' } });
  expect(status).toBe(200);
  expect(reply?.headers['x-user']).toBe('alice');
});

test("a ConfigMap's key set (RS256): its tokens pass, another key's are refused", async () => {
  expect((await get('configmap', { token: jwt(rsa, claims()) })).status).toBe(200);
  expect((await get('configmap', { token: jwt(ec, claims()) })).status).toBe(401);
  expect((await get('configmap')).status).toBe(401);
});

test('extractFrom: a cookie, a query parameter and a prefixed header carry the token; Authorization no longer does', async () => {
  const token = jwt(ec, claims());
  expect((await get('extract', { headers: { cookie: `other=1; session=${token}` } })).status).toBe(200);
  expect((await get('extract', { path: `/?jwt=${token}` })).status).toBe(200);
  expect((await get('extract', { headers: { 'x-token': `Token ${token}` } })).status).toBe(200);
  expect((await get('extract', { token })).status).toBe(401);
  expect((await get('extract', { headers: { cookie: `session=${jwt(impostor, claims())}` } })).status).toBe(401);
});

test('remoteJWKS over http: Envoy fetches the key set, its tokens pass', async () => {
  expect(jwksFetches).toBeGreaterThan(0);
  expect((await get('remote', { token: jwt(rsa, claims()) })).status).toBe(200);
  expect((await get('remote', { token: jwt(ec, claims()) })).status).toBe(401);
  expect((await get('remote')).status).toBe(401);
});

test('remoteJWKS over https from a server whose certificate a trusted CA issued for the host: its tokens pass', async () => {
  expect(trustedRequests).toBeGreaterThan(0);
  expect((await get('trusted', { token: jwt(rsa, claims()) })).status).toBe(200);
  expect((await get('trusted', { token: jwt(ec, claims()) })).status).toBe(401);
});

test('remoteJWKS over https from a server whose trusted certificate names another host: refused (401)', async () => {
  await waitFor(async () => misnamedHandshakeErrors > 0, { timeoutMs: 10_000, what: 'a refused TLS handshake' });
  expect((await get('misnamed', { token: jwt(rsa, claims()) })).status).toBe(401);
});

test('remoteJWKS over https from a server Envoy cannot verify: no key set is fetched, every token is refused (401)', async () => {
  // Envoy tried (its TLS handshakes failed at the server's end) and never sent a request.
  await waitFor(async () => untrustedHandshakeErrors > 0, { timeoutMs: 10_000, what: 'a refused TLS handshake' });
  expect((await get('untrusted', { token: jwt(rsa, claims()) })).status).toBe(401);
  expect(untrustedRequests).toBe(0);
});

test('optional: no token passes, a bad token is still refused, a good one passes', async () => {
  expect((await get('optional')).status).toBe(200);
  expect((await get('optional', { token: jwt(impostor, claims()) })).status).toBe(401);
  expect((await get('optional', { token: jwt(ec, claims()) })).status).toBe(200);
});

test('failOpen: a missing or bad token passes without claims; a good one passes with them', async () => {
  expect((await get('failopen')).status).toBe(200);
  const bad = await get('failopen', { token: jwt(impostor, claims()), headers: { 'x-user': 'mallory' } });
  expect(bad.status).toBe(200);
  expect(bad.reply?.headers['x-user']).toBeUndefined();
  const good = await get('failopen', { token: jwt(ec, claims()) });
  expect(good.reply?.headers['x-user']).toBe('alice');
});

test('authorization on the verified token: every claim (String, StringArray, nested) and scope must match, else 403', async () => {
  const admin = { role: 'root', groups: ['dev', 'ops'], scope: 'read write' };
  expect((await get('admin', { token: jwt(ec, claims(admin)) })).status).toBe(200);
  // scp instead of scope (space-separated too).
  expect((await get('admin', { token: jwt(ec, claims({ ...admin, scope: undefined, scp: 'write' })) })).status).toBe(
    200,
  );
  expect((await get('admin', { token: jwt(ec, claims({ ...admin, scope: 'read' })) })).status).toBe(403);
  expect((await get('admin', { token: jwt(ec, claims({ ...admin, role: 'user' })) })).status).toBe(403);
  expect((await get('admin', { token: jwt(ec, claims({ ...admin, groups: ['dev'] })) })).status).toBe(403);
  expect((await get('admin', { token: jwt(ec, claims({ ...admin, groups: 'ops' })) })).status).toBe(403);
  expect((await get('admin', { token: jwt(ec, claims({ ...admin, org: { name: 'other' } })) })).status).toBe(403);
  // The first rule that matches decides: mallory is denied whatever she holds.
  expect((await get('admin', { token: jwt(ec, claims({ ...admin, sub: 'mallory' })) })).status).toBe(403);
  // Claims a client sends as headers grant nothing; without a valid token authentication answers first.
  expect((await get('admin', { headers: { role: 'root', scope: 'write' } })).status).toBe(401);
  expect((await get('admin', { token: jwt(impostor, claims(admin)) })).status).toBe(401);
});

test('a route without a policy is untouched: no token, a garbage one, and its own x-user header reach the backend', async () => {
  expect((await get('open')).status).toBe(200);
  const { status, reply } = await get('open', { token: 'garbage', headers: { 'x-user': 'mallory' } });
  expect(status).toBe(200);
  expect(reply?.headers.authorization).toBe('Bearer garbage');
  expect(reply?.headers['x-user']).toBe('mallory');
});
