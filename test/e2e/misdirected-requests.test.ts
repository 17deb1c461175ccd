/**
 * GatewayHTTPSListenerDetectMisdirectedRequests through a real Envoy: HTTPS listeners sharing a port
 * answer 421 Misdirected Request when a request's Host belongs to another listener than the one its
 * TLS connection was made for (SNI), and 404 when no listener has it. The first port replays the
 * upstream conformance test (its Gateway, routes and every case, over HTTP/2 as the test sends
 * them, and over HTTP/1.1); the second checks the spec's rule when routes and listener hostnames
 * overlap: another listener's exact or more specific hostname is a 421 even where a route of the
 * current listener names it, and a listener's own hostname without routes is a 404.
 */
import { readFileSync } from 'node:fs';
import { connect as http2Connect, constants } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { fileURLToPath } from 'node:url';
import { startBackend, type Backend, type EchoReply } from '../support/backends.js';
import { freePort } from '../support/envoy-ads.js';
import { gateway, gatewayClass, httpRoute, serviceFor, tlsSecret } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/tls/', import.meta.url));
const CERT = readFileSync(`${FIXTURES}example.crt`, 'utf8');
const KEY = readFileSync(`${FIXTURES}example.key`, 'utf8');
const PATH = '/detect-misdirected-requests';

let e2e: PorticoE2E;
let conformancePort: number;
let overlapPort: number;
const backends: Backend[] = [];

interface Answer {
  status: number;
  backend?: string;
}

/** One HTTP/2 request on a TLS connection made for `servername`, with `:authority` `host`. */
function h2(port: number, servername: string, host: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const session = http2Connect(`https://127.0.0.1:${port}`, { servername, rejectUnauthorized: false });
    session.on('error', reject);
    const req = session.request({ [constants.HTTP2_HEADER_PATH]: PATH, [constants.HTTP2_HEADER_AUTHORITY]: host });
    let status = 0;
    let body = '';
    req.on('response', (headers) => (status = Number(headers[constants.HTTP2_HEADER_STATUS])));
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('error', reject);
    // 'close' comes for every stream, with or without a body.
    req.on('close', () => {
      session.close();
      resolve(answer(status, body));
    });
    req.end();
  });
}

/** One HTTP/1.1 request on a TLS connection made for `servername`, with Host `host`. */
function h1(port: number, servername: string, host: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port, path: PATH, servername, headers: { host }, rejectUnauthorized: false, agent: false },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve(answer(res.statusCode ?? 0, body)));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function answer(status: number, body: string): Answer {
  return status === 200 ? { status, backend: (JSON.parse(body) as EchoReply).backend } : { status };
}

const listener = (name: string, port: number, hostname?: string) => ({
  name,
  port,
  protocol: 'HTTPS',
  ...(hostname ? { hostname } : {}),
  tls: { certificateRefs: [{ name: 'cert' }] },
});

const route = (name: string, sectionName: string, backend: string, hostnames?: string[]) =>
  httpRoute(name, {
    parentRefs: [{ name: 'gw', sectionName }],
    ...(hostnames ? { hostnames } : {}),
    rules: [{ matches: [{ path: { type: 'PathPrefix', value: PATH } }], backendRefs: [{ name: backend, port: 80 }] }],
  });

