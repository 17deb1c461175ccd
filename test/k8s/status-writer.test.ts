/** The status writer against an in-memory API (no API server): leader gating, write-only-on-change, conflicts. */
import { BehaviorSubject } from 'rxjs';
import { resolveKind, WATCHED_KINDS } from '../../src/k8s/kinds.js';
import type { ResolvedKind } from '../../src/k8s/kinds.js';
import { ApiError } from '../../src/kube-client/kube-api.js';
import type { KubeApi, KubeRequest } from '../../src/kube-client/kube-api.js';
import type { LiveObjects } from '../../src/k8s/kubernetes-provider.js';
import { StatusWriter } from '../../src/k8s/status-writer.js';
import { resourceStatus } from '../../src/resources/resource-status.js';
import type { StatusReport } from '../../src/pipeline/status-report.js';
import type { Condition, KubeObject } from '../../src/resources/types.js';
import { CONTROLLER_NAME } from '../../src/resources/types.js';
import { gateway, gatewayClass, httpRoute } from '../support/quickstart-objects.js';

const kinds = new Map<string, ResolvedKind>(WATCHED_KINDS.map((k) => [k.kind, resolveKind(k, k.versions[0]!)]));

/** Objects by `Kind/ns/name`, with resourceVersion preconditions like the API server's. */
class FakeCluster implements KubeApi, LiveObjects {
  readonly server = 'https://fake';
  readonly objects = new Map<string, KubeObject>();
  readonly patches: { path: string; body: { metadata: { resourceVersion?: string }; status: unknown } }[] = [];
  private version = 100;
  /** Called before a PATCH is applied (to play another writer). */
  beforePatch: (() => void) | undefined;

  put(object: KubeObject): KubeObject {
    const stored = { ...object, metadata: { ...object.metadata, resourceVersion: String(++this.version) } };
    this.objects.set(this.key(object.kind, object.metadata.name, object.metadata.namespace), stored);
    return stored;
  }

  kind(kind: string): ResolvedKind | undefined {
    return kinds.get(kind);
  }

  get(kind: string, name: string, namespace: string | undefined): KubeObject | undefined {
    return this.objects.get(this.key(kind, name, namespace));
  }

  async request<T>(req: KubeRequest): Promise<T> {
    const match = /\/(gatewayclasses|gateways|httproutes)\/([^/]+)\/status$/.exec(req.path);
    const nsMatch = /\/namespaces\/([^/]+)\//.exec(req.path);
    const kind = { gatewayclasses: 'GatewayClass', gateways: 'Gateway', httproutes: 'HTTPRoute' }[match![1]!]!;
    const key = this.key(kind, match![2]!, nsMatch?.[1]);
    const current = this.objects.get(key);
    if (!current) throw new ApiError(404, 'not found');
    if (req.method === 'PATCH') {
      this.beforePatch?.();
      this.beforePatch = undefined;
      const body = req.body as FakeCluster['patches'][number]['body'];
      this.patches.push({ path: req.path, body });
      const now = this.objects.get(key)!;
      if (body.metadata.resourceVersion !== now.metadata.resourceVersion)
        throw new ApiError(409, 'modified', 'Conflict');
      return this.put({ ...now, status: body.status }) as T;
    }
    return current as T;
  }

  private key(kind: string, name: string, namespace: string | undefined): string {
    return `${kind}/${kind === 'GatewayClass' ? '' : (namespace ?? '')}/${name}`;
  }
}

function accepted(time: string): Condition {
  return {
    type: 'Accepted',
    status: 'True',
    reason: 'Accepted',
    message: 'ok',
    observedGeneration: 1,
    lastTransitionTime: time,
  };
}

function report(objects: KubeObject[]): StatusReport {
  return { synced: true, resources: objects.map(resourceStatus), errors: [], warnings: [] };
}

function setup() {
  const cluster = new FakeCluster();
  const status$ = new BehaviorSubject<StatusReport>(report([]));
  const leader$ = new BehaviorSubject<boolean>(false);
  const writer = new StatusWriter(status$, { api: cluster, live: cluster, isLeader$: leader$ });
  return { cluster, status$, leader$, writer };
}

