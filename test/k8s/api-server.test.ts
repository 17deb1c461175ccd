/**
 * The Kubernetes provider against a real kube-apiserver + etcd (`make k8s-up`): informers feed the
 * pipeline, statuses are written back (only when they changed, keeping other controllers' route
 * parents and policy ancestors), informers survive a dropped connection, and the Lease fails over between two replicas.
 *
 * The scenarios share one namespace and run in order; each starts and stops its own Portico.
 * They fail — not skip — when the API server cannot be reached.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startServe } from '../../src/serve/serve.js';
import type { KubernetesServeOptions } from '../../src/serve/kubernetes-source.js';
import { KubernetesProvider } from '../../src/k8s/kubernetes-provider.js';
import { createKubeApi } from '../../src/kube-client/kube-api.js';
import type { KubeApi } from '../../src/kube-client/kube-api.js';
import { loadKubeConfig } from '../../src/kube-client/kube-config.js';
import { WATCHED_KINDS } from '../../src/k8s/kinds.js';
import type { Lease } from '../../src/k8s/leader-election.js';
import type { ResourceEvent } from '../../src/pipeline/resource-store.js';
import type { Condition, KubeObject, RouteParentStatus } from '../../src/resources/types.js';
import { CONTROLLER_NAME, GATEWAY_GROUP } from '../../src/resources/types.js';
import * as fixtures from '../support/fixtures.js';
import {
  connectTestCluster,
  create,
  createWebBackend,
  CuttableProxy,
  eventually,
  get,
  kubeconfigVia,
  patch,
  RecordingLogger,
  remove,
  sleep,
  uniqueName,
} from './test-cluster.js';
import type { TestCluster } from './test-cluster.js';
import { startRecordedPortico } from './recorded-portico.js';
import type { RecordedPortico } from './recorded-portico.js';

const OTHER_CONTROLLER = 'example.com/other-controller';

function conditionOf(conditions: unknown, type: string): Condition | undefined {
  return Array.isArray(conditions) ? (conditions as Condition[]).find((c) => c.type === type) : undefined;
}

function gatewayStatus(object: KubeObject | undefined) {
  return object?.status as
    | { conditions?: Condition[]; listeners?: { name: string; attachedRoutes: number; conditions: Condition[] }[] }
    | undefined;
}

function parentsOf(object: KubeObject | undefined): RouteParentStatus[] {
  return (object?.status as { parents?: RouteParentStatus[] } | undefined)?.parents ?? [];
}

function ourParent(object: KubeObject | undefined, gateway = 'gw'): RouteParentStatus | undefined {
  return parentsOf(object).find((p) => p.controllerName === CONTROLLER_NAME && p.parentRef.name === gateway);
}

describe('Kubernetes provider against a real API server', () => {
  let cluster: TestCluster;
  let api: KubeApi;
  const ns = uniqueName('portico-k8s');
  const className = uniqueName('portico');
  const running: RecordedPortico[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  const start = (options: Partial<KubernetesServeOptions> = {}): RecordedPortico => {
    const portico = startRecordedPortico({
      kubeconfig: cluster.kubeconfig,
      leaseNamespace: ns,
      leaseName: uniqueName('lease'),
      identity: uniqueName('replica'),
      ...options,
    });
    running.push(portico);
    return portico;
  };

  beforeAll(async () => {
    cluster = await connectTestCluster();
    api = cluster.api;
    await create(api, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    cleanups.push(() => remove(api, 'Namespace', ns));
    await create(api, fixtures.gatewayClass({ name: className }));
    cleanups.push(() => remove(api, 'GatewayClass', className));
    await create(
      api,
      fixtures.gateway({
        name: 'gw',
        namespace: ns,
        className,
        listeners: [fixtures.listener('http', 8080, { allowedRoutes: fixtures.SAME_NAMESPACE })],
      }),
    );
    await createWebBackend(api, ns);
    await create(api, route('web-route', [{ name: 'gw' }], 'web'));
    // A route shared with another controller, which has already written its parent entry.
    await create(api, route('shared-route', [{ name: 'gw' }, { name: 'their-gw' }], 'web'));
    await patch(api, 'HTTPRoute', 'shared-route', ns, { status: { parents: [theirParent('first words')] } }, '/status');
    await create(api, {
      apiVersion: `${GATEWAY_GROUP}/v1`,
      kind: 'GRPCRoute',
      metadata: { name: 'rpc-route', namespace: ns },
      spec: {
        parentRefs: [{ name: 'gw' }],
        hostnames: ['rpc.example.com'],
        rules: [{ matches: [{ method: { service: 'echo.Echo' } }], backendRefs: [{ name: 'web', port: 80 }] }],
      },
    });
  });

  afterEach(async () => {
    for (const portico of running.splice(0)) await portico.stop();
  });

  afterAll(async () => {
    for (const portico of running.splice(0)) await portico.stop();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  function route(name: string, parentRefs: { name: string }[], backend: string): KubeObject {
    return fixtures.httpRoute({
      name,
      namespace: ns,
      parentRefs,
      hostnames: ['www.example.com'],
      rules: [{ backendRefs: [{ name: backend, port: 80 }] }],
    });
  }

  function theirParent(message: string): RouteParentStatus {
    return {
      parentRef: { group: GATEWAY_GROUP, kind: 'Gateway', name: 'their-gw' },
      controllerName: OTHER_CONTROLLER,
      conditions: [
        {
          type: 'Accepted',
          status: 'True',
          reason: 'Accepted',
          message,
          observedGeneration: 1,
          lastTransitionTime: '2024-01-01T00:00:00Z',
        },
      ],
    };
  }

  it('translates only after every informer listed, and writes GatewayClass, Gateway, HTTPRoute and GRPCRoute statuses', async () => {
    const portico = start();
    await eventually('the Gateway to be Accepted with 3 attached routes', async () => {
      const status = gatewayStatus(await get(api, 'Gateway', 'gw', ns));
      const accepted = conditionOf(status?.conditions, 'Accepted');
      return accepted?.status === 'True' && status?.listeners?.[0]?.attachedRoutes === 3 ? status : undefined;
    });
    // The very first translation already saw everything: the informers had all listed.
    const first = portico.outputs[0]!;
    expect(first.resources.map((r) => `${r.kind}/${r.metadata.name}`)).toEqual(
      expect.arrayContaining([
        `GatewayClass/${className}`,
        'Gateway/gw',
        'HTTPRoute/web-route',
        'HTTPRoute/shared-route',
        'GRPCRoute/rpc-route',
      ]),
    );
    expect(first.gateways.map((g) => g.name)).toContain(`${ns}/gw`);
    expect(portico.source.provider.synced).toBe(true);

    const gatewayClass = await get(api, 'GatewayClass', className);
    expect(conditionOf((gatewayClass?.status as { conditions?: unknown })?.conditions, 'Accepted')).toMatchObject({
      status: 'True',
    });
    const webRoute = await eventually('web-route status', async () =>
      ourParent(await get(api, 'HTTPRoute', 'web-route', ns)),
    );
    expect(conditionOf(webRoute.conditions, 'Accepted')).toMatchObject({
      status: 'True',
      reason: 'Accepted',
      observedGeneration: 1,
    });
    expect(conditionOf(webRoute.conditions, 'ResolvedRefs')).toMatchObject({ status: 'True', reason: 'ResolvedRefs' });
    const rpcRoute = await eventually('rpc-route status', async () =>
      ourParent(await get(api, 'GRPCRoute', 'rpc-route', ns)),
    );
    expect(conditionOf(rpcRoute.conditions, 'Accepted')).toMatchObject({ status: 'True', observedGeneration: 1 });
    expect(conditionOf(rpcRoute.conditions, 'ResolvedRefs')).toMatchObject({ status: 'True' });

    // The other controller's entry is still there, untouched, next to ours.
    const shared = await eventually('shared-route status', async () => {
      const object = await get(api, 'HTTPRoute', 'shared-route', ns);
      return ourParent(object) ? object : undefined;
    });
    expect(parentsOf(shared)).toEqual(
      expect.arrayContaining([
        theirParent('first words'),
        expect.objectContaining({ controllerName: CONTROLLER_NAME }),
      ]),
    );
    expect(parentsOf(shared)).toHaveLength(2);

    // Programmed follows the (fake) Envoy: no Envoy → Pending; the Envoy ACKs → True.
    let gw = await get(api, 'Gateway', 'gw', ns);
    expect(conditionOf(gatewayStatus(gw)?.conditions, 'Programmed')).toMatchObject({
      status: 'False',
      reason: 'Pending',
    });
    portico.xds.connect('envoy-1', `${ns}/gw`);
    portico.xds.ack('envoy-1');
    gw = await eventually('Programmed=True', async () => {
      const object = await get(api, 'Gateway', 'gw', ns);
      return conditionOf(gatewayStatus(object)?.conditions, 'Programmed')?.status === 'True' ? object : undefined;
    });
    portico.xds.disconnect('envoy-1');
    await eventually('Programmed back to Pending', async () => {
      const object = await get(api, 'Gateway', 'gw', ns);
      return conditionOf(gatewayStatus(object)?.conditions, 'Programmed')?.status === 'False' ? object : undefined;
    });
    expect(portico.writer.stats().errors).toBe(0);
    expect(portico.logger.lines.filter((l) => l.level === 'error')).toEqual([]);
    // Portico's own status writes came back through the informers and were not translated again.
    expect(portico.source.provider.counters().statusOnly).toBeGreaterThan(0);
  }, 60_000);

  it('writes a status only when it changed, and keeps lastTransitionTime of conditions that did not', async () => {
    const portico = start();
    const settled = await eventually('statuses written', async () => {
      await sleep(500);
      await portico.writer.idle();
      const route = await get(api, 'HTTPRoute', 'web-route', ns);
      return ourParent(route) && portico.pipeline.synced ? route : undefined;
    });
    const before = {
      gateway: (await get(api, 'Gateway', 'gw', ns))!.metadata.resourceVersion,
      route: settled.metadata.resourceVersion,
      gatewayClass: (await get(api, 'GatewayClass', className))!.metadata.resourceVersion,
    };
    const acceptedBefore = conditionOf(ourParent(settled)!.conditions, 'Accepted')!;
    const writes = portico.writer.stats().writes;

    // An endpoint change: translated and published again, but no status changes.
    const published = portico.xds.calls.length;
    await patch(api, 'EndpointSlice', 'web-1', ns, {
      endpoints: [{ addresses: ['10.1.2.4'], conditions: { ready: true } }],
    });
    await eventually('the endpoint change to be published', async () =>
      portico.xds.calls.length > published ? true : undefined,
    );
    await sleep(300);
    await portico.writer.idle();
    expect(portico.writer.stats().writes).toBe(writes);
    expect((await get(api, 'Gateway', 'gw', ns))!.metadata.resourceVersion).toBe(before.gateway);
    expect((await get(api, 'HTTPRoute', 'web-route', ns))!.metadata.resourceVersion).toBe(before.route);
    expect((await get(api, 'GatewayClass', className))!.metadata.resourceVersion).toBe(before.gatewayClass);

    // A backend that does not exist: exactly one write, to the route; Accepted keeps its time.
    await sleep(1_100); // a changed condition gets a later second than the unchanged one
    await patch(api, 'HTTPRoute', 'web-route', ns, {
      spec: { rules: [{ backendRefs: [{ name: 'missing', port: 80 }] }] },
    });
    const changed = await eventually('ResolvedRefs=False', async () => {
      const object = await get(api, 'HTTPRoute', 'web-route', ns);
      const resolved = conditionOf(ourParent(object)?.conditions, 'ResolvedRefs');
      return resolved?.status === 'False' ? object : undefined;
    });
    await sleep(300);
    await portico.writer.idle();
    const parent = ourParent(changed)!;
    expect(conditionOf(parent.conditions, 'ResolvedRefs')).toMatchObject({
      reason: 'BackendNotFound',
      observedGeneration: 2,
    });
    const acceptedAfter = conditionOf(parent.conditions, 'Accepted')!;
    expect(acceptedAfter.observedGeneration).toBe(2);
    expect(acceptedAfter.lastTransitionTime).toBe(acceptedBefore.lastTransitionTime);
    expect(conditionOf(parent.conditions, 'ResolvedRefs')!.lastTransitionTime).not.toBe(
      acceptedBefore.lastTransitionTime,
    );
    expect(portico.writer.stats().writes).toBe(writes + 1);
    expect((await get(api, 'Gateway', 'gw', ns))!.metadata.resourceVersion).toBe(before.gateway);
  }, 60_000);

  it('keeps another controller’s parent entry that changed while Portico was running', async () => {
    const portico = start();
    await eventually('Portico synced and idle', async () => {
      await sleep(300);
      await portico.writer.idle();
      return portico.pipeline.synced ? true : undefined;
    });
    // The other controller rewrites its entry (the whole atomic list, keeping ours).
    const current = (await get(api, 'HTTPRoute', 'shared-route', ns))!;
    const ours = ourParent(current)!;
    await patch(
      api,
      'HTTPRoute',
      'shared-route',
      ns,
      { status: { parents: [ours, theirParent('second words')] } },
      '/status',
    );
    await eventually('the status-only update to be kept back at the edge', async () =>
      portico.source.provider.counters().statusOnly > 0 ? true : undefined,
    );

    // Now Portico's own status of the route changes: its write must keep their new entry.
    await patch(api, 'HTTPRoute', 'shared-route', ns, {
      spec: { rules: [{ backendRefs: [{ name: 'missing', port: 80 }] }] },
    });
    const updated = await eventually('Portico’s ResolvedRefs=False on shared-route', async () => {
      const object = await get(api, 'HTTPRoute', 'shared-route', ns);
      return conditionOf(ourParent(object)?.conditions, 'ResolvedRefs')?.status === 'False' ? object : undefined;
    });
    expect(parentsOf(updated)).toHaveLength(2);
    expect(parentsOf(updated)).toContainEqual(theirParent('second words'));
    // And the pipeline's own view (for /debug/status) has their latest entry too.
    const reported = portico.pipeline
      .latestStatus()
      .resources.find(
        (r) => r.kind === 'HTTPRoute' && r.metadata.name === 'shared-route' && r.metadata.namespace === ns,
      );
    expect(parentsOf(reported as KubeObject)).toContainEqual(theirParent('second words'));
  }, 60_000);

  it('watches the Secrets it may read (not image pull credentials), watches the optional kinds that are installed, and logs the ones that are not', async () => {
    await create(api, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'opaque', namespace: ns },
      type: 'Opaque',
      stringData: { password: 'x' },
    } as KubeObject);
    await create(api, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'pull', namespace: ns },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') },
    } as KubeObject);
    await create(api, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'tls', namespace: ns },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': '', 'tls.key': '' },
    } as KubeObject);
    const logger = new RecordingLogger();
    const config = loadKubeConfig({ path: cluster.kubeconfig });
    const provider = new KubernetesProvider(config, createKubeApi(config), {
      logger,
      kinds: [
        ...WATCHED_KINDS,
        {
          kind: 'NoSuchRoute',
          group: GATEWAY_GROUP,
          versions: ['v1'],
          plural: 'nosuchroutes',
          namespaced: true,
          specOnly: true,
          optional: true,
        },
      ],
    });
    const events: ResourceEvent[] = [];
    const subscription = provider.events$.subscribe((event) => events.push(event));
    try {
      await eventually('synced', async () => (events.some((e) => e.type === 'synced') ? true : undefined));
      expect(provider.get('Secret', 'tls', ns)).toBeDefined();
      expect(provider.get('Secret', 'opaque', ns)).toBeDefined();
      expect(provider.get('Secret', 'pull', ns)).toBeUndefined();
      for (const kind of ['GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'BackendTLSPolicy', 'ListenerSet']) {
        // The newest version the v1.7.0 CRDs serve, the one a v1.7.0 user (and the conformance suite) writes.
        expect(provider.kind(kind)?.apiVersion).toBe(`${GATEWAY_GROUP}/v1`);
      }
      expect(provider.kind('NoSuchRoute')).toBeUndefined();
      expect(logger.lines).toContainEqual(
        expect.objectContaining({
          level: 'info',
          msg: 'CRD not installed; not watching it',
          fields: expect.objectContaining({ kind: 'NoSuchRoute' }),
        }),
      );
      // Upserts before `synced` carry every listed object; none after it for an idle cluster's objects.
      const syncedAt = events.findIndex((e) => e.type === 'synced');
      expect(events.slice(0, syncedAt).some((e) => e.type === 'upsert' && e.object.metadata.name === 'gw')).toBe(true);
    } finally {
      subscription.unsubscribe();
    }
  }, 30_000);

  it('restarts informers with backoff after the connection to the API server drops, and catches up', async () => {
    const proxy = await CuttableProxy.start(api.server);
    cleanups.push(() => proxy.close());
    const kubeconfig = kubeconfigVia(cluster.kubeconfig, proxy.url, cleanups);
    const logger = new RecordingLogger();
    const config = loadKubeConfig({ path: kubeconfig });
    const provider = new KubernetesProvider(config, createKubeApi(config), {
      logger,
      backoff: { initialMs: 100, maxMs: 500 },
    });
    const events: ResourceEvent[] = [];
    const subscription = provider.events$.subscribe((event) => events.push(event));
    try {
      await eventually('synced', async () => (provider.synced ? true : undefined));
      proxy.cut();
      await create(api, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'late', namespace: ns },
        spec: { ports: [{ port: 80 }] },
      });
      await remove(api, 'EndpointSlice', 'web-1', ns);
      await eventually('the outage to be logged', async () =>
        logger.lines.some((l) => l.level === 'warn' && /lost the API server/.test(l.msg)) ? true : undefined,
      );
      await sleep(1_000);
      proxy.restore();
      await eventually('the Service created during the outage', async () =>
        events.some((e) => e.type === 'upsert' && e.object.kind === 'Service' && e.object.metadata.name === 'late')
          ? true
          : undefined,
      );
      await eventually('the EndpointSlice deleted during the outage', async () =>
        events.some(
          (e) => e.type === 'delete' && e.object.kind === 'EndpointSlice' && e.object.metadata.name === 'web-1',
        )
          ? true
          : undefined,
      );
      // The cache catches up too (an informer restarted once more under load lists again first).
      await eventually('the cache to hold the Service and not the EndpointSlice', async () =>
        provider.get('Service', 'late', ns) !== undefined && provider.get('EndpointSlice', 'web-1', ns) === undefined
          ? true
          : undefined,
      );
      // Quiet logs: one warning for the outage (not one per kind and retry), one line when it ends.
      await eventually('the end of the outage to be logged', async () =>
        logger.lines.some((l) => l.msg === 'all watches restored') ? true : undefined,
      );
      expect(logger.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
      expect(logger.lines.filter((l) => l.level === 'error')).toEqual([]);
    } finally {
      subscription.unsubscribe();
    }
  }, 60_000);

  it('serves with `portico serve --provider kubernetes`: ready after the initial list, status in /debug/status', async () => {
    const leaseName = uniqueName('serve');
    const serving = await startServe(
      {
        watchDir: '',
        kubernetes: { kubeconfig: cluster.kubeconfig, leaseNamespace: ns, leaseName, identity: 'serve-test' },
        xds: { host: '127.0.0.1', port: 0 },
        debug: { host: '127.0.0.1', port: 0 },
        listenerAddress: '127.0.0.1',
        adminPortBase: 19901,
        launchEnvoy: false,
        logLevel: 'error',
        quietMs: 20,
        maxLatencyMs: 100,
      },
      new RecordingLogger(),
    );
    try {
      const base = `http://127.0.0.1:${serving.debugAddress().port}`;
      await eventually('/readyz', async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined));
      const status = (await (await fetch(`${base}/debug/status`)).json()) as { resources: KubeObject[] };
      const gw = status.resources.find((r) => r.kind === 'Gateway' && r.metadata.namespace === ns);
      expect(conditionOf(gatewayStatus(gw)?.conditions, 'Accepted')).toMatchObject({ status: 'True' });
      expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/portico_translations_total/);
    } finally {
      await serving.stop();
    }
    const lease = await api.request<Lease>({
      path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${leaseName}`,
    });
    expect(lease.spec?.holderIdentity ?? '').toBe('');
  }, 30_000);

  it('fails over: when the leader cannot renew, it stops writing and the other replica takes over within the lease duration', async () => {
    const timings = { leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 500 };
    const leaseName = uniqueName('failover');
    const proxy = await CuttableProxy.start(api.server);
    cleanups.push(() => proxy.close());
    const a = start({
      ...timings,
      leaseName,
      identity: 'replica-a',
      kubeconfig: kubeconfigVia(cluster.kubeconfig, proxy.url, cleanups),
    });
    const aLeading: { leading: boolean; at: number }[] = [];
    a.source.elector.isLeader$.subscribe((leading) => aLeading.push({ leading, at: Date.now() }));
    await eventually('replica-a to lead', async () => (a.source.elector.leading ? true : undefined));

    const b = start({ ...timings, leaseName, identity: 'replica-b' });
    const bLeading: { leading: boolean; at: number }[] = [];
    b.source.elector.isLeader$.subscribe((leading) => bLeading.push({ leading, at: Date.now() }));
    await eventually('replica-b synced', async () => (b.pipeline.synced ? true : undefined));
    await sleep(1_500);
    expect(b.source.elector.leading).toBe(false);
    expect(b.writer.stats().writes).toBe(0);

    const cutAt = Date.now();
    proxy.cut(); // replica-a's renewals (and everything else it sends) fail from now on
    await eventually('replica-b to lead', async () => (b.source.elector.leading ? true : undefined), 15_000);
    const aLost = aLeading.find((h) => !h.leading && h.at >= cutAt)!;
    const bWon = bLeading.find((h) => h.leading)!;
    expect(aLost).toBeDefined();
    expect(aLost.at - cutAt).toBeLessThanOrEqual(timings.renewDeadlineMs + timings.retryPeriodMs + 500);
    expect(aLost.at).toBeLessThan(bWon.at);
    expect(bWon.at - cutAt).toBeLessThanOrEqual(timings.leaseDurationMs + 2 * timings.retryPeriodMs + 500);
    const lease = await api.request<Lease>({
      path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${leaseName}`,
    });
    expect(lease.spec).toMatchObject({ holderIdentity: 'replica-b', leaseTransitions: 1, leaseDurationSeconds: 4 });

    // The new leader writes; the old one, reconnected, stays a follower and writes nothing.
    proxy.restore();
    const aWrites = a.writer.stats().writes;
    await patch(api, 'HTTPRoute', 'web-route', ns, { spec: { rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] } });
    await eventually('replica-b to write ResolvedRefs=True', async () => {
      const object = await get(api, 'HTTPRoute', 'web-route', ns);
      return conditionOf(ourParent(object)?.conditions, 'ResolvedRefs')?.status === 'True' ? object : undefined;
    });
    expect(b.writer.stats().writes).toBeGreaterThan(0);
    await sleep(2 * timings.retryPeriodMs);
    expect(a.source.elector.leading).toBe(false);
    expect(a.writer.stats().writes).toBe(aWrites);

    // A leader that stops releases the lease.
    await b.stop();
    const released = await api.request<Lease>({
      path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${leaseName}`,
    });
    expect(released.spec?.holderIdentity ?? '').toBe('');
  }, 60_000);

  it('writes BackendTLSPolicy ancestors (keeping another controller’s) and ListenerSet status', async () => {
    const cert = readFileSync(
      fileURLToPath(new URL('../../../test/fixtures/tls/example.crt', import.meta.url)),
      'utf8',
    );
    await create(api, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'web-ca', namespace: ns },
      data: { 'ca.crt': cert },
    });
    await create(api, {
      apiVersion: `${GATEWAY_GROUP}/v1`,
      kind: 'BackendTLSPolicy',
      metadata: { name: 'web-tls', namespace: ns },
      spec: {
        targetRefs: [{ group: '', kind: 'Service', name: 'web' }],
        validation: {
          caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'web-ca' }],
          hostname: 'foo.example.com',
        },
      },
    });
    const theirAncestor = {
      ancestorRef: { group: GATEWAY_GROUP, kind: 'Gateway', namespace: ns, name: 'their-gw' },
      controllerName: OTHER_CONTROLLER,
      conditions: theirParent('theirs').conditions,
    };
    await patch(api, 'BackendTLSPolicy', 'web-tls', ns, { status: { ancestors: [theirAncestor] } }, '/status');
    // gw allows no ListenerSets.
    await create(api, {
      apiVersion: `${GATEWAY_GROUP}/v1`,
      kind: 'ListenerSet',
      metadata: { name: 'extra', namespace: ns },
      spec: { parentRef: { name: 'gw' }, listeners: [{ name: 'more', port: 8081, protocol: 'HTTP' }] },
    });
    try {
      const portico = start();
      const policy = await eventually('the policy’s ancestor status', async () => {
        const object = await get(api, 'BackendTLSPolicy', 'web-tls', ns);
        const ancestors = (object?.status as { ancestors?: { controllerName: string }[] } | undefined)?.ancestors ?? [];
        return ancestors.some((a) => a.controllerName === CONTROLLER_NAME) ? ancestors : undefined;
      });
      expect(policy).toEqual(
        expect.arrayContaining([
          theirAncestor,
          expect.objectContaining({
            ancestorRef: { group: GATEWAY_GROUP, kind: 'Gateway', namespace: ns, name: 'gw' },
            controllerName: CONTROLLER_NAME,
            conditions: expect.arrayContaining([
              expect.objectContaining({ type: 'Accepted', status: 'True', observedGeneration: 1 }),
              expect.objectContaining({ type: 'ResolvedRefs', status: 'True' }),
            ]),
          }),
        ]),
      );
      expect(policy).toHaveLength(2);
      const set = await eventually('the ListenerSet’s status', async () => {
        const object = await get(api, 'ListenerSet', 'extra', ns);
        return conditionOf((object?.status as { conditions?: unknown } | undefined)?.conditions, 'Accepted')
          ? object
          : undefined;
      });
      const conditions = (set.status as { conditions?: unknown }).conditions;
      expect(conditionOf(conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'NotAllowed' });
      expect(conditionOf(conditions, 'Programmed')).toMatchObject({ status: 'False', reason: 'NotAllowed' });
      await eventually('attachedListenerSets 0 on the Gateway', async () => {
        const gw = await get(api, 'Gateway', 'gw', ns);
        return (gw?.status as { attachedListenerSets?: number } | undefined)?.attachedListenerSets === 0
          ? gw
          : undefined;
      });
      expect(portico.writer.stats().errors).toBe(0);
    } finally {
      await remove(api, 'ListenerSet', 'extra', ns).catch(() => undefined);
      await remove(api, 'BackendTLSPolicy', 'web-tls', ns).catch(() => undefined);
    }
  }, 60_000);

  it('watches ClusterTrustBundles: a BackendTLSPolicy naming one resolves while it exists', async () => {
    const cert = readFileSync(
      fileURLToPath(new URL('../../../test/fixtures/tls/example.crt', import.meta.url)),
      'utf8',
    );
    const bundle = uniqueName('web-ca');
    await create(api, {
      apiVersion: 'certificates.k8s.io/v1beta1',
      kind: 'ClusterTrustBundle',
      metadata: { name: bundle },
      spec: { trustBundle: cert },
    } as KubeObject);
    await create(api, {
      apiVersion: `${GATEWAY_GROUP}/v1`,
      kind: 'BackendTLSPolicy',
      metadata: { name: 'web-ctb', namespace: ns },
      spec: {
        targetRefs: [{ group: '', kind: 'Service', name: 'web' }],
        validation: {
          caCertificateRefs: [{ group: 'certificates.k8s.io', kind: 'ClusterTrustBundle', name: bundle }],
          hostname: 'foo.example.com',
        },
      },
    });
    const resolvedRefs = async () => {
      const object = await get(api, 'BackendTLSPolicy', 'web-ctb', ns);
      const ancestors =
        (object?.status as { ancestors?: { controllerName: string; conditions?: unknown }[] } | undefined)?.ancestors ??
        [];
      return conditionOf(ancestors.find((a) => a.controllerName === CONTROLLER_NAME)?.conditions, 'ResolvedRefs');
    };
    try {
      start();
      await eventually('ResolvedRefs=True from the ClusterTrustBundle', async () =>
        (await resolvedRefs())?.status === 'True' ? true : undefined,
      );
      await remove(api, 'ClusterTrustBundle', bundle);
      const gone = await eventually('ResolvedRefs=False once the bundle is deleted', async () => {
        const condition = await resolvedRefs();
        return condition?.status === 'False' ? condition : undefined;
      });
      expect(gone).toMatchObject({
        reason: 'InvalidCACertificateRef',
        message: `ClusterTrustBundle ${bundle} does not exist`,
      });
    } finally {
      await remove(api, 'BackendTLSPolicy', 'web-ctb', ns).catch(() => undefined);
      await remove(api, 'ClusterTrustBundle', bundle).catch(() => undefined);
    }
  }, 60_000);

  it('watches XTelemetryPolicies: the one that applies to gw is Accepted and traces, the other is Conflicted', async () => {
    const policy = (name: string): KubeObject => ({
      apiVersion: 'gateway.networking.x-k8s.io/v1alpha1',
      kind: 'XTelemetryPolicy',
      metadata: { name, namespace: ns },
      spec: {
        targetRefs: [{ group: GATEWAY_GROUP, kind: 'Gateway', name: 'gw' }],
        tracing: { mode: 'Enabled', provider: { backendRef: { name: 'web', port: 80 } } },
      },
    });
    // Created within a second of each other or not, tracing-a applies: older, or first by name.
    await create(api, policy('tracing-a'));
    await create(api, policy('tracing-b'));
    const accepted = async (name: string) => {
      const object = await get(api, 'XTelemetryPolicy', name, ns);
      const ancestors =
        (object?.status as { ancestors?: { controllerName: string; conditions?: unknown }[] } | undefined)?.ancestors ??
        [];
      return conditionOf(ancestors.find((a) => a.controllerName === CONTROLLER_NAME)?.conditions, 'Accepted');
    };
    try {
      const portico = start();
      await eventually('both policies’ ancestor status', async () =>
        (await accepted('tracing-a')) && (await accepted('tracing-b')) ? true : undefined,
      );
      expect(await accepted('tracing-a')).toMatchObject({ status: 'True', reason: 'Accepted' });
      expect(await accepted('tracing-b')).toMatchObject({ status: 'False', reason: 'Conflicted' });
      const output = portico.outputs[portico.outputs.length - 1]!;
      const chains = output.gateways.flatMap((g) => g.ir.listeners.flatMap((l) => l.filterChains));
      expect(chains.map((c) => c.http?.tracing?.policy)).toEqual([`${ns}/tracing-a`]);
      expect(portico.writer.stats().errors).toBe(0);
    } finally {
      await remove(api, 'XTelemetryPolicy', 'tracing-a', ns).catch(() => undefined);
      await remove(api, 'XTelemetryPolicy', 'tracing-b', ns).catch(() => undefined);
    }
  }, 60_000);
});
