/**
 * UDPRoute through a real Envoy: datagrams sent to the Gateway's UDP listener reach a UDP echo
 * backend and its answers come back; a UDP listener shares its port number with a TCP listener.
 */
import { createSocket, type Socket } from 'node:dgram';
import { freePort } from '../support/envoy-ads.js';
import { gateway, gatewayClass } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

let e2e: PorticoE2E;
let backend: Socket;
let port: number;

/** Sends one datagram to the Envoy's UDP listener; resolves with the answer, or '' after a timeout. */
function exchange(message: string, timeoutMs = 1000): Promise<string> {
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
    socket.send(message, port, '127.0.0.1');
  });
}

beforeAll(async () => {
  backend = createSocket('udp4');
  backend.on('message', (data, from) => backend.send(`echo:${data.toString()}`, from.port, from.address));
  await new Promise<void>((resolve) => backend.bind(0, '127.0.0.1', resolve));
  const backendPort = backend.address().port;
  port = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', [
      { name: 'udp', protocol: 'UDP', port },
      // The same port number over TCP: another socket, no conflict.
      { name: 'tcp', protocol: 'TCP', port },
    ]),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'echo', namespace: 'default' },
      spec: { ports: [{ name: 'dgram', protocol: 'UDP', port: 9000, targetPort: backendPort }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'echo-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'echo' } },
      addressType: 'IPv4',
      ports: [{ name: 'dgram', port: backendPort, protocol: 'UDP' }],
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'UDPRoute',
      metadata: { name: 'echo', namespace: 'default' },
      spec: {
        parentRefs: [{ name: 'gw', sectionName: 'udp' }],
        rules: [{ backendRefs: [{ name: 'echo', port: 9000 }] }],
      },
    },
  ]);
  await waitFor(async () => (await exchange('ready?', 300)) === 'echo:ready?', {
    timeoutMs: 30_000,
    what: 'the UDPRoute through Envoy',
  });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  backend?.close();
});

test('datagrams reach the UDP backend through Envoy and its answers come back', async () => {
  expect(await exchange('one')).toBe('echo:one');
  expect(await exchange('two')).toBe('echo:two');
  expect(await e2e.rejectedUpdates()).toBe(0);
});
