/**
 * A cluster a real Envoy refuses does not hold back listener and route changes (section 3 of issue
 * 11: a NACK never poisons resources that did not cause it). Listeners and routes wait until the
 * clusters they may use are warm (make-before-break); a refused cluster never becomes warm, and
 * before, a rejected Cluster response held every listener and route back until the clusters
 * changed: a route to a new, good backend published with it, and every later route change, never
 * reached Envoy. Now the refused cluster is not waited for (the cluster-warm timeout is set far
 * beyond the test here, so nothing is sent because it ran out): the rest is served, a route to the
 * refused cluster answers what Envoy answers for a cluster it lacks, and the Gateway says why
 * until the input is fixed. State of the world and delta.
 */
import type { ProxyEvent } from '../../src/xds/contract.js';
import { AdsServer } from '../../src/xds/server.js';
import { silentLogger } from '../../src/shared/logger.js';
import { CLUSTER } from '../../src/proto/type-urls.js';
import type { XdsResources } from '../../src/translate/xds/types.js';
import { EnvoyAds, freePort, waitFor } from '../support/envoy-ads.js';
import { startBackend } from '../support/backends.js';
import { request } from '../support/http-client.js';
import { GATEWAY, gatewayXds, type FixtureRoute } from '../support/xds-fixtures.js';

const TIMEOUT = 120_000;
/** Far beyond any wait of the test: listeners and routes never go out because it ran out. */
const CLUSTER_WARM_TIMEOUT_MS = 10 * 60_000;
const WEB2 = 'default/web2/80';

type Backend = Awaited<ReturnType<typeof startBackend>>;

interface Refusal {
  /** Makes the cluster one Envoy refuses. */
  spoil(cluster: Record<string, unknown>): void;
  /** What Envoy's NACK says. */
  message: string;
  /** Whether Envoy applies the other clusters of the response. */
  appliesTheRest: boolean;
}

const REFUSALS: Record<string, Refusal> = {
  // Refused when Envoy adds it (after decoding and proto validation): Envoy applies the other
  // clusters of the response and names this one in its NACK. A load-balancing policy only an
  // ORIGINAL_DST cluster may have.
  'one cluster': {
    spoil: (cluster) => (cluster.lb_policy = 'CLUSTER_PROVIDED'),
    message: `Error adding/updating cluster(s) ${WEB2}: `,
    appliesTheRest: true,
  },
  // Refused while decoding (a negative duration fails validation): the whole response is.
  'the whole response': {
    spoil: (cluster) => (cluster.connect_timeout = { seconds: -1 }),
    message: 'Invalid duration',
    appliesTheRest: false,
  },
};

/** A copy of `xds` whose cluster `name` Envoy refuses, as `refusal` says. */
function withRefusedCluster(xds: XdsResources, name: string, refusal: Refusal): XdsResources {
  const copy = structuredClone(xds);
  const cluster = copy.clusters.find((c) => (c as { name: string }).name === name) as Record<string, unknown>;
  if (!cluster) throw new Error(`fixture has no cluster ${name}`);
  refusal.spoil(cluster);
  return copy;
}

