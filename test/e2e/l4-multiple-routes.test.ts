/**
 * Several TCPRoutes (UDPRoutes) on one TCP (UDP) listener, through a real Envoy. Envoy's TCP and
 * UDP proxies forward a listener's traffic to one route: the oldest is served, the newer ones are
 * still attached (Accepted, counted in the listener's `attachedRoutes`) and take over when the
 * older goes (conformance TCPRouteMultipleRoutesAttachment, UDPRouteMultipleRoutesAttachment).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from '../support/envoy-ads.js';
import { attachedRoutes, routeCondition } from '../support/debug-status.js';
import { gateway, gatewayClass, serviceFor } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

let e2e: PorticoE2E;
const tcpServers: Server[] = [];
const udpServers: UdpSocket[] = [];
const ports = { tcp: 0, udp: 0 };

async function tcpBackend(name: string): Promise<number> {
  const server = createServer((socket: Socket) => {
    socket.on('error', () => undefined);
    socket.once('data', (data: Buffer) => socket.end(`${name}:${data.toString()}`));
  });
  tcpServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

async function udpBackend(name: string): Promise<number> {
  const socket = createSocket('udp4');
  socket.on('message', (data, from) => socket.send(`${name}:${data.toString()}`, from.port, from.address));
  udpServers.push(socket);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket.address().port;
}

/** A Service with one UDP port 9000 whose only endpoint is `backendPort` on 127.0.0.1. */
function udpService(name: string, backendPort: number) {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'default' },
      spec: { ports: [{ name: 'dgram', protocol: 'UDP', port: 9000, targetPort: backendPort }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'dgram', port: backendPort, protocol: 'UDP' }],
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    },
  ];
}

function route(kind: 'TCPRoute' | 'UDPRoute', name: string, created: string, sectionName: string, backend: object) {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind,
    metadata: { name, namespace: 'default', generation: 1, creationTimestamp: created },
    spec: { parentRefs: [{ name: 'gw', sectionName }], rules: [{ backendRefs: [backend] }] },
  };
}

/** Sends `message` over a new TCP connection; resolves with the reply ('' if the connection closed). */
function tcpExchange(message: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(ports.tcp, '127.0.0.1');
    let out = '';
    socket.on('connect', () => socket.write(message));
    socket.on('data', (d: Buffer) => (out += d.toString()));
    socket.on('error', () => resolve(out));
    socket.on('close', () => resolve(out));
    socket.setTimeout(5000, () => socket.destroy());
  });
}

/** Sends one datagram from a new socket; resolves with the answer, or '' after `timeoutMs`. */
function udpExchange(message: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      resolve('');
    }, timeoutMs);
    socket.on('message', (data) => {
      clearTimeout(timer);
      socket.close();
      resolve(data.toString());
    });
    socket.send(message, ports.udp, '127.0.0.1');
  });
}

beforeAll(async () => {
  const [tcpOlder, tcpNewer] = [await tcpBackend('older'), await tcpBackend('newer')];
  const [udpOlder, udpNewer] = [await udpBackend('older'), await udpBackend('newer')];
  ports.tcp = await freePort();
  ports.udp = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', [
      { name: 'tcp', protocol: 'TCP', port: ports.tcp },
      { name: 'udp', protocol: 'UDP', port: ports.udp },
    ]),
    ...serviceFor('tcp-older', tcpOlder),
    ...serviceFor('tcp-newer', tcpNewer),
    ...udpService('udp-older', udpOlder),
    ...udpService('udp-newer', udpNewer),
    route('TCPRoute', 'tcp-newer', '2026-01-02T00:00:00Z', 'tcp', { name: 'tcp-newer', port: 80 }),
    route('UDPRoute', 'udp-newer', '2026-01-02T00:00:00Z', 'udp', { name: 'udp-newer', port: 9000 }),
  ]);
  e2e.write('older.yaml', [
    route('TCPRoute', 'tcp-older', '2026-01-01T00:00:00Z', 'tcp', { name: 'tcp-older', port: 80 }),
    route('UDPRoute', 'udp-older', '2026-01-01T00:00:00Z', 'udp', { name: 'udp-older', port: 9000 }),
  ]);
  await waitFor(async () => (await tcpExchange('ready?')) === 'older:ready?', {
    timeoutMs: 30_000,
    what: 'the older TCPRoute through Envoy',
  });
  await waitFor(async () => (await udpExchange('ready?', 300)) === 'older:ready?', {
    timeoutMs: 30_000,
    what: 'the older UDPRoute through Envoy',
  });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  for (const server of tcpServers) server.close();
  for (const socket of udpServers) socket.close();
});

test('every route on the listener is Accepted and counted in attachedRoutes', async () => {
  const debug = e2e.debugPort();
  for (const [kind, name] of [
    ['TCPRoute', 'tcp-older'],
    ['TCPRoute', 'tcp-newer'],
    ['UDPRoute', 'udp-older'],
    ['UDPRoute', 'udp-newer'],
  ] as const) {
    expect(await routeCondition(debug, kind, name, 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted' });
  }
  expect((await routeCondition(debug, 'TCPRoute', 'tcp-newer', 'Accepted'))?.message).toContain(
    'it receives no traffic while listener tcp forwards to the older TCPRoute default/tcp-older',
  );
  expect(await attachedRoutes(debug, 'gw', 'tcp')).toBe(2);
  expect(await attachedRoutes(debug, 'gw', 'udp')).toBe(2);
});

test('only the oldest route gets the traffic: every connection and datagram reaches its backend', async () => {
  const tcp = await Promise.all(Array.from({ length: 20 }, (_, i) => tcpExchange(`c${i}`)));
  expect(tcp).toEqual(Array.from({ length: 20 }, (_, i) => `older:c${i}`));
  const udp: string[] = [];
  for (let i = 0; i < 20; i++) udp.push(await udpExchange(`d${i}`));
  expect(udp).toEqual(Array.from({ length: 20 }, (_, i) => `older:d${i}`));
  expect(await e2e.rejectedUpdates()).toBe(0);
});

test('when the older routes are deleted, the newer ones take over', async () => {
  e2e.remove('older.yaml');
  await waitFor(async () => (await tcpExchange('x')) === 'newer:x', {
    timeoutMs: 30_000,
    what: 'the newer TCPRoute served',
  });
  await waitFor(async () => (await udpExchange('y', 300)) === 'newer:y', {
    timeoutMs: 30_000,
    what: 'the newer UDPRoute served',
  });
  expect(await attachedRoutes(e2e.debugPort(), 'gw', 'tcp')).toBe(1);
  expect(await routeCondition(e2e.debugPort(), 'TCPRoute', 'tcp-newer', 'Accepted')).toMatchObject({
    status: 'True',
    message: 'Route is accepted by Gateway default/gw',
  });
  expect(await e2e.rejectedUpdates()).toBe(0);
}, 60_000);
