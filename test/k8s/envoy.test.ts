/**
 * Issue 4: "Portico serves the right xDS to a real Envoy (node.cluster of the Gateway)".
 *
 * `startServe` with the Kubernetes provider (provisioning off, ephemeral xDS and debug ports — the
 * same path as `portico serve --provider kubernetes --no-provision`) over a private API server
 * (`private-cluster.ts`: a whole Portico watches every namespace, so on the shared server it would
 * write other test files' Gateways' `Programmed` from its own Envoys), and a real Envoy whose
 * `node.cluster` is `<namespace>/<gateway>`, over SotW and then delta ADS. Envoy must ACK
 * everything (no `update_rejected`, no `error_state`) and hold the Gateway's listener, the route
 * configuration with the HTTPRoute's route, the Service's cluster and the EndpointSlice's endpoint;
 * Portico must then write `Programmed=True` to the Gateway. No traffic: the endpoint is a
 * non-loopback address (the API server refuses loopback ones in EndpointSlices).
 */
import { startServe } from '../../src/serve/serve.js';
import type { RunningServe } from '../../src/serve/serve-config.js';
import type { Condition } from '../../src/resources/types.js';
import { EnvoyAds, freePort, waitFor } from '../support/envoy-ads.js';
import * as fixtures from '../support/fixtures.js';
import { PrivateCluster } from './private-cluster.js';
import { create, createWebBackend, eventually, get, patch, RecordingLogger, uniqueName } from './test-cluster.js';

const GATEWAY = 'gw';
const ROUTE = 'web-route';

interface EnvoyView {
  listeners: string[];
  routeConfigs: { name: string; routes: string[] }[];
  clusters: string[];
  endpoints: Map<string, string[]>;
}

/** The dynamic (xDS-delivered) part of Envoy's `/config_dump?include_eds`. */
function envoyView(dump: { configs: Record<string, unknown>[] }): EnvoyView {
  const view: EnvoyView = { listeners: [], routeConfigs: [], clusters: [], endpoints: new Map() };
  for (const config of dump.configs) {
    const type = String(config['@type']);
    if (type.endsWith('ListenersConfigDump')) {
      for (const l of (config.dynamic_listeners ?? []) as { name: string; active_state?: unknown }[]) {
        if (l.active_state) view.listeners.push(l.name);
      }
    } else if (type.endsWith('RoutesConfigDump')) {
      for (const r of (config.dynamic_route_configs ?? []) as {
        route_config: { name: string; virtual_hosts?: { routes?: { name?: string }[] }[] };
      }[]) {
        view.routeConfigs.push({
          name: r.route_config.name,
          routes: (r.route_config.virtual_hosts ?? []).flatMap((vh) => (vh.routes ?? []).map((x) => x.name ?? '')),
        });
      }
    } else if (type.endsWith('ClustersConfigDump')) {
      for (const c of (config.dynamic_active_clusters ?? []) as { cluster: { name: string } }[]) {
        view.clusters.push(c.cluster.name);
      }
    } else if (type.endsWith('EndpointsConfigDump')) {
      for (const e of (config.dynamic_endpoint_configs ?? []) as {
        endpoint_config: {
          cluster_name: string;
          endpoints?: {
            lb_endpoints?: { endpoint?: { address?: { socket_address?: { address: string; port_value: number } } } }[];
          }[];
        };
      }[]) {
        const addresses = (e.endpoint_config.endpoints ?? []).flatMap((locality) =>
          (locality.lb_endpoints ?? []).map((lb) => {
            const socket = lb.endpoint?.address?.socket_address;
            return socket ? `${socket.address}:${socket.port_value}` : '?';
          }),
        );
        view.endpoints.set(e.endpoint_config.cluster_name, addresses);
      }
    }
  }
  return view;
}

function conditionOf(conditions: unknown, type: string): Condition | undefined {
  return Array.isArray(conditions) ? (conditions as Condition[]).find((c) => c.type === type) : undefined;
}

async function rejectedUpdates(envoy: EnvoyAds): Promise<number> {
  let rejected = 0;
  for (const [name, value] of await envoy.stats('update_rejected'))
    if (name.endsWith('update_rejected')) rejected += value;
  return rejected;
}

