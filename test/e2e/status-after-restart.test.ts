/**
 * A restarted Portico reports the Gateway Programmed once its Envoy reconnects, with no input
 * change and no ACK: the Envoy already has the configuration (content-hash versions), so nothing
 * is sent and nothing is ACKed. Before, the status was recomputed only on ACKs, NACKs, connection
 * changes and publishes; an Envoy that reconnected after the first publish was reported at its
 * connection ("has not requested … yet") and stayed Pending until the next change. Through
 * `serve` and a real Envoy, over state of the world and delta ADS.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { freePort } from '../support/envoy-ads.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { gatewayCondition } from '../support/debug-status.js';
import { request } from '../support/http-client.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

describe.each(['sotw', 'delta'] as const)('after Portico restarts (%s)', (protocol) => {
  let e2e: PorticoE2E;
  let backend: HttpServer;
  let port: number;

  beforeAll(async () => {
    backend = createHttpServer((_req, res) => res.end('served'));
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    port = await freePort();
    e2e = await PorticoE2E.start('default/gw', { protocol });
  }, 60_000);

  afterAll(async () => {
    await e2e?.stop();
    await new Promise((r) => backend?.close(r));
  });

  const programmed = () => gatewayCondition(e2e.debugPort(), 'Programmed');

  test('the Gateway is Programmed again once its Envoy reconnects, with nothing sent', async () => {
    e2e.write('all.yaml', [
      gatewayClass(),
      gateway('gw', [{ name: 'http', port, protocol: 'HTTP' }]),
      ...serviceFor('web', (backend.address() as { port: number }).port),
      httpRoute('web', { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] }),
    ]);
    await waitFor(async () => (await request(port, '/').catch(() => undefined))?.body === 'served', {
      timeoutMs: 30_000,
      what: 'traffic through Envoy',
    });
    await waitFor(async () => (await programmed())?.status === 'True', { timeoutMs: 10_000, what: 'Programmed' });
    const updates = await e2e.envoy.stats('update_success');

    await e2e.restartPortico();
    await waitFor(
      async () => {
        const c = await programmed();
        if (c?.status !== 'True') throw new Error(`Programmed is ${JSON.stringify(c)}`);
        return true;
      },
      { timeoutMs: 20_000, what: 'Programmed after the restart' },
    );
    // Nothing was sent: Envoy applied no update after the restart.
    expect(await e2e.envoy.stats('update_success')).toEqual(updates);
    expect((await request(port, '/')).body).toBe('served');
  });
});
