/**
 * Issue 4: "1,000 HTTPRoutes applied at once: every route's status and every listener's
 * attachedRoutes correct …, with no more status writes than objects whose status changed."
 *
 * Against a private API server (`private-cluster.ts`: a whole Portico watches every namespace, so
 * on the shared one it would write other test files' objects and they its own). Portico runs in
 * this process with its status writes recorded per object (`recorded-portico.ts`); the 1,000
 * routes go in as one multi-document YAML through the built kubectl's server-side apply. No timing
 * is asserted (bench/k8s-status-bench.ts measures it); the waits are bounded.
 */
import type { KubeObject } from '../../src/resources/types.js';
import { PrivateCluster } from './private-cluster.js';
import { analyzeWrites, objectKey, startRecordedPortico } from './recorded-portico.js';
import type { RecordedPortico } from './recorded-portico.js';
import {
  GATEWAY_NAME,
  gatewayStatusCorrect,
  multiDocumentYaml,
  routeStatusCorrect,
  scaleFixture,
} from './scale-fixture.js';
import type { ScaleFixture } from './scale-fixture.js';
import { create, eventually, get, sleep, uniqueName } from './test-cluster.js';

const ROUTES = 1_000;

describe('1,000 HTTPRoutes applied at once (private API server)', () => {
  let cluster: PrivateCluster | undefined;
  let portico: RecordedPortico | undefined;
  let fixture: ScaleFixture;
  const ns = uniqueName('portico-scale');
  const className = uniqueName('portico-scale');

  beforeAll(async () => {
    cluster = await PrivateCluster.start('scale');
    fixture = scaleFixture(ns, className, ROUTES);
    await create(cluster.api, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (const object of fixture.base) await create(cluster.api, object);
  }, 180_000);

  afterAll(async () => {
    await portico?.stop();
    // Everything this file created lives in the private server's etcd, which goes with it.
    await cluster?.stop();
  }, 60_000);

  it('writes every route’s status once and every listener’s attachedRoutes, and no object twice with the same status', async () => {
    const api = cluster!.api;
    portico = startRecordedPortico({
      kubeconfig: cluster!.kubeconfig,
      leaseNamespace: ns,
      leaseName: uniqueName('lease'),
      identity: 'scale-test',
    });
    const writer = portico.writer;
    await eventually(
      'the Gateway Accepted with no routes',
      async () =>
        gatewayStatusCorrect(await get(api, 'Gateway', GATEWAY_NAME, ns), { http: 0, admin: 0 }) ? true : undefined,
      60_000,
    );
    await writer.idle();
    const before = portico.writes.length;
    expect(before).toBeGreaterThanOrEqual(2); // GatewayClass and Gateway

    // All at once: one multi-document YAML, one kubectl server-side apply.
    const applied = await cluster!.kubectl(
      ['apply', '--server-side', '--field-manager', 'portico-scale-test', '-o', 'name', '-f', '-'],
      multiDocumentYaml(fixture.routes),
    );
    expect(applied.trim().split('\n')).toHaveLength(ROUTES);

    const list = async (): Promise<KubeObject[]> =>
      (
        await api.request<{ items: KubeObject[] }>({
          path: `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/httproutes`,
          timeoutMs: 20_000,
        })
      ).items;
    let lastSeen = '';
    await eventually(
      'every route Accepted with resolved refs, and attachedRoutes of both listeners',
      async () => {
        const routes = await list();
        const correct = routes.filter(routeStatusCorrect).length;
        const gateway = await get(api, 'Gateway', GATEWAY_NAME, ns);
        const listeners = (gateway?.status as { listeners?: unknown } | undefined)?.listeners;
        lastSeen = `${correct}/${routes.length} routes correct; listeners ${JSON.stringify(listeners)}`;
        if (routes.length === ROUTES && correct === ROUTES && gatewayStatusCorrect(gateway, fixture.attached))
          return true;
        await sleep(400);
        return undefined;
      },
      150_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message} (last seen: ${lastSeen}; writer ${JSON.stringify(writer.stats())})`);
    });

    // Let anything still queued finish, then count.
    await sleep(1_000);
    await writer.idle();
    await sleep(500);
    await writer.idle();

    const stats = writer.stats();
    expect(stats.errors).toBe(0);
    expect(portico.writes).toHaveLength(stats.writes);
    const { perObject, repeated } = analyzeWrites(portico.writes);
    // No object written twice in a row with a status a reader cannot tell from the one before.
    expect(repeated).toEqual([]);

    const routeWrites = portico.writes.filter((w) => w.resource === 'httproutes');
    const routeObjects = [...perObject.keys()].filter((key) => key.startsWith('httproutes/'));
    // Each route's status changed once (none → Accepted), and was written exactly once.
    expect(routeObjects).toHaveLength(ROUTES);
    expect(routeWrites).toHaveLength(ROUTES);
    expect(new Set(routeWrites.map((w) => w.namespace))).toEqual(new Set([ns]));

    // The GatewayClass's status did not change after the start: written once, at the start.
    expect(
      perObject.get(objectKey({ resource: 'gatewayclasses', namespace: undefined, name: className })),
    ).toHaveLength(1);
    // The Gateway: once per distinct status (attachedRoutes growing as the routes arrive in batches).
    const gatewayWrites = perObject.get(objectKey({ resource: 'gateways', namespace: ns, name: GATEWAY_NAME })) ?? [];
    expect(gatewayWrites.length).toBeGreaterThanOrEqual(2);
    const attachedHistory = gatewayWrites.map(
      (w) =>
        (w.status as { listeners?: { attachedRoutes: number }[] }).listeners?.reduce(
          (n, l) => n + l.attachedRoutes,
          0,
        ) ?? 0,
    );
    // attachedRoutes only grew: no batch was ever translated with fewer routes than the one before.
    expect([...attachedHistory].sort((a, b) => a - b)).toEqual(attachedHistory);
    expect(attachedHistory[attachedHistory.length - 1]).toBe(ROUTES);

    // Nothing but the three kinds was written, and the total is the sum of the objects' distinct statuses.
    expect(portico.writes.length).toBe(ROUTES + gatewayWrites.length + 1);

    // The informers reported Portico's own writes back and they were not translated again.
    expect(portico.source.provider.counters().statusOnly).toBeGreaterThanOrEqual(ROUTES);
    expect(portico.logger.lines.filter((l) => l.level === 'error')).toEqual([]);
  }, 240_000);
});