beforeAll(async () => {
  for (const name of ['v1', 'v2', 'v3']) backends.push(await startBackend(name));
  conformancePort = await freePort();
  overlapPort = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('all.yaml', [
    gatewayClass(),
    tlsSecret('cert', CERT, KEY),
    ...backends.flatMap((b) => serviceFor(b.name, b.port)),
    // The conformance Gateway same-namespace-with-https-listener and its four routes.
    gateway('gw', [
      listener('https', conformancePort),
      listener('https-with-hostname', conformancePort, 'second-example.org'),
      listener('https-with-wildcard-hostname', conformancePort, '*.wildcard.org'),
      listener('https-with-hostname-matching-wildcard', conformancePort, 'fourth-example.wildcard.org'),
      listener('overlap-any', overlapPort),
      listener('overlap-named', overlapPort, 'named.example.org'),
      listener('overlap-wild', overlapPort, '*.wild.example.org'),
    ]),
    route('test-1', 'https', 'v1', ['example.org']),
    route('test-2', 'https-with-hostname', 'v2'),
    route('test-3', 'https-with-wildcard-hostname', 'v3'),
    route('test-4', 'https-with-hostname-matching-wildcard', 'v1'),
    // Routes of the catch-all listener that name the other listeners' hostnames, or under them.
    route('overlap-any', 'overlap-any', 'v1', ['example.org', 'named.example.org', 'a.wild.example.org']),
  ]);
  await waitFor(async () => (await h2(conformancePort, 'example.org', 'example.org')).status === 200, {
    timeoutMs: 30_000,
    what: 'Envoy to serve the HTTPS listeners',
  });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  await Promise.all(backends.map((b) => b.close()));
});

test('Envoy accepted everything (no update rejected)', async () => {
  expect(await e2e.rejectedUpdates()).toBe(0);
});

// The conformance test's cases: SNI, Host, expected status, backend.
// Every case has four values: Jest reads a callback with more parameters than values as taking `done`.
const cases: [string, string, number, string | undefined][] = [
  ['example.org', 'example.org', 200, 'v1'],
  ['example.org', 'second-example.org', 421, undefined],
  ['example.org', 'unknown-example.org', 404, undefined],
  ['second-example.org', 'second-example.org', 200, 'v2'],
  ['second-example.org', 'example.org', 421, undefined],
  ['second-example.org', 'unknown-example.org', 421, undefined],
  ['third-example.wildcard.org', 'third-example.wildcard.org', 200, 'v3'],
  ['third-example.wildcard.org', 'fith-example.wildcard.org', 200, 'v3'],
  ['third-example.wildcard.org', 'fourth-example.wildcard.org', 421, undefined],
  ['third-example.wildcard.org', 'second-example.org', 421, undefined],
  ['third-example.wildcard.org', 'unknown-example.org', 421, undefined],
  ['fourth-example.wildcard.org', 'fourth-example.wildcard.org', 200, 'v1'],
  ['fourth-example.wildcard.org', 'fith-example.wildcard.org', 421, undefined],
  ['unknown-example.org', 'example.org', 200, 'v1'],
  ['unknown-example.org', 'unknown-example.org', 404, undefined],
];

describe.each([
  ['HTTP/2', h2],
  ['HTTP/1.1', h1],
])('the conformance cases over %s', (_protocol, send) => {
  test.each(cases)('SNI %s, Host %s: %d', async (sni, host, status, backend) => {
    expect(await send(conformancePort, sni, host)).toEqual(backend ? { status, backend } : { status });
  });
});

describe("a listener's route never serves a hostname another listener is more specific for", () => {
  test('its own hostnames are served', async () => {
    expect(await h2(overlapPort, 'example.org', 'example.org')).toEqual({ status: 200, backend: 'v1' });
  });
  test("another listener's exact hostname is a 421, though a route of this listener names it", async () => {
    expect(await h2(overlapPort, 'example.org', 'named.example.org')).toEqual({ status: 421 });
  });
  test("a name under another listener's wildcard is a 421, though a route of this listener names it", async () => {
    expect(await h2(overlapPort, 'example.org', 'a.wild.example.org')).toEqual({ status: 421 });
  });
  test("a listener's own hostname without a route of its own is a 404, not a 421", async () => {
    expect(await h2(overlapPort, 'named.example.org', 'named.example.org')).toEqual({ status: 404 });
    expect(await h2(overlapPort, 'b.wild.example.org', 'c.wild.example.org')).toEqual({ status: 404 });
  });
});
