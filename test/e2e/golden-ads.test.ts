/**
 * Every golden case's translation, served over ADS to one real Envoy, is accepted: Portico sees
 * no NACK and Envoy counts no rejected update. Cases are served one after another to the same
 * proxy, the way a Gateway's configuration changes over time.
 *
 * Then every golden Gateway is served to a fresh Envoy (a cold start), over state of the world and
 * over delta: Envoy finishes initializing without giving up on any subscription (its
 * `*init_fetch_timeout` counters stay at zero: no type or resource was left unanswered, which cost
 * 15 s per start) and nothing is left warming. bench/cold-start-bench.ts measures the times.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadYaml } from '../../src/resources/load-yaml.js';
import { buildResourceSet } from '../../src/resources/resource-set.js';
import { translate } from '../../src/translate/index.js';
import { AdsServer, type ProxyEvent } from '../../src/xds/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { EnvoyAds, waitFor } from '../support/envoy-ads.js';
import { coldStartOverAds, goldenGateways } from '../support/cold-start.js';

const GOLDEN_DIR = fileURLToPath(new URL('../../../test/golden/', import.meta.url));
const GATEWAY = 'golden/envoy';
const cases = readdirSync(GOLDEN_DIR)
  .filter((f) => f.endsWith('.in.yaml'))
  .sort();

let server: AdsServer;
let envoy: EnvoyAds;
const nacks: ProxyEvent[] = [];

beforeAll(async () => {
  server = new AdsServer({ port: 0, logger: silentLogger });
  const port = await server.start();
  server.events$.subscribe((e) => {
    if (e.kind === 'nack') nacks.push(e);
  });
  envoy = await EnvoyAds.start({ xdsPort: port, nodeId: `${GATEWAY}/golden`, nodeCluster: GATEWAY, apiType: 'GRPC' });
}, 30_000);

afterAll(async () => {
  await envoy?.stop();
  await server?.stop(100);
  server?.dispose();
});

test.each(cases)('Envoy accepts %s over ADS', async (file) => {
  const path = join(GOLDEN_DIR, file);
  const result = translate(buildResourceSet(loadYaml(readFileSync(path, 'utf8'), path).objects), {
    listenerAddress: '127.0.0.1',
  });
  for (const gw of result.gateways) {
    server.publish(GATEWAY, gw.xds);
    const version = server.dump(GATEWAY)?.version;
    await waitFor(
      () =>
        server.clients().some((c) => c.gateway === GATEWAY && c.snapshotVersion === version) &&
        server.programmed(GATEWAY).state !== 'pending',
      {
        timeoutMs: 15_000,
        what: `Envoy to ACK or NACK ${gw.name} of ${file}`,
      },
    );
    const state = server.programmed(GATEWAY);
    if (state.state === 'rejected') throw new Error(`Envoy rejected ${gw.name} of ${file}: ${state.message}`);
  }
  expect(nacks).toEqual([]);
  let rejected = 0;
  for (const [name, value] of await envoy.stats('update_rejected'))
    if (name.endsWith('update_rejected')) rejected += value;
  expect(rejected).toBe(0);
  // No new subscription (a listener's routes, a cluster's endpoints) waited out its timeout.
  const timeouts = [...(await envoy.stats('init_fetch_timeout'))].filter(([, value]) => value > 0);
  expect(timeouts).toEqual([]);
  // Envoy's own view: no resource in its config dump carries an error state.
  expect(JSON.stringify(await envoy.configDump())).not.toContain('error_state');
});

const coldStarts = goldenGateways().flatMap((g, i) =>
  (['GRPC', 'DELTA_GRPC'] as const).map((apiType) => ({ ...g, apiType, key: `cold/${apiType}-${i}` })),
);

test.each(coldStarts.map((g, i) => [g.file, g.gateway, g.apiType, i] as const))(
  'a fresh Envoy starts on %s (%s, %s) without waiting out an initial-fetch timeout',
  async (_file, _gateway, _apiType, i) => {
    const g = coldStarts[i]!;
    const start = await coldStartOverAds(server, g.key, g.xds, g.apiType);
    expect(start.initFetchTimeouts).toEqual([]);
    expect(start.unanswered).toEqual([]);
    expect(start.warming).toEqual([]);
  },
  60_000,
);
