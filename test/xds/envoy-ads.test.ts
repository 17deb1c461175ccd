/**
 * The ADS server against a real Envoy, over state of the world (GRPC) and incremental
 * (DELTA_GRPC): initial configuration and real traffic, an added route, a route moved to another
 * cluster under load (make-before-break: no failed request, the old cluster removed only after
 * the routes were ACKed), and a configuration Envoy rejects (NACK recorded, old config serving,
 * not resent).
 */
import type { ProxyEvent } from '../../src/xds/contract.js';
import { silentLogger } from '../../src/shared/logger.js';
import { RecordingLogger, type LoggedLine } from '../support/recording-logger.js';
import { AdsServer } from '../../src/xds/server.js';
import { CLUSTER, ROUTE_CONFIGURATION } from '../../src/proto/type-urls.js';
import { EnvoyAds, freePort, waitFor } from '../support/envoy-ads.js';
import { startBackend } from '../support/backends.js';
import { request } from '../support/http-client.js';
import { GATEWAY, gatewayXds, withInvalidRegexRoute } from '../support/xds-fixtures.js';

const TIMEOUT = 90_000;

type Backend = Awaited<ReturnType<typeof startBackend>>;

describe.each([
  ['state of the world', 'GRPC'],
  ['delta', 'DELTA_GRPC'],
] as const)('real Envoy over %s ADS', (_label, apiType) => {
  let server: AdsServer;
  let envoy: EnvoyAds | undefined;
  let web: Backend;
  let web2: Backend;
  let listenerPort: number;
  const journal: (LoggedLine | ProxyEvent)[] = [];

  beforeAll(async () => {
    web = await startBackend('web');
    web2 = await startBackend('web2');
    listenerPort = await freePort();
    server = new AdsServer({
      port: 0,
      logger: new RecordingLogger([], {}, (line) => {
        journal.push(line);
        if (line.level === 'error') console.error(JSON.stringify(line));
      }),
    });
    server.events$.subscribe((e) => journal.push(e));
    const port = await server.start();
    server.publish(GATEWAY, gatewayXds(listenerPort, [{ path: '/', service: 'web', backendPort: web.port }]));
    envoy = await EnvoyAds.start({ xdsPort: port, nodeId: `envoy-${apiType}`, nodeCluster: GATEWAY, apiType });
  }, TIMEOUT);

  afterAll(async () => {
    await envoy?.stop();
    await server?.stop(1000);
    server?.dispose();
    await web?.close();
    await web2?.close();
  }, TIMEOUT);

  /** GET through Envoy; the body reads `<backend> <path>` (from the echo backend's JSON reply). */
  const get = async (path: string) => {
    const res = await request(listenerPort, path);
    if (res.status !== 200) return res;
    const echo = JSON.parse(res.body) as { backend: string; path: string };
    return { ...res, body: `${echo.backend} ${echo.path}` };
  };
  const envoyLogs = (): string => envoy?.logs.join('').slice(-4000) ?? '';

  async function rejectedUpdates(): Promise<number> {
    let sum = 0;
    for (const v of (await envoy!.stats('update_rejected')).values()) sum += v;
    return sum;
  }

  test(
    'serves the initial snapshot: config_dump, stats and a real request',
    async () => {
      await waitFor(async () => (await get('/hello')).body === 'web /hello', {
        timeoutMs: 30_000,
        what: `traffic through Envoy (logs: ${envoyLogs()})`,
      });
      const dump = JSON.stringify(await envoy!.configDump());
      expect(dump).toContain(`default/public/http-${listenerPort}`);
      expect(dump).toContain('default/web/80');
      expect(dump).toContain('"route_config_name"');
      const success = await envoy!.stats('update_success');
      expect(success.get('cluster_manager.cds.update_success')).toBeGreaterThan(0);
      expect(success.get('listener_manager.lds.update_success')).toBeGreaterThan(0);
      expect(await rejectedUpdates()).toBe(0);
      await waitFor(() => server.programmed(GATEWAY).state === 'programmed', { what: 'Programmed' });
      const [client] = server.clients();
      expect(client).toMatchObject({
        nodeId: `envoy-${apiType}`,
        gateway: GATEWAY,
        protocol: apiType === 'GRPC' ? 'sotw' : 'delta',
      });
      expect(client?.userAgent).toMatch(/^envoy/);
      const metrics = server.metrics.metrics();
      expect(metrics.connectedProxies[apiType === 'GRPC' ? 'sotw' : 'delta']).toBe(1);
      expect(metrics.pushToAckLatencyMs.count).toBeGreaterThan(0);
    },
    TIMEOUT,
  );

  test(
    'applies a changed snapshot (route added)',
    async () => {
      server.publish(
        GATEWAY,
        gatewayXds(listenerPort, [
          { path: '/v2', service: 'web2', backendPort: web2.port },
          { path: '/', service: 'web', backendPort: web.port },
        ]),
      );
      await waitFor(async () => (await get('/v2/x')).body === 'web2 /v2/x', { what: 'the new route' });
      expect((await get('/other')).body).toBe('web /other');
      await waitFor(() => server.programmed(GATEWAY).state === 'programmed', { what: 'Programmed' });
      expect(await rejectedUpdates()).toBe(0);
    },
    TIMEOUT,
  );

  test(
    'moves a route to another cluster without failing a request; the old cluster goes after the route ACK',
    async () => {
      const start = journal.length;
      let failures = 0;
      let requests = 0;
      let running = true;
      const hammer = (async () => {
        while (running) {
          requests++;
          try {
            const r = await get('/');
            if (r.status !== 200) failures++;
          } catch {
            failures++;
          }
        }
      })();
      await new Promise((r) => setTimeout(r, 200));
      server.publish(GATEWAY, gatewayXds(listenerPort, [{ path: '/', service: 'web2', backendPort: web2.port }]));
      await waitFor(async () => (await get('/')).body === 'web2 /', { what: 'route moved to web2' });
      await waitFor(async () => !JSON.stringify(await envoy!.configDump()).includes('default/web/80'), {
        what: 'old cluster removed',
      });
      await new Promise((r) => setTimeout(r, 200));
      running = false;
      await hammer;
      expect(requests).toBeGreaterThan(10);
      expect(failures).toBe(0);

      // Order on the wire: the CDS push without default/web/80 comes after the RDS ACK.
      const entries = journal.slice(start);
      const pushes = entries.filter((e): e is LoggedLine => 'msg' in e && e.msg === 'push');
      const rdsAck = entries.findIndex((e) => 'kind' in e && e.kind === 'ack' && e.typeUrl === ROUTE_CONFIGURATION);
      const removal = entries.findIndex(
        (e) =>
          'msg' in e &&
          e.msg === 'push' &&
          e.fields.typeUrl === CLUSTER &&
          (apiType === 'GRPC'
            ? !(e.fields.resources as string[]).includes('default/web/80')
            : (e.fields.removed as string[]).includes('default/web/80')),
      );
      expect(pushes.length).toBeGreaterThan(0);
      expect(rdsAck).toBeGreaterThanOrEqual(0);
      expect(removal).toBeGreaterThan(rdsAck);
      expect(await rejectedUpdates()).toBe(0);
    },
    TIMEOUT,
  );

  test(
    'records a NACK with Envoy’s message, keeps the old config serving and does not resend',
    async () => {
      await waitFor(() => server.programmed(GATEWAY).state === 'programmed', { what: 'Programmed' });
      const good = gatewayXds(listenerPort, [{ path: '/', service: 'web2', backendPort: web2.port }]);
      const nacks: ProxyEvent[] = [];
      const sub = server.events$.subscribe((e) => e.kind === 'nack' && nacks.push(e));
      server.publish(GATEWAY, withInvalidRegexRoute(good));
      await waitFor(() => nacks.length > 0, { what: 'a NACK' });
      const nack = nacks[0] as Extract<ProxyEvent, { kind: 'nack' }>;
      expect(nack.typeUrl).toBe(ROUTE_CONFIGURATION);
      expect(nack.message).toMatch(/regex|missing \]|\[a-z/i);
      const status = server.programmed(GATEWAY);
      expect(status.state).toBe('rejected');
      expect((status as { message: string }).message).toContain(nack.message);
      const rds = server.clients()[0]?.types.find((t) => t.typeUrl === ROUTE_CONFIGURATION);
      expect(rds?.lastNack?.message).toBe(nack.message);
      expect(rds?.lastNack?.version).toBe(nack.version);

      // The old configuration keeps serving.
      expect((await get('/still')).body).toBe('web2 /still');
      // Not resent in a loop.
      const pushesAfterNack = server.metrics.metrics().pushes[ROUTE_CONFIGURATION];
      await new Promise((r) => setTimeout(r, 1500));
      expect(server.metrics.metrics().pushes[ROUTE_CONFIGURATION]).toBe(pushesAfterNack);
      expect(nacks).toHaveLength(1);
      expect(await rejectedUpdates()).toBe(1);
      expect(server.metrics.metrics().nacks[ROUTE_CONFIGURATION]).toBe(1);

      // A newer, valid snapshot is sent and applied.
      server.publish(
        GATEWAY,
        gatewayXds(listenerPort, [
          { path: '/back', service: 'web', backendPort: web.port },
          { path: '/', service: 'web2', backendPort: web2.port },
        ]),
      );
      await waitFor(async () => (await get('/back')).body === 'web /back', { what: 'the fixed snapshot' });
      await waitFor(() => server.programmed(GATEWAY).state === 'programmed', { what: 'Programmed again' });
      sub.unsubscribe();
    },
    TIMEOUT,
  );

  test(
    'a restarted control plane reconverges without resending what Envoy already has',
    async () => {
      const current = gatewayXds(listenerPort, [
        { path: '/back', service: 'web', backendPort: web.port },
        { path: '/', service: 'web2', backendPort: web2.port },
      ]);
      const port = server.address()?.port as number;
      await server.stop(1000);
      server.dispose();
      // Envoy keeps its configuration while the control plane is away.
      expect((await get('/back')).body).toBe('web /back');
      server = new AdsServer({ port, logger: silentLogger });
      await server.start();
      server.publish(GATEWAY, current);
      await waitFor(() => server.programmed(GATEWAY).state === 'programmed', {
        timeoutMs: 30_000,
        what: `Envoy to reconnect and be Programmed (${JSON.stringify(server.programmed(GATEWAY))})`,
      });
      expect(server.metrics.metrics().pushes).toEqual({});
      expect((await get('/back')).body).toBe('web /back');
      expect(await rejectedUpdates()).toBe(1); // only the NACK of the previous test
    },
    TIMEOUT,
  );
});