describe('StatusWriter', () => {
  it('writes only as leader, only what changed, ignoring lastTransitionTime', async () => {
    const { cluster, status$, leader$, writer } = setup();
    cluster.put(gatewayClass);
    cluster.put(gateway('a'));
    const computed = { ...gateway('a'), status: { conditions: [accepted('2024-01-01T00:00:00Z')] } };
    status$.next(report([computed]));
    await writer.idle();
    expect(cluster.patches).toHaveLength(0); // not leader

    leader$.next(true);
    await writer.idle();
    expect(cluster.patches).toHaveLength(1);
    expect(cluster.get('Gateway', 'a', 'default')?.status).toEqual(computed.status);

    // Recomputed later with a new time but the same condition: nothing to write.
    status$.next(report([{ ...computed, status: { conditions: [accepted('2024-09-09T00:00:00Z')] } }]));
    await writer.idle();
    expect(writer.stats().writes).toBe(1);
    writer.stop();
  });

  it('redoes a write from a fresh read on 409, keeping the entry another controller wrote meanwhile', async () => {
    const { cluster, status$, leader$, writer } = setup();
    cluster.put(gatewayClass);
    cluster.put(gateway('a'));
    const route = cluster.put({ ...httpRoute('r', 'a', 'web'), status: { parents: [] } });
    const theirs = { parentRef: { name: 'other-gw' }, controllerName: 'example.com/other', conditions: [] };
    cluster.beforePatch = () => cluster.put({ ...route, status: { parents: [theirs] } });
    const ours = {
      parentRef: { name: 'a' },
      controllerName: CONTROLLER_NAME,
      conditions: [accepted('2024-01-01T00:00:00Z')],
    };
    leader$.next(true);
    status$.next(report([{ ...route, status: { parents: [ours] } }]));
    await writer.idle();
    expect(writer.stats()).toMatchObject({ writes: 1, conflicts: 1, errors: 0 });
    expect(cluster.get('HTTPRoute', 'r', 'default')?.status).toEqual({ parents: [theirs, ours] });
    writer.stop();
  });

  it('writes a status again when the live one changed under it, even from the same computed object', async () => {
    const { cluster, status$, leader$, writer } = setup();
    cluster.put(gatewayClass);
    cluster.put(gateway('a'));
    const computed = resourceStatus({ ...gateway('a'), status: { conditions: [accepted('2024-01-01T00:00:00Z')] } });
    const send = async (): Promise<void> => {
      status$.next({ synced: true, resources: [computed], errors: [], warnings: [] });
      await writer.idle();
    };
    leader$.next(true);
    await send();
    await send();
    // The same computed object against the same live one: nothing to write.
    expect(writer.stats().writes).toBe(1);
    // Someone else writes the Gateway's status: the next report puts Portico's back.
    cluster.put({ ...cluster.get('Gateway', 'a', 'default')!, status: { conditions: [] } });
    await send();
    expect(writer.stats().writes).toBe(2);
    expect(cluster.get('Gateway', 'a', 'default')?.status).toEqual(computed.status);
    await send();
    expect(writer.stats().writes).toBe(2);
    writer.stop();
  });

  it('does not write onto a newer generation than the status was computed for', async () => {
    const { cluster, status$, leader$, writer } = setup();
    cluster.put(gatewayClass);
    cluster.put({ ...gateway('a'), metadata: { ...gateway('a').metadata, generation: 2 } });
    leader$.next(true);
    status$.next(report([{ ...gateway('a'), status: { conditions: [accepted('2024-01-01T00:00:00Z')] } }]));
    await writer.idle();
    expect(cluster.patches).toHaveLength(0);
    writer.stop();
  });

  it('stops writing the moment leadership is lost', async () => {
    const { cluster, status$, leader$, writer } = setup();
    cluster.put(gatewayClass);
    for (const name of ['a', 'b', 'c']) cluster.put(gateway(name));
    leader$.next(true);
    // Leadership is lost while the first write is being made.
    cluster.beforePatch = () => leader$.next(false);
    status$.next(
      report(
        ['a', 'b', 'c'].map((name) => ({
          ...gateway(name),
          status: { conditions: [accepted('2024-01-01T00:00:00Z')] },
        })),
      ),
    );
    await writer.idle();
    expect(cluster.patches.length).toBeLessThanOrEqual(1);
    writer.stop();
  });
});
