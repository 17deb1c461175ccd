/**
 * TLSRoute and TCPRoute through a real Envoy. TLS passthrough: Envoy picks the backend by SNI and
 * the client's TLS session ends at the backend (the backend's certificate is what the client sees).
 * TLS terminate: Envoy decrypts and forwards the plain bytes. TCP: bytes are forwarded as they are.
 * A backendRef that cannot be resolved gets its connections closed.
 */
import { readFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/envoy-ads.js';
import { gateway, gatewayClass, serviceFor, tlsSecret } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/tls/', import.meta.url));
const CERT = readFileSync(`${FIXTURES}example.crt`, 'utf8');
const KEY = readFileSync(`${FIXTURES}example.key`, 'utf8');

let e2e: PorticoE2E;
const servers: Server[] = [];
const ports = { tls: 0, terminate: 0, tcp: 0, rejected: 0 };

/** Answers each connection's first chunk with `<name>:<chunk>`. */
function answer(name: string) {
  return (socket: Socket | TLSSocket) => {
    socket.on('error', () => undefined);
    socket.once('data', (data: Buffer) => socket.end(`${name}:${data.toString()}`));
  };
}

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** Sends `message` over plain TCP; resolves with everything read until the connection closed. */
function tcpExchange(port: number, message: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.on('connect', () => socket.write(message));
    socket.on('data', (d: Buffer) => (out += d.toString()));
    socket.on('error', () => resolve(out));
    socket.on('close', () => resolve(out));
    socket.setTimeout(5000, () => socket.destroy());
  });
}

/** Sends `message` over TLS with SNI `servername`; resolves with the reply and the peer certificate's CN. */
function tlsExchange(port: number, servername: string, message: string): Promise<{ reply: string; peer: string }> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ port, host: '127.0.0.1', servername, rejectUnauthorized: false });
    let out = '';
    let peer = '';
    socket.on('secureConnect', () => {
      peer = String(socket.getPeerCertificate()?.subject?.CN ?? '');
      socket.write(message);
    });
    socket.on('data', (d: Buffer) => (out += d.toString()));
    socket.on('error', () => resolve({ reply: out, peer }));
    socket.on('close', () => resolve({ reply: out, peer }));
    socket.setTimeout(5000, () => socket.destroy());
  });
}

