/**
 * Issue 4: "the API server restarted under Portico (informers reconnect, nothing lost, no status
 * flapping)".
 *
 * The kube-apiserver that is killed is a private one (`private-cluster.ts`: its own etcd and
 * kube-apiserver on other ports, in a temporary directory): the shared `make k8s-up` server serves
 * the other test files, which Jest runs in parallel. `hack/k8s/up.sh` restarts it — with etcd alive
 * it starts only kube-apiserver, on the same etcd data and serving certificate.
 *
 * Portico runs in this process with its status writes recorded per object. The server is killed
 * with SIGKILL (a crash, no graceful shutdown), stays down a moment, and comes back; right after,
 * one route is created and one deleted. Portico must see both, must never have dropped an object
 * while the server was gone, and must write nothing to the objects whose status did not change.
 */
import type { Condition, KubeObject, RouteParentStatus } from '../../src/resources/types.js';
import { CONTROLLER_NAME } from '../../src/resources/types.js';
import * as fixtures from '../support/fixtures.js';
import { PrivateCluster } from './private-cluster.js';
import { analyzeWrites, startRecordedPortico } from './recorded-portico.js';
import type { RecordedPortico } from './recorded-portico.js';
import { create, createWebBackend, eventually, get, remove, sleep, uniqueName } from './test-cluster.js';

const GATEWAY = 'gw';
const KEPT = ['route-a', 'route-c'];
const DELETED = 'route-b';
const CREATED = 'route-d';

interface Snapshot {
  resourceVersion: string | undefined;
  status: unknown;
}

function conditionOf(conditions: unknown, type: string): Condition | undefined {
  return Array.isArray(conditions) ? (conditions as Condition[]).find((c) => c.type === type) : undefined;
}

function ourParent(route: KubeObject | undefined): RouteParentStatus | undefined {
  return ((route?.status as { parents?: RouteParentStatus[] } | undefined)?.parents ?? []).find(
    (p) => p.controllerName === CONTROLLER_NAME && p.parentRef.name === GATEWAY,
  );
}

function routeAccepted(route: KubeObject | undefined): boolean {
  const parent = ourParent(route);
  return (
    conditionOf(parent?.conditions, 'Accepted')?.status === 'True' &&
    conditionOf(parent?.conditions, 'ResolvedRefs')?.status === 'True'
  );
}

function attachedRoutes(gateway: KubeObject | undefined): number | undefined {
  return (gateway?.status as { listeners?: { attachedRoutes: number }[] } | undefined)?.listeners?.[0]?.attachedRoutes;
}

/** Every `lastTransitionTime` in a status, by where it is. */
function transitionTimes(status: unknown, path = ''): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(status)) {
    status.forEach((item, i) => {
      const key = (item as { type?: string; name?: string })?.type ?? (item as { name?: string })?.name ?? String(i);
      Object.assign(out, transitionTimes(item, `${path}/${key}`));
    });
  } else if (status && typeof status === 'object') {
    for (const [key, value] of Object.entries(status)) {
      if (key === 'lastTransitionTime') out[path] = String(value);
      else Object.assign(out, transitionTimes(value, `${path}/${key}`));
    }
  }
  return out;
}

