/**
 * SecurityPolicy `oidc` through a real Envoy (file mode) and a real, tiny OIDC provider
 * (test/support/oidc-provider.ts): the whole login. A browser without cookies is sent (302) to the
 * authorization endpoint with client_id, redirect_uri, scope and state; the provider sends it back
 * to the callback with a code; Envoy exchanges the code at the token endpoint (authenticated with
 * the client secret Envoy got over SDS) and sets its cookies; with them the request reaches the
 * backend (200). Forged cookies are refused (sent to log in again, never to the backend); the
 * logout path clears the cookies; a neighbour route is untouched; a policy whose client secret is
 * missing closes its route (500).
 *
 * The token endpoint of the login is plain http on localhost: Envoy verifies an https token endpoint
 * against the system's trust store, which a test cannot add a CA to without touching the machine.
 * That it does verify is shown the other way round: an https token endpoint with a self-signed
 * certificate is never sent a code.
 */
import { request as httpRequest } from 'node:http';
import { startBackend, type Backend, type EchoReply } from '../support/backends.js';
import { debugStatus, gatewayCondition } from '../support/debug-status.js';
import { freePort } from '../support/envoy-ads.js';
import { request } from '../support/http-client.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { startOidcProvider, type OidcProvider } from '../support/oidc-provider.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';
import { TlsMaterial } from '../support/tls-material.js';

let e2e: PorticoE2E;
let port: number;
let backend: Backend;
let idp: OidcProvider;
/** A token endpoint over https with a self-signed certificate for localhost. */
let untrustedIdp: OidcProvider;
let tls: TlsMaterial;

const CLIENT = { id: 'portal', secret: 'e2e-client-secret' };

interface Answer {
  status: number;
  location: string | undefined;
  setCookies: string[];
  body: string;
}

/** A GET to Envoy with `host` and the cookies given (name → value). */
function get(host: string, path: string, cookies: Record<string, string> = {}): Promise<Answer> {
  const cookie = Object.entries(cookies)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        agent: false,
        headers: { host, ...(cookie ? { cookie } : {}) },
        timeout: 5000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            location: res.headers.location,
            setCookies: res.headers['set-cookie'] ?? [],
            body,
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request to ${host}${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** The provider's answer to a browser following Envoy's redirect to the authorization endpoint. */
function authorize(location: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(location, { agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => (res.headers.location ? resolve(res.headers.location) : reject(new Error('no redirect'))));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Cookies as a browser keeps them: each Set-Cookie replaces (or, expired, removes) its cookie. */
function applyCookies(jar: Record<string, string>, setCookies: string[]): Record<string, string> {
  const next = { ...jar };
  for (const line of setCookies) {
    const [pair, ...attributes] = line.split(';').map((s) => s.trim());
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq);
    const value = pair!.slice(eq + 1);
    const expired = attributes.some(
      (a) => /^max-age=(0|-)/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) < Date.now()),
    );
    if (expired || value === 'deleted') delete next[name];
    else next[name] = value;
  }
  return next;
}

const policy = (name: string, route: string, clientSecret: string, tokenEndpoint?: string) => ({
  apiVersion: 'gateway.portico.dev/v1alpha1',
  kind: 'SecurityPolicy',
  metadata: {
    name,
    namespace: 'default',
    uid: `0000-${name}`,
    generation: 1,
    creationTimestamp: '2026-01-01T00:00:00Z',
  },
  spec: {
    targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: route }],
    oidc: {
      provider: {
        issuer: `http://localhost:${idp.port}`,
        authorizationEndpoint: `http://localhost:${idp.port}/authorize`,
        tokenEndpoint: tokenEndpoint ?? `http://localhost:${idp.port}/token`,
      },
      clientID: CLIENT.id,
      clientSecret: { name: clientSecret },
      scopes: ['profile'],
      logoutPath: '/signout',
      cookieNames: { accessToken: 'Session', idToken: 'Identity' },
    },
  },
});

const route = (name: string) =>
  httpRoute(name, {
    parentRefs: [{ name: 'gw' }],
    hostnames: [`${name}.example.com`],
    rules: [{ backendRefs: [{ name: 'echo', port: 80 }] }],
  });

