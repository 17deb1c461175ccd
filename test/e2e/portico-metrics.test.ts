/**
 * Portico's own /metrics with a real Envoy connected: the process figures (prom-client's names)
 * and the per-Gateway xDS figures (the Envoy counted as a connected proxy of its Gateway, the
 * pushes it was sent, the version and time of the last one, no NACK).
 */
import { startBackend, type Backend } from '../support/backends.js';
import { freePort } from '../support/envoy-ads.js';
import { request } from '../support/http-client.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

let e2e: PorticoE2E;
let backend: Backend;
let port: number;

beforeAll(async () => {
  backend = await startBackend('web');
  port = await freePort();
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', [{ name: 'http', protocol: 'HTTP', port }]),
    ...serviceFor('web', backend.port),
    httpRoute('web', { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] }),
  ]);
  await waitFor(async () => (await request(port, '/')).status === 200, { timeoutMs: 30_000, what: 'the listener' });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  await backend?.close();
});

test('/metrics shows the process and the Gateway its Envoy serves', async () => {
  const res = await request(e2e.debugPort(), '/metrics');
  expect(res.status).toBe(200);
  const value = (pattern: RegExp) => Number(pattern.exec(res.body)?.[1]);
  expect(value(/^portico_xds_gateway_connected_proxies\{gateway="default\/gw"\} (\d+)$/m)).toBe(1);
  expect(value(/^portico_xds_gateway_pushes_total\{gateway="default\/gw"\} (\d+)$/m)).toBeGreaterThanOrEqual(4);
  expect(value(/^portico_xds_gateway_nacks_total\{gateway="default\/gw"\} (\d+)$/m)).toBe(0);
  const lastPush = value(/^portico_xds_gateway_last_push_timestamp_seconds\{gateway="default\/gw"\} ([\d.]+)$/m);
  expect(lastPush).toBeLessThanOrEqual(Date.now() / 1000);
  expect(lastPush).toBeGreaterThan(Date.now() / 1000 - 600);
  expect(res.body).toMatch(/^portico_xds_gateway_last_push_info\{gateway="default\/gw",version="[^"]+"\} 1$/m);
  expect(value(/^process_resident_memory_bytes (\d+)$/m)).toBeGreaterThan(1_000_000);
  expect(value(/^process_open_fds (\d+)$/m)).toBeGreaterThan(2);
  expect(res.body).toMatch(/^nodejs_eventloop_lag_seconds [\d.e-]+$/m);
  expect(res.body).toMatch(/^process_start_time_seconds \d+$/m);
});
