/**
 * WebSocket through Envoy to a backend whose Service port has `appProtocol: kubernetes.io/ws`:
 * the upgrade is forwarded, Envoy answers 101 Switching Protocols, and bytes flow both ways over
 * the upgraded connection.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { freePort } from '../support/envoy-ads.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

const HOST = 'ws.example.com';
let e2e: PorticoE2E;
let backend: Server;
let port: number;
const upgraded = new Set<Socket>();

/** Echoes upgraded traffic back in upper case; any protocol named in Upgrade is accepted. */
function startUpgradeEcho(): Promise<Server> {
  const server = createServer((_req, res) => res.end('plain'));
  server.on('upgrade', (req, socket: Socket) => {
    upgraded.add(socket);
    socket.on('close', () => upgraded.delete(socket));
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\n' + `Upgrade: ${req.headers.upgrade}\r\nConnection: Upgrade\r\n\r\n`,
    );
    socket.on('data', (chunk: Buffer) => socket.write(chunk.toString().toUpperCase()));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Sends an upgrade request through Envoy; resolves with the status and what came back for `message`. */
function upgrade(message: string): Promise<{ status: number; echoed: string }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/chat',
      headers: {
        host: HOST,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
      timeout: 5000,
    });
    req.on('upgrade', (res, socket: Socket) => {
      socket.once('data', (data: Buffer) => {
        socket.destroy();
        resolve({ status: res.statusCode ?? 0, echoed: data.toString() });
      });
      socket.write(message);
    });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, echoed: '' });
    });
    req.on('timeout', () => req.destroy(new Error('upgrade timed out')));
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  backend = await startUpgradeEcho();
  port = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', [{ name: 'http', protocol: 'HTTP', port }]),
    ...serviceFor('chat', (backend.address() as AddressInfo).port, 'kubernetes.io/ws'),
    httpRoute('chat', {
      parentRefs: [{ name: 'gw' }],
      hostnames: [HOST],
      rules: [{ backendRefs: [{ name: 'chat', port: 80 }] }],
    }),
  ]);
  await waitFor(async () => (await upgrade('ping')).status === 101, { timeoutMs: 30_000, what: 'the upgrade route' });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  // Upgraded sockets left the server's bookkeeping: close them, or close() waits for them.
  for (const socket of upgraded) socket.destroy();
  await new Promise((r) => backend?.close(r));
});

test('a WebSocket upgrade is forwarded and the connection carries data both ways', async () => {
  const result = await upgrade('hello over the upgraded connection');
  expect(result.status).toBe(101);
  expect(result.echoed).toBe('HELLO OVER THE UPGRADED CONNECTION');
  expect(await e2e.rejectedUpdates()).toBe(0);
});