beforeAll(async () => {
  backend = await startBackend('echo');
  idp = await startOidcProvider(CLIENT);
  tls = TlsMaterial.create();
  const key = await tls.key(['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
  untrustedIdp = await startOidcProvider(CLIENT, { cert: await tls.selfSigned(key, 'localhost'), key });
  port = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', [{ name: 'http', protocol: 'HTTP', port }]),
    ...serviceFor('echo', backend.port),
    route('app'),
    route('public'),
    route('broken'),
    route('untrusted'),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'portal-client', namespace: 'default' },
      type: 'Opaque',
      stringData: { 'client-secret': CLIENT.secret },
    },
    policy('login', 'app', 'portal-client'),
    // broken's policy names a Secret that does not exist: closed.
    policy('no-secret', 'broken', 'absent'),
    // untrusted's token endpoint is https with a certificate the system's CAs did not sign.
    policy('untrusted', 'untrusted', 'portal-client', `https://localhost:${untrustedIdp.port}/token`),
  ]);
  await waitFor(async () => (await get('app.example.com', '/')).status === 302, {
    timeoutMs: 30_000,
    what: 'Envoy to send app.example.com to log in',
  });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  await backend?.close();
  await idp?.close();
  await untrustedIdp?.close();
  tls?.remove();
});

test('Envoy accepted everything (no update rejected)', async () => {
  expect(await e2e.rejectedUpdates()).toBe(0);
});

test('without cookies: a 302 to the authorization endpoint with client_id, redirect_uri, scope and state', async () => {
  const before = backend.requests.length;
  const answer = await get('app.example.com', '/private?x=1');
  expect(answer.status).toBe(302);
  const to = new URL(answer.location!);
  expect(`${to.origin}${to.pathname}`).toBe(`http://localhost:${idp.port}/authorize`);
  expect(to.searchParams.get('client_id')).toBe(CLIENT.id);
  expect(to.searchParams.get('response_type')).toBe('code');
  expect(to.searchParams.get('redirect_uri')).toBe('http://app.example.com/oauth2/callback');
  expect(to.searchParams.get('scope')).toBe('openid profile');
  expect(to.searchParams.get('state')).toBeTruthy();
  expect(backend.requests.length).toBe(before);
});

test('the whole login: 302 → provider → callback with a code → Envoy exchanges it → cookies → 200', async () => {
  const start = await get('app.example.com', '/private?x=1');
  expect(start.status).toBe(302);
  let jar = applyCookies({}, start.setCookies);

  // The browser goes to the provider, which logs the user in and sends it back with a code.
  const callback = new URL(await authorize(start.location!));
  expect(callback.pathname).toBe('/oauth2/callback');
  const exchanged = idp.tokenRequests.length;
  const back = await get('app.example.com', `${callback.pathname}${callback.search}`, jar);

  // Envoy exchanged the code, authenticated with the client secret it was served over SDS.
  expect(idp.tokenRequests.length).toBe(exchanged + 1);
  const exchange = idp.tokenRequests[exchanged]!;
  expect(exchange.status).toBe(200);
  expect(exchange.authorization).toBe(`Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`);
  expect(exchange.form.redirect_uri).toBe('http://app.example.com/oauth2/callback');
  expect(back.status).toBe(302);
  expect(back.location).toBe('http://app.example.com/private?x=1');
  jar = applyCookies(jar, back.setCookies);
  // The tokens are in the cookies named by the policy, encrypted by Envoy (with the HMAC key):
  // the browser never holds them in clear.
  const tokens = idp.issued.at(-1)!;
  expect(jar.Session).toBeTruthy();
  expect(jar.Identity).toBeTruthy();
  expect(jar.Session).not.toContain(tokens.accessToken);
  expect(jar.Identity).not.toBe(tokens.idToken);

  // With its cookies the browser reaches the backend.
  const before = backend.requests.length;
  const served = await get('app.example.com', '/private?x=1', jar);
  expect(served.status).toBe(200);
  expect(backend.requests.length).toBe(before + 1);
  const echoed = JSON.parse(served.body) as EchoReply;
  expect(echoed.path).toBe('/private?x=1');
  // The access token is not forwarded as a bearer token (Envoy Gateway's default).
  expect(echoed.headers.authorization).toBeUndefined();

  // Forged cookies (another access token under the same signature) are not let through.
  const forged = await get('app.example.com', '/private?x=1', { ...jar, Session: 'at-forged' });
  expect(forged.status).toBe(302);
  expect(forged.location).toContain(`http://localhost:${idp.port}/authorize`);
  expect(backend.requests.length).toBe(before + 1);

  // The logout path clears the cookies; after it, the browser must log in again.
  const out = await get('app.example.com', '/signout', jar);
  expect(out.status).toBe(302);
  const cleared = out.setCookies.map((c) => c.split('=')[0]);
  expect(cleared).toEqual(expect.arrayContaining(['Session', 'Identity']));
  jar = applyCookies(jar, out.setCookies);
  expect(jar.Session).toBeUndefined();
  expect(jar.Identity).toBeUndefined();
  expect((await get('app.example.com', '/private?x=1', jar)).status).toBe(302);
});