beforeAll(async () => {
  // TLS servers that end the client's TLS session themselves (passthrough backends).
  const tlsA = await listen(createTlsServer({ cert: CERT, key: KEY }, answer('tls-a')));
  const tlsB = await listen(createTlsServer({ cert: CERT, key: KEY }, answer('tls-b')));
  // A TLS server behind re-encryption that answers with the SNI Envoy sent it.
  const tlsSni = await listen(
    createTlsServer({ cert: CERT, key: KEY }, (socket: TLSSocket) => {
      socket.on('error', () => undefined);
      socket.once('data', (data: Buffer) => socket.end(`sni=${String(socket.servername)}:${data.toString()}`));
    }),
  );
  // Plain TCP servers (behind TLS termination and the TCP listener).
  const plain = await listen(createServer(answer('plain')));
  for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  const route = (kind: string, name: string, spec: Record<string, unknown>) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind,
    metadata: { name, namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec,
  });
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', [
      { name: 'tls', protocol: 'TLS', port: ports.tls, tls: { mode: 'Passthrough' } },
      {
        name: 'terminate',
        protocol: 'TLS',
        port: ports.terminate,
        tls: { mode: 'Terminate', certificateRefs: [{ name: 'example-cert' }] },
      },
      { name: 'tcp', protocol: 'TCP', port: ports.tcp },
      { name: 'rejected', protocol: 'TCP', port: ports.rejected },
    ]),
    tlsSecret('example-cert', CERT, KEY),
    ...serviceFor('tls-a', tlsA),
    ...serviceFor('tls-b', tlsB),
    ...serviceFor('plain', plain),
    ...serviceFor('tls-sni', tlsSni),
    ...serviceFor('tls-mismatch', tlsSni),
    route('TLSRoute', 'a', {
      parentRefs: [{ name: 'gw', sectionName: 'tls' }],
      hostnames: ['a.example.com'],
      rules: [{ backendRefs: [{ name: 'tls-a', port: 80 }] }],
    }),
    route('TLSRoute', 'wildcard', {
      parentRefs: [{ name: 'gw', sectionName: 'tls' }],
      hostnames: ['*.example.com'],
      rules: [{ backendRefs: [{ name: 'tls-b', port: 80 }] }],
    }),
    // tls-a speaks TLS itself: a BackendTLSPolicy makes a terminating listener re-encrypt to it
    // (a passthrough listener forwards the client's own TLS and ignores the policy).
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ca', namespace: 'default' }, data: { 'ca.crt': CERT } },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'BackendTLSPolicy',
      metadata: { name: 'tls-a', namespace: 'default' },
      spec: {
        targetRefs: [{ group: '', kind: 'Service', name: 'tls-a' }],
        validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }], hostname: 'foo.example.com' },
      },
    },
    // The conformance test BackendTLSPolicyTLSRouteTerminate: the policy's hostname is the SNI and
    // the name the backend's certificate must carry.
    ...[
      ['tls-sni', 'abc.example.com'],
      ['tls-mismatch', 'abc.example.org'],
    ].flatMap(([service, hostname]) => [
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'BackendTLSPolicy',
        metadata: { name: service, namespace: 'default' },
        spec: {
          targetRefs: [{ group: '', kind: 'Service', name: service, sectionName: 'http' }],
          validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }], hostname },
        },
      },
      route('TLSRoute', service!, {
        parentRefs: [{ name: 'gw', sectionName: 'terminate' }],
        hostnames: [`${service}.example.com`],
        rules: [{ backendRefs: [{ name: service, port: 80 }] }],
      }),
    ]),
    route('TLSRoute', 're-encrypted', {
      parentRefs: [{ name: 'gw', sectionName: 'terminate' }],
      hostnames: ['r.example.com'],
      rules: [{ backendRefs: [{ name: 'tls-a', port: 80 }] }],
    }),
    route('TLSRoute', 'terminated', {
      parentRefs: [{ name: 'gw', sectionName: 'terminate' }],
      hostnames: ['t.example.com'],
      rules: [{ backendRefs: [{ name: 'plain', port: 80 }] }],
    }),
    route('TCPRoute', 'tcp', {
      parentRefs: [{ name: 'gw', sectionName: 'tcp' }],
      rules: [{ backendRefs: [{ name: 'plain', port: 80 }] }],
    }),
    route('TCPRoute', 'nowhere', {
      parentRefs: [{ name: 'gw', sectionName: 'rejected' }],
      rules: [{ backendRefs: [{ name: 'no-such-service', port: 80 }] }],
    }),
  ]);
  await waitFor(async () => (await tcpExchange(ports.tcp, 'hello')) === 'plain:hello', {
    timeoutMs: 30_000,
    what: 'the TCPRoute through Envoy',
  });
  await waitFor(async () => (await tlsExchange(ports.tls, 'a.example.com', 'x')).reply === 'tls-a:x', {
    timeoutMs: 30_000,
    what: 'the TLSRoutes through Envoy',
  });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  for (const server of servers) server.close();
});

test('TLS passthrough: the SNI hostname picks the backend, exact before wildcard, and TLS ends at the backend', async () => {
  expect(await tlsExchange(ports.tls, 'a.example.com', 'one')).toEqual({ reply: 'tls-a:one', peer: 'example.com' });
  expect((await tlsExchange(ports.tls, 'other.example.com', 'two')).reply).toBe('tls-b:two');
  // No route for this name: the connection is closed before any TLS handshake completes.
  expect((await tlsExchange(ports.tls, 'nothing.example.net', 'three')).reply).toBe('');
});

test('TLS terminate: Envoy ends the TLS session and forwards the plain bytes', async () => {
  await waitFor(async () => (await tlsExchange(ports.terminate, 't.example.com', 'x')).reply === 'plain:x', {
    timeoutMs: 10_000,
    what: 'the terminating TLS listener',
  });
  expect(await tlsExchange(ports.terminate, 't.example.com', 'secret')).toEqual({
    reply: 'plain:secret',
    peer: 'example.com',
  });
});

test('TLS terminate to a backend with a BackendTLSPolicy: Envoy opens TLS to it again', async () => {
  expect((await tlsExchange(ports.terminate, 'r.example.com', 'inner')).reply).toBe('tls-a:inner');
});

test("TLS terminate, re-encrypted: the policy's hostname is the SNI; a certificate without it closes the connection", async () => {
  expect((await tlsExchange(ports.terminate, 'tls-sni.example.com', 'hi')).reply).toBe('sni=abc.example.com:hi');
  expect((await tlsExchange(ports.terminate, 'tls-mismatch.example.com', 'hi')).reply).toBe('');
});

test('TCP: bytes are forwarded as they are; a route whose backend does not exist gets its connections closed', async () => {
  expect(await tcpExchange(ports.tcp, 'ping')).toBe('plain:ping');
  expect(await tcpExchange(ports.rejected, 'ping')).toBe('');
  expect(await e2e.rejectedUpdates()).toBe(0);
});