describe.each([
  ['state of the world', 'GRPC', 'one cluster'],
  ['delta', 'DELTA_GRPC', 'one cluster'],
  ['state of the world', 'GRPC', 'the whole response'],
  ['delta', 'DELTA_GRPC', 'the whole response'],
] as const)('a cluster Envoy refuses, over %s ADS (Envoy refuses %s)', (_label, apiType, kind) => {
  const refusal = REFUSALS[kind]!;
  let server: AdsServer;
  let envoy: EnvoyAds | undefined;
  let web: Backend;
  let web2: Backend;
  let web3: Backend;
  let listener: number;
  const nacks: Extract<ProxyEvent, { kind: 'nack' }>[] = [];

  const route = (path: string, service: string, backend: Backend): FixtureRoute => ({
    path,
    service,
    backendPort: backend.port,
  });

  beforeAll(async () => {
    web = await startBackend('web');
    web2 = await startBackend('web2');
    web3 = await startBackend('web3');
    listener = await freePort();
    server = new AdsServer({ port: 0, logger: silentLogger, clusterWarmTimeoutMs: CLUSTER_WARM_TIMEOUT_MS });
    server.events$.subscribe((e) => e.kind === 'nack' && nacks.push(e));
    const port = await server.start();
    server.publish(GATEWAY, gatewayXds(listener, [route('/', 'web', web)]));
    envoy = await EnvoyAds.start({ xdsPort: port, nodeId: `envoy-${apiType}`, nodeCluster: GATEWAY, apiType });
    await waitFor(async () => (await get('/a')) === 'web /a', { timeoutMs: 30_000, what: 'the first configuration' });
  }, TIMEOUT);

  afterAll(async () => {
    await envoy?.stop();
    await server?.stop(1000);
    server?.dispose();
    await web?.close();
    await web2?.close();
    await web3?.close();
  }, TIMEOUT);

  /** GET through Envoy: `<backend> <path>` from the echo backend, or the status and Envoy's flags. */
  const get = async (path: string): Promise<string> => {
    const res = await request(listener, path).catch(() => undefined);
    if (!res) return 'no answer';
    if (res.status !== 200) return `status ${res.status}`;
    const echo = JSON.parse(res.body) as { backend: string; path: string };
    return `${echo.backend} ${echo.path}`;
  };

  test(
    'routes published with the refused cluster reach Envoy; a later route change too',
    async () => {
      // One change: a route to web2 (whose cluster Envoy refuses), one to web3 (a new, good cluster).
      server.publish(
        GATEWAY,
        withRefusedCluster(
          gatewayXds(listener, [route('/new', 'web2', web2), route('/other', 'web3', web3), route('/', 'web', web)]),
          WEB2,
          refusal,
        ),
      );
      await waitFor(() => nacks.some((n) => n.typeUrl === CLUSTER), {
        timeoutMs: 30_000,
        what: 'the NACK of the clusters',
      });
      const nack = nacks.find((n) => n.typeUrl === CLUSTER)!;
      expect(nack.message).toContain(refusal.message);
      expect(server.programmed(GATEWAY)).toMatchObject({ state: 'rejected' });

      // The route configuration reaches Envoy. Where Envoy applied the good new cluster (it names
      // the one it refused), its route is served once it is warm; where it refused the whole
      // response, that cluster is missing too.
      const other = refusal.appliesTheRest ? 'web3 /other/x' : 'status 503';
      await waitFor(async () => (await get('/other/x')) === other, {
        timeoutMs: 20_000,
        what: `the route to web3, published with the refused cluster, to answer ${other}`,
      });
      // The route to the refused cluster: Envoy has no such cluster (503, `NC`).
      expect(await get('/new/x')).toBe('status 503');
      expect(await get('/b')).toBe('web /b');

      // A later change that has nothing to do with the refused cluster is served too.
      server.publish(
        GATEWAY,
        withRefusedCluster(
          gatewayXds(listener, [
            route('/new', 'web2', web2),
            route('/later', 'web', web),
            route('/other', 'web3', web3),
            route('/', 'web', web),
          ]),
          WEB2,
          refusal,
        ),
      );
      await waitFor(async () => (await get('/later/y')) === 'web /later/y', {
        timeoutMs: 20_000,
        what: 'a later, unrelated route change',
      });
      // Still rejected, and said so: the input still has the cluster Envoy refuses.
      expect(server.programmed(GATEWAY)).toMatchObject({ state: 'rejected' });
      expect((server.programmed(GATEWAY) as { message: string }).message).toContain(refusal.message);
    },
    TIMEOUT,
  );

  test(
    'once the cluster is fixed, its route is served and the Gateway is Programmed',
    async () => {
      server.publish(
        GATEWAY,
        gatewayXds(listener, [route('/new', 'web2', web2), route('/other', 'web3', web3), route('/', 'web', web)]),
      );
      await waitFor(async () => (await get('/new/z')) === 'web2 /new/z', {
        timeoutMs: 20_000,
        what: 'the route to the fixed cluster',
      });
      await waitFor(() => server.programmed(GATEWAY).state === 'programmed', {
        timeoutMs: 20_000,
        what: `Programmed (${JSON.stringify(server.programmed(GATEWAY))})`,
      });
      expect(await get('/other/z')).toBe('web3 /other/z');
      // The route added while the cluster was refused is gone with this input (`/` matches).
      expect(await get('/later/z')).toBe('web /later/z');
    },
    TIMEOUT,
  );
});