test('a callback with a code the provider does not know gets no cookies and never reaches the backend', async () => {
  const start = await get('app.example.com', '/');
  const jar = applyCookies({}, start.setCookies);
  const state = new URL(start.location!).searchParams.get('state')!;
  const before = backend.requests.length;
  const answer = await get('app.example.com', `/oauth2/callback?code=made-up&state=${encodeURIComponent(state)}`, jar);
  expect(answer.status).toBeGreaterThanOrEqual(400);
  expect(answer.setCookies.some((c) => c.startsWith('Session='))).toBe(false);
  expect(idp.tokenRequests.at(-1)!.status).toBe(400);
  expect(backend.requests.length).toBe(before);
});

test('a neighbour route without the policy is untouched: served without cookies or redirects', async () => {
  const answer = await get('public.example.com', '/');
  expect(answer.status).toBe(200);
  expect(answer.setCookies).toEqual([]);
});

test('a policy whose client secret is missing closes its route (500); the neighbours keep serving', async () => {
  const status = (await debugStatus(e2e.debugPort())).find(
    (r) => r.kind === 'SecurityPolicy' && r.metadata.name === 'no-secret',
  );
  expect(status?.status?.ancestors?.[0]?.conditions?.find((c) => c.type === 'Accepted')).toMatchObject({
    status: 'False',
    reason: 'Invalid',
    message: expect.stringContaining('oidc.clientSecret: Secret default/absent does not exist'),
  });
  expect((await get('broken.example.com', '/')).status).toBe(500);
  expect((await get('public.example.com', '/')).status).toBe(200);
  expect((await get('app.example.com', '/')).status).toBe(302);
});

/** Logs in through the provider; the browser's cookies after the callback. */
async function logIn(path: string): Promise<Record<string, string>> {
  const start = await get('app.example.com', path);
  const callback = new URL(await authorize(start.location!));
  const back = await get(
    'app.example.com',
    `${callback.pathname}${callback.search}`,
    applyCookies({}, start.setCookies),
  );
  expect(back.status).toBe(302);
  return applyCookies(applyCookies({}, start.setCookies), back.setCookies);
}

test('cookies signed before a restart of Portico still hold after it: the HMAC key is derived, not drawn', async () => {
  const jar = await logIn('/kept');
  expect((await get('app.example.com', '/kept', jar)).status).toBe(200);
  await e2e.restartPortico();
  await waitFor(async () => (await gatewayCondition(e2e.debugPort(), 'Programmed'))?.status === 'True', {
    timeoutMs: 20_000,
    what: 'the restarted Portico to have its configuration ACKed',
  });
  expect((await get('app.example.com', '/kept', jar)).status).toBe(200);
  expect(await e2e.rejectedUpdates()).toBe(0);
}, 40_000);

test('the debug config dump shows the generic secrets redacted, never the client secret', async () => {
  const dump = (await request(e2e.debugPort(), '/debug/config_dump')).body;
  expect(dump).toContain('securitypolicy/default/login/oidc/client-secret');
  expect(dump).toContain('securitypolicy/default/login/oidc/hmac');
  expect(dump).toContain('[redacted]');
  expect(dump).not.toContain(CLIENT.secret);
});

test('an https token endpoint whose certificate the system CAs did not sign is never sent the code', async () => {
  const start = await get('untrusted.example.com', '/');
  expect(start.status).toBe(302);
  const callback = new URL(await authorize(start.location!));
  const before = backend.requests.length;
  const back = await get(
    'untrusted.example.com',
    `${callback.pathname}${callback.search}`,
    applyCookies({}, start.setCookies),
  );
  // Envoy refused the TLS handshake: the provider saw no token request, the browser got no cookies.
  expect(untrustedIdp.tokenRequests).toEqual([]);
  expect(back.status).not.toBe(200);
  expect(back.setCookies.some((c) => c.startsWith('Session='))).toBe(false);
  expect(backend.requests.length).toBe(before);
});
