/**
 * A listener whose port another process holds when Envoy first gets it (the bind fails and Envoy
 * NACKs) is sent again with backoff, with no input change: once the port is free, Envoy binds it
 * and traffic flows. Meanwhile the Gateway's Programmed condition says that Portico is retrying,
 * and why; it turns True once Envoy ACKs. Through Portico's `serve` pipeline and a real Envoy,
 * over state of the world and delta ADS.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { freePort } from '../support/envoy-ads.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { gatewayCondition } from '../support/debug-status.js';
import { request } from '../support/http-client.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

describe.each(['sotw', 'delta'] as const)('a listener port held by another process (%s)', (protocol) => {
  let e2e: PorticoE2E;
  let backend: HttpServer;
  let holder: TcpServer | undefined;
  let port: number;

  beforeAll(async () => {
    backend = createHttpServer((_req, res) => res.end('served'));
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    port = await freePort();
    holder = createTcpServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => holder!.listen(port, '127.0.0.1', resolve));
    e2e = await PorticoE2E.start('default/gw', { protocol });
  }, 60_000);

  afterAll(async () => {
    await e2e?.stop();
    if (holder?.listening) await new Promise((r) => holder!.close(r));
    await new Promise((r) => backend?.close(r));
  });

  const programmed = () => gatewayCondition(e2e.debugPort(), 'Programmed');

  test('is retried with backoff and served once the port is free, with no input change', async () => {
    e2e.write('all.yaml', [
      gatewayClass(),
      gateway('gw', [{ name: 'http', port, protocol: 'HTTP' }]),
      ...serviceFor('web', (backend.address() as { port: number }).port),
      httpRoute('web', { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] }),
    ]);
    // Envoy could not bind: the status says Portico retries, and why.
    const retrying = await waitFor(
      async () => {
        const c = await programmed();
        return c?.status === 'False' && /retrying/i.test(c.message) ? c : undefined;
      },
      { timeoutMs: 30_000, what: 'Programmed=False saying that Portico retries' },
    );
    expect(retrying.reason).toBe('Pending');
    expect(retrying.message).toMatch(/address already in use/i);
    expect(retrying.message).toContain(`default/gw/http-${port}`);
    expect(await e2e.rejectedUpdates()).toBeGreaterThan(0);

    // The port is freed; nothing else changes.
    await new Promise((r) => holder!.close(r));
    await waitFor(async () => (await request(port, '/').catch(() => undefined))?.body === 'served', {
      timeoutMs: 30_000,
      what: 'traffic on the listener once its port is free (within the capped backoff)',
    });
    await waitFor(async () => (await programmed())?.status === 'True', {
      timeoutMs: 10_000,
      what: 'Programmed=True once Envoy ACKs the listener',
    });
  }, 90_000);
});
