/**
 * A BackendTrafficPolicy on a TCPRoute through a real Envoy: its TCP health check takes out the
 * endpoint that refuses connections, so every connection reaches the live one, while a TCPRoute to
 * the same Service without the policy keeps sending some connections to the dead endpoint (closed
 * with nothing read). Its circuitBreaker `maxConnections: 1` closes a second connection while the
 * first is open. Effects are polled for, never timed.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from '../support/envoy-ads.js';
import { gateway, gatewayClass, serviceFor } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

let e2e: PorticoE2E;
const servers: Server[] = [];
const ports = { checked: 0, unchecked: 0, limited: 0 };

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** Sends `message`; resolves with everything read until the connection closed. */
function exchange(port: number, message: string): Promise<string> {
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

async function replies(port: number, count: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(await exchange(port, 'hi'));
  return out;
}

/** A service of two endpoints (one EndpointSlice each). */
function serviceOver(name: string, backendPorts: number[]) {
  const [service, slice] = serviceFor(name, backendPorts[0]!);
  return [
    service,
    ...backendPorts.map((p, i) => ({
      ...(slice as Record<string, unknown>),
      metadata: { name: `${name}-${i}`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
      ports: [{ name: 'http', port: p, protocol: 'TCP' }],
    })),
  ];
}

const tcpRoute = (name: string, listener: string, service: string) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'TCPRoute',
  metadata: { name, namespace: 'default' },
  spec: {
    parentRefs: [{ name: 'gw', sectionName: listener }],
    rules: [{ backendRefs: [{ name: service, port: 80 }] }],
  },
});

const policy = (name: string, route: string, spec: Record<string, unknown>) => ({
  apiVersion: 'gateway.portico.dev/v1alpha1',
  kind: 'BackendTrafficPolicy',
  metadata: { name, namespace: 'default' },
  spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'TCPRoute', name: route }], ...spec },
});

beforeAll(async () => {
  const answer = (socket: Socket) => {
    socket.on('error', () => undefined);
    socket.once('data', (d: Buffer) => socket.end(`alive:${d.toString()}`));
  };
  const alive = await listen(createServer(answer));
  // A port nothing listens on any more: connections to it are refused.
  const deadServer = createServer();
  const dead = await new Promise<number>((resolve) =>
    deadServer.listen(0, '127.0.0.1', () => resolve((deadServer.address() as { port: number }).port)),
  );
  await new Promise<void>((resolve) => deadServer.close(() => resolve()));
  // Holds each connection open until the client ends it.
  const holding = await listen(
    createServer((socket) => {
      socket.on('error', () => undefined);
      socket.on('data', (d: Buffer) => socket.write(`held:${d.toString()}`));
    }),
  );
  for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway(
      'gw',
      Object.entries(ports).map(([name, port]) => ({ name, protocol: 'TCP', port })),
    ),
    ...serviceOver('pair', [alive, dead]),
    ...serviceOver('holding', [holding]),
    tcpRoute('checked', 'checked', 'pair'),
    tcpRoute('unchecked', 'unchecked', 'pair'),
    tcpRoute('limited', 'limited', 'holding'),
    policy('checked', 'checked', {
      healthCheck: { active: { type: 'TCP', interval: '1s', unhealthyThreshold: 1, healthyThreshold: 1 } },
    }),
    policy('limited', 'limited', { circuitBreaker: { maxConnections: 1 } }),
  ]);
  await waitFor(async () => (await exchange(ports.unchecked, 'x')) === 'alive:x', { timeoutMs: 30_000, what: 'tcp' });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  for (const s of servers) s.close();
});

test('healthCheck TCP: every connection reaches the live endpoint; without the policy some reach the dead one', async () => {
  await waitFor(async () => (await replies(ports.checked, 10)).every((r) => r === 'alive:hi'), {
    timeoutMs: 30_000,
    what: 'the dead endpoint taken out',
  });
  expect(await replies(ports.unchecked, 10)).toContain('');
}, 60_000);

test('circuitBreaker maxConnections 1: a second connection is closed while the first is open', async () => {
  const first = connect(ports.limited, '127.0.0.1');
  first.on('error', () => undefined);
  try {
    let firstOut = '';
    first.on('data', (d: Buffer) => (firstOut += d.toString()));
    first.write('one');
    await waitFor(() => firstOut === 'held:one', { timeoutMs: 10_000, what: 'the first connection through' });
    expect(await exchange(ports.limited, 'two')).toBe('');
  } finally {
    first.destroy();
  }
  // Once the first is gone, a new connection goes through again.
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const s = connect(ports.limited, '127.0.0.1');
        s.on('error', () => resolve(false));
        s.on('data', (d: Buffer) => {
          resolve(d.toString() === 'held:again');
          s.destroy();
        });
        s.on('close', () => resolve(false));
        s.write('again');
      }),
    { timeoutMs: 10_000, what: 'a connection after the first closed' },
  );
}, 40_000);
