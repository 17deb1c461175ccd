/**
 * The bootstrap's connection limit through a real Envoy: with a limit of 2, a third client
 * connection is closed without an answer while two are open, and served again once one of them
 * closes. Also: Envoy no longer warns at start that downstream connections are unlimited.
 */
import { connect, type Socket } from 'node:net';
import { bootstrapJson, buildBootstrap } from '../../src/infra/bootstrap.js';
import { HTTP_CONNECTION_MANAGER, ROUTER } from '../../src/proto/type-urls.js';
import { EnvoyAds, freePort, waitFor } from '../support/envoy-ads.js';

let envoy: EnvoyAds;
let port: number;
const open: Socket[] = [];

/** A static listener answering 200 on every path: the connection limit needs nothing else. */
function limitedBootstrap(listenerPort: number): Record<string, unknown> {
  const bootstrap = bootstrapJson(
    buildBootstrap({
      gateway: 'default/limit',
      xds: { host: '127.0.0.1', port: 1 },
      adminPort: 0,
      maxDownstreamConnections: 2,
    }),
  ) as Record<string, unknown>;
  delete bootstrap.dynamic_resources;
  bootstrap.static_resources = {
    listeners: [
      {
        name: 'limited',
        address: { socket_address: { address: '127.0.0.1', port_value: listenerPort } },
        filter_chains: [
          {
            filters: [
              {
                name: 'envoy.filters.network.http_connection_manager',
                typed_config: {
                  '@type': HTTP_CONNECTION_MANAGER,
                  stat_prefix: 'limited',
                  route_config: {
                    virtual_hosts: [
                      {
                        name: 'all',
                        domains: ['*'],
                        routes: [{ match: { prefix: '/' }, direct_response: { status: 200 } }],
                      },
                    ],
                  },
                  http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
                },
              },
            ],
          },
        ],
      },
    ],
  };
  return bootstrap;
}

/**
 * Opens a connection and sends one keep-alive request on it: the status line Envoy answered, or
 * `closed` when Envoy closed the connection without answering. The socket stays open.
 */
function request(): Promise<{ socket: Socket; answer: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const done = (answer: string) => resolve({ socket, answer });
    socket.setTimeout(5000, () => reject(new Error('no answer and no close within 5 s')));
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString();
      if (data.includes('\r\n')) done(data.slice(0, data.indexOf('\r\n')));
    });
    socket.on('close', () => done('closed'));
    socket.on('error', () => done('closed'));
    socket.on('connect', () => socket.write('GET / HTTP/1.1\r\nHost: limit\r\n\r\n'));
  });
}

beforeAll(async () => {
  port = await freePort();
  envoy = await EnvoyAds.start({
    xdsPort: 1,
    nodeId: 'limit',
    nodeCluster: 'default/limit',
    apiType: 'GRPC',
    bootstrap: limitedBootstrap(port),
  });
  await waitFor(async () => (await request().then(({ socket, answer }) => (socket.destroy(), answer))) !== 'closed', {
    what: 'the listener',
  });
}, 30_000);

afterAll(async () => {
  for (const s of open) s.destroy();
  await envoy?.stop();
});

it('refuses a connection beyond the limit and serves again below it', async () => {
  // Envoy counts a closed connection down shortly after it goes: wait for the readiness probes' to go.
  await waitFor(
    async () =>
      (await envoy.stats('downstream_cx_active')).get('listener.127.0.0.1_' + port + '.downstream_cx_active') === 0,
    { what: 'no connection open' },
  );
  for (let i = 0; i < 2; i++) {
    const { socket, answer } = await request();
    open.push(socket);
    expect(answer).toBe('HTTP/1.1 200 OK');
  }
  const third = await request();
  third.socket.destroy();
  expect(third.answer).toBe('closed');
  const overflow = await envoy.stats('downstream_global_cx_overflow');
  expect([...overflow.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);

  open.shift()!.destroy();
  const again = await waitFor(
    async () => {
      const { socket, answer } = await request();
      open.push(socket);
      return answer === 'closed' ? undefined : answer;
    },
    { what: 'a connection served once one closed' },
  );
  expect(again).toBe('HTTP/1.1 200 OK');
}, 30_000);

it('does not warn at start that downstream connections are unlimited', () => {
  expect(envoy.logs.join('')).not.toMatch(/no configured limit to the number of allowed active/);
});