describe('Portico serves a real Envoy from the Kubernetes provider (private API server)', () => {
  let cluster: PrivateCluster | undefined;
  let serving: RunningServe | undefined;
  let envoy: EnvoyAds | undefined;
  let listenerPort: number;
  /** The EndpointSlice's address now; each case moves it to the next. */
  let address = '10.1.2.3';
  const nextAddresses = ['10.1.2.4', '10.1.2.5'];
  const ns = uniqueName('portico-envoy');
  const className = uniqueName('portico-envoy');
  const gatewayKey = () => `${ns}/${GATEWAY}`;
  const listenerName = () => `${gatewayKey()}/http-${listenerPort}`;
  const routeName = () => `httproute/${ns}/${ROUTE}/rule/0/match/0`;
  const clusterName = () => `${ns}/web/80`;

  const programmed = async (): Promise<Condition | undefined> =>
    conditionOf(
      ((await get(cluster!.api, 'Gateway', GATEWAY, ns))?.status as { conditions?: unknown } | undefined)?.conditions,
      'Programmed',
    );

  beforeAll(async () => {
    cluster = await PrivateCluster.start('envoy');
    const api = cluster.api;
    listenerPort = await freePort();
    await create(api, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await create(api, fixtures.gatewayClass({ name: className }));
    await create(
      api,
      fixtures.gateway({
        name: GATEWAY,
        namespace: ns,
        className,
        listeners: [fixtures.listener('http', listenerPort, { allowedRoutes: fixtures.SAME_NAMESPACE })],
      }),
    );
    await createWebBackend(api, ns);
    await create(
      api,
      fixtures.httpRoute({
        name: ROUTE,
        namespace: ns,
        parentRefs: [{ name: GATEWAY }],
        hostnames: ['www.example.com'],
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'web', port: 80 }] }],
      }),
    );
    // `portico serve --provider kubernetes --no-provision`, in this process.
    serving = await startServe(
      {
        watchDir: '',
        kubernetes: {
          kubeconfig: cluster.kubeconfig,
          leaseNamespace: ns,
          leaseName: uniqueName('lease'),
          identity: 'envoy-test',
        },
        xds: { host: '127.0.0.1', port: 0 },
        debug: { host: '127.0.0.1', port: 0 },
        listenerAddress: '127.0.0.1',
        adminPortBase: 19901,
        launchEnvoy: false,
        logLevel: 'error',
      },
      new RecordingLogger(),
    );
    const base = `http://127.0.0.1:${serving.debugAddress().port}`;
    await eventually(
      '/readyz',
      async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined),
      60_000,
    );
  }, 180_000);

  afterEach(async () => {
    if (!envoy) return;
    await envoy.stop();
    envoy = undefined;
    // No Envoy left: Programmed goes back to False, so that the next case's True is its own Envoy's.
    await eventually('Programmed=False without an Envoy', async () =>
      (await programmed())?.status === 'False' ? true : undefined,
    );
  });

  afterAll(async () => {
    await envoy?.stop();
    await serving?.stop();
    // Everything this file created lives in the private server's etcd, which goes with it.
    await cluster?.stop();
  }, 60_000);

  for (const apiType of ['GRPC', 'DELTA_GRPC'] as const) {
    it(`${apiType === 'GRPC' ? 'SotW' : 'delta'} ADS: Envoy with node.cluster <ns>/<gateway> ACKs the Gateway's listener, routes, cluster and endpoint; Programmed=True`, async () => {
      const xdsPort = serving!.xdsAddress()!.port;
      envoy = await EnvoyAds.start({
        xdsPort,
        nodeId: `${gatewayKey()}/${apiType}`,
        nodeCluster: gatewayKey(),
        apiType,
      });
      const e = envoy;
      const view = await waitFor(
        async () => {
          const v = envoyView(await e.configDump());
          const endpoints = v.endpoints.get(clusterName()) ?? [];
          return v.listeners.includes(listenerName()) &&
            v.routeConfigs.some((r) => r.routes.includes(routeName())) &&
            endpoints.includes(`${address}:8080`)
            ? v
            : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200, what: `Envoy to hold ${gatewayKey()}'s configuration` },
      ).catch(async (err: Error) => {
        throw new Error(`${err.message}\nconfig dump: ${JSON.stringify(envoyView(await e.configDump()), mapAsObject)}`);
      });
      expect(view.listeners).toEqual([listenerName()]);
      expect(view.routeConfigs).toEqual([{ name: `${gatewayKey()}/http-${listenerPort}`, routes: [routeName()] }]);
      expect(view.clusters).toEqual([clusterName()]);
      expect(view.endpoints.get(clusterName())).toEqual([`${address}:8080`]);

      // Portico saw the ACK and wrote it to the Gateway.
      await eventually('Programmed=True on the Gateway', async () =>
        (await programmed())?.status === 'True' ? true : undefined,
      );
      expect(await rejectedUpdates(e)).toBe(0);
      expect(JSON.stringify(await e.configDump())).not.toContain('error_state');

      // A change in the cluster reaches Envoy: the EndpointSlice's address moves.
      address = nextAddresses.shift()!;
      await patch(cluster!.api, 'EndpointSlice', 'web-1', ns, {
        endpoints: [{ addresses: [address], conditions: { ready: true } }],
      });
      await waitFor(
        async () => (envoyView(await e.configDump()).endpoints.get(clusterName()) ?? []).join() === `${address}:8080`,
        { timeoutMs: 20_000, intervalMs: 100, what: `Envoy to have endpoint ${address}:8080` },
      );
      expect(await rejectedUpdates(e)).toBe(0);
    }, 90_000);
  }
});

function mapAsObject(_key: string, value: unknown): unknown {
  return value instanceof Map ? Object.fromEntries(value) : value;
}
