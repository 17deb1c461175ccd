/**
 * ListenerSet through a real Envoy: a Gateway that allows ListenerSets from its namespace gets a
 * listener on another port from one; a route attached through the ListenerSet is served there,
 * and a route attached to the Gateway itself is not (its requests on that port get a 404).
 */
import { createServer, type Server } from 'node:http';
import { freePort } from '../support/envoy-ads.js';
import * as fixtures from '../support/fixtures.js';
import { gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { request } from '../support/http-client.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

let e2e: PorticoE2E;
let backend: Server;
let own: number;
let fromSet: number;

beforeAll(async () => {
  backend = createServer((req, res) => res.end(`served ${req.headers.host}`));
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  own = await freePort();
  fromSet = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('all.yaml', [
    gatewayClass(),
    fixtures.gateway({
      name: 'gw',
      spec: { allowedListeners: { namespaces: { from: 'Same' } } },
      listeners: [fixtures.listener('http', own)],
    }),
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'ListenerSet',
      metadata: { name: 'extra', namespace: 'default' },
      spec: { parentRef: { name: 'gw' }, listeners: [{ name: 'more', port: fromSet, protocol: 'HTTP' }] },
    },
    ...serviceFor('web', (backend.address() as { port: number }).port),
    httpRoute('via-set', {
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'ListenerSet', name: 'extra' }],
      hostnames: ['set.example.com'],
      rules: [{ backendRefs: [{ name: 'web', port: 80 }] }],
    }),
    httpRoute('via-gateway', {
      parentRefs: [{ name: 'gw' }],
      hostnames: ['gw.example.com'],
      rules: [{ backendRefs: [{ name: 'web', port: 80 }] }],
    }),
  ]);
  await waitFor(async () => (await request(fromSet, '/', { host: 'set.example.com' })).status === 200, {
    timeoutMs: 30_000,
    what: "the ListenerSet's listener",
  });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  await new Promise((r) => backend?.close(r));
});

test("a route attached through the ListenerSet is served on the ListenerSet's port", async () => {
  const response = await request(fromSet, '/', { host: 'set.example.com' });
  expect(response.status).toBe(200);
  expect(response.body).toBe('served set.example.com');
});

test("the Gateway's own routes stay on its own listener", async () => {
  expect((await request(own, '/', { host: 'gw.example.com' })).status).toBe(200);
  expect((await request(fromSet, '/', { host: 'gw.example.com' })).status).toBe(404);
  expect((await request(own, '/', { host: 'set.example.com' })).status).toBe(404);
  expect(await e2e.rejectedUpdates()).toBe(0);
});
