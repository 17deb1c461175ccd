/**
 * A tiny OpenID Connect provider for end-to-end tests, on 127.0.0.1 over plain HTTP (or https): its
 * authorization endpoint "logs the user in" at once (a 302 back to the redirect URI with a fresh
 * code and the state it was given), and its token endpoint exchanges a code for tokens only for
 * the client it knows, authenticated with HTTP basic authentication, and only once per code.
 * Every token request is remembered, so a test can see what Envoy sent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface TokenRequest {
  authorization: string | undefined;
  form: Record<string, string>;
  /** The status the provider answered. */
  status: number;
}

export interface OidcProvider {
  port: number;
  /** Token requests, in order. */
  tokenRequests: TokenRequest[];
  /** The tokens handed out for each code exchanged. */
  issued: { accessToken: string; idToken: string }[];
  close(): Promise<void>;
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned JWT (Envoy keeps the ID token; it does not check its signature). */
function idToken(clientId: string): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: 'http://localhost', sub: 'alice', aud: clientId, iat: now, exp: now + 3600 };
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
}

/** Over https with `tls` (a certificate no system trust store holds: Envoy must refuse it). */
export async function startOidcProvider(
  client: { id: string; secret: string },
  tls?: { cert: string; key: string },
): Promise<OidcProvider> {
  const codes = new Map<string, string>(); // code → redirect_uri it was issued for
  const tokenRequests: TokenRequest[] = [];
  const issued: OidcProvider['issued'] = [];
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/authorize') {
      const redirect = url.searchParams.get('redirect_uri');
      if (url.searchParams.get('client_id') !== client.id || !redirect) {
        res.writeHead(400).end('unknown client or no redirect_uri\n');
        return;
      }
      const code = randomBytes(12).toString('hex');
      codes.set(code, redirect);
      const back = new URL(redirect);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/token') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const form = Object.fromEntries(new URLSearchParams(body));
        const expected = `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;
        const record: TokenRequest = { authorization: req.headers.authorization, form, status: 200 };
        tokenRequests.push(record);
        const answer = (status: number, payload: unknown) => {
          record.status = status;
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
        };
        if (req.headers.authorization !== expected) return answer(401, { error: 'invalid_client' });
        const code = form.code ?? '';
        if (form.grant_type !== 'authorization_code' || !codes.has(code) || codes.get(code) !== form.redirect_uri) {
          return answer(400, { error: 'invalid_grant' });
        }
        codes.delete(code);
        const tokens = { accessToken: `at-${randomBytes(8).toString('hex')}`, idToken: idToken(client.id) };
        issued.push(tokens);
        answer(200, {
          access_token: tokens.accessToken,
          id_token: tokens.idToken,
          token_type: 'Bearer',
          expires_in: 3600,
        });
      });
      return;
    }
    res.writeHead(404).end();
  };
  const server: Server = tls ? createHttpsServer(tls, handle) : createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    tokenRequests,
    issued,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
