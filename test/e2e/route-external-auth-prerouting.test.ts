/**
 * A rule's ExternalAuth behind a listener's pre-routing ExternalAuth (GEP-5224), through a real
 * Envoy: the pre-routing server adds the header that selects the secured rule, so the request as
 * sent first matched another route (the one Envoy builds its filter chain from). The rule's check
 * must still run: its filter is in every chain of the listener and decides from the route the
 * request ends on.
 */
import { startBackend, type Backend, type EchoReply } from '../support/backends.js';
import {
  startGrpcAuthServer,
  startHttpAuthServer,
  type GrpcAuthServer,
  type HttpAuthServer,
} from '../support/auth-servers.js';
import { freePort } from '../support/envoy-ads.js';
import { request } from '../support/http-client.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

const HOST = 'app.example.com';

let e2e: PorticoE2E;
let port: number;
let web: Backend;
let listenerAuth: HttpAuthServer;
let ruleAuth: GrpcAuthServer;

beforeAll(async () => {
  web = await startBackend('web');
  listenerAuth = await startHttpAuthServer();
  ruleAuth = await startGrpcAuthServer();
  port = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', [
      {
        name: 'http',
        protocol: 'HTTP',
        port,
        hostname: HOST,
        filters: {
          requests: [
            {
              type: 'ExternalAuth',
              // Adds x-auth-user: alice to requests of alice.
              externalAuth: {
                protocol: 'HTTP',
                backendRef: { name: 'listener-auth', port: 80 },
                http: { allowedHeaders: ['x-user'] },
              },
            },
          ],
        },
      },
    ]),
    ...serviceFor('web', web.port),
    ...serviceFor('listener-auth', listenerAuth.port),
    ...serviceFor('rule-auth', ruleAuth.port),
    httpRoute('web', {
      parentRefs: [{ name: 'gw' }],
      rules: [
        {
          matches: [{ headers: [{ name: 'x-auth-user', value: 'alice' }] }],
          filters: [
            {
              type: 'ExternalAuth',
              externalAuth: { protocol: 'GRPC', backendRef: { name: 'rule-auth', port: 80 }, grpc: {} },
            },
          ],
          backendRefs: [{ name: 'web', port: 80 }],
        },
        { matches: [{ path: { type: 'PathPrefix', value: '/open' } }], backendRefs: [{ name: 'web', port: 80 }] },
      ],
    }),
  ]);
  await waitFor(
    async () => (await request(port, '/open', { host: HOST, headers: { 'x-user': 'alice' } })).status === 200,
    { timeoutMs: 30_000, what: 'the listener' },
  );
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  await Promise.all([web?.close(), listenerAuth?.close(), ruleAuth?.close()]);
});

beforeEach(() => {
  listenerAuth.checks.length = 0;
  ruleAuth.checks.length = 0;
});

test('a request the pre-routing filter moves onto the secured rule is checked by its filter', async () => {
  // As sent, the request matches no route (only the catch-all 404); as authorized, the secured rule.
  const res = await request(port, '/page', { host: HOST, headers: { 'x-user': 'alice' } });
  expect(res.status).toBe(200);
  expect((JSON.parse(res.body) as EchoReply).headers['x-grpc-user']).toBe('alice');
  expect(listenerAuth.checks).toHaveLength(1);
  expect(ruleAuth.checks).toHaveLength(1);
});

test('a request that ends on a rule without the filter is not checked by it', async () => {
  // /open is a longer path than the secured rule's `/`: it wins, whatever headers were added.
  const res = await request(port, '/open/page', { host: HOST, headers: { 'x-user': 'alice' } });
  expect(res.status).toBe(200);
  expect(listenerAuth.checks).toHaveLength(1);
  expect(ruleAuth.checks).toHaveLength(0);
});

test('Envoy accepted every update', async () => {
  expect(await e2e.rejectedUpdates()).toBe(0);
});