describe('the API server restarted under Portico (private API server)', () => {
  let cluster: PrivateCluster | undefined;
  let portico: RecordedPortico | undefined;
  const ns = uniqueName('portico-restart');
  const className = uniqueName('portico-restart');

  const route = (name: string): KubeObject =>
    fixtures.httpRoute({ name, namespace: ns, parentRefs: [{ name: GATEWAY }], hostnames: [`${name}.example.com`] });

  beforeAll(async () => {
    cluster = await PrivateCluster.start('restart');
    const api = cluster.api;
    await create(api, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await create(api, fixtures.gatewayClass({ name: className }));
    await create(
      api,
      fixtures.gateway({
        name: GATEWAY,
        namespace: ns,
        className,
        listeners: [fixtures.listener('http', 8080, { allowedRoutes: fixtures.SAME_NAMESPACE })],
      }),
    );
    await createWebBackend(api, ns);
    for (const name of [...KEPT, DELETED]) await create(api, route(name));
  }, 180_000);

  afterAll(async () => {
    await portico?.stop();
    // Everything this file created lives in the private server's etcd, which goes with it.
    await cluster?.stop();
  }, 60_000);

  it('reconnects its informers, loses nothing, sees a route created and one deleted after the restart, and rewrites no unchanged status', async () => {
    const c = cluster!;
    const api = c.api;
    portico = startRecordedPortico(
      { kubeconfig: c.kubeconfig, leaseNamespace: ns, leaseName: uniqueName('lease'), identity: 'restart-test' },
      {},
    );
    const p = portico;
    await eventually(
      'three routes Accepted and attached',
      async () => {
        const gateway = await get(api, 'Gateway', GATEWAY, ns);
        if (attachedRoutes(gateway) !== 3) return undefined;
        for (const name of [...KEPT, DELETED])
          if (!routeAccepted(await get(api, 'HTTPRoute', name, ns))) return undefined;
        return true;
      },
      60_000,
    );
    await sleep(500);
    await p.writer.idle();

    const snapshot = async (kind: string, name: string, namespace?: string): Promise<Snapshot> => {
      const object = await get(api, kind, name, namespace);
      return { resourceVersion: object?.metadata.resourceVersion, status: object?.status };
    };
    const before = {
      gatewayClass: await snapshot('GatewayClass', className),
      gateway: await snapshot('Gateway', GATEWAY, ns),
      kept: await Promise.all(KEPT.map((name) => snapshot('HTTPRoute', name, ns))),
    };
    const writesBefore = p.writes.length;
    const reportsBefore = p.reports.length;
    const pidBefore = c.apiServerPid();

    // ---- the crash ----
    await c.killApiServer();
    await expect(api.request({ path: '/version', timeoutMs: 2_000 })).rejects.toThrow();
    await eventually('Portico to notice the outage', async () =>
      p.logger.lines.some((l) => l.level === 'warn' && /lost the API server/.test(l.msg)) ? true : undefined,
    );
    await sleep(1_500);
    await c.restartApiServer();
    expect(c.apiServerPid()).toBeDefined();
    expect(c.apiServerPid()).not.toBe(pidBefore);

    // ---- right after it is back: one route created, one deleted ----
    await eventually(
      `${CREATED} created`,
      async () => {
        await create(api, route(CREATED)).catch((err: { status?: number }) => {
          if (err.status !== 409) throw err; // 409: an earlier attempt went through
        });
        return true;
      },
      30_000,
    );
    await remove(api, 'HTTPRoute', DELETED, ns);

    await eventually(
      `Portico to accept ${CREATED} and to count ${DELETED} out`,
      async () => {
        const created = await get(api, 'HTTPRoute', CREATED, ns);
        const gateway = await get(api, 'Gateway', GATEWAY, ns);
        return routeAccepted(created) && attachedRoutes(gateway) === 3 ? true : undefined;
      },
      60_000,
    );
    await eventually('all watches restored', async () =>
      p.logger.lines.some((l) => l.msg === 'all watches restored') ? true : undefined,
    );
    await sleep(1_000);
    await p.writer.idle();

    // The pipeline's view: the new route in, the deleted one out.
    const routeNames = (): string =>
      p.pipeline
        .latestStatus()
        .resources.filter((r) => r.kind === 'HTTPRoute')
        .map((r) => r.metadata.name)
        .sort()
        .join(',');
    const expectedNames = [...KEPT, CREATED].sort().join(',');
    await eventually(`the pipeline to hold ${expectedNames}`, async () =>
      routeNames() === expectedNames ? true : undefined,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; it holds ${routeNames()}`);
    });
    const served = JSON.stringify(p.xds.snapshots.get(`${ns}/${GATEWAY}`)?.resources.routes ?? []);
    for (const name of [...KEPT, CREATED]) expect(served).toContain(`httproute/${ns}/${name}/`);
    expect(served).not.toContain(`httproute/${ns}/${DELETED}/`);

    // Nothing lost: no status report since the restart began lacked an object that was never deleted.
    const during = p.reports.slice(reportsBefore);
    for (const report of during) {
      const names = new Set(report.resources.map((r) => `${r.kind}/${r.metadata.name}`));
      for (const expected of [
        `GatewayClass/${className}`,
        `Gateway/${GATEWAY}`,
        ...KEPT.map((n) => `HTTPRoute/${n}`),
      ]) {
        expect(names).toContain(expected);
      }
    }

    // No flapping: the objects whose status did not change were not written at all…
    expect(await snapshot('GatewayClass', className)).toEqual(before.gatewayClass);
    expect(await Promise.all(KEPT.map((name) => snapshot('HTTPRoute', name, ns)))).toEqual(before.kept);
    const since = p.writes.slice(writesBefore);
    const writtenSince = since.map((w) => `${w.resource}/${w.name}`);
    expect(writtenSince.filter((w) => w !== `httproutes/${CREATED}` && w !== `gateways/${GATEWAY}`)).toEqual([]);
    expect(writtenSince.filter((w) => w === `httproutes/${CREATED}`)).toHaveLength(1);
    // …and the Gateway, whose attachedRoutes moved (3 → 4 → 3, or not at all when both changes
    // landed in one batch), kept every condition's lastTransitionTime.
    const gatewayAfter = await snapshot('Gateway', GATEWAY, ns);
    expect(transitionTimes(gatewayAfter.status)).toEqual(transitionTimes(before.gateway.status));
    expect(since.filter((w) => w.resource === 'gateways').length).toBeLessThanOrEqual(2);
    expect(analyzeWrites(p.writes).repeated).toEqual([]);
    expect(p.logger.lines.filter((l) => l.level === 'error')).toEqual([]);
  }, 240_000);
});
