/** The restarting wrapper around client-node's informer, with a scripted informer (no API server). */
import type { KubernetesObject } from '@kubernetes/client-node';
import { describeWatchError, RestartingInformer } from '../../src/k8s/informer.js';
import type { InformerLike, ListFn } from '../../src/k8s/informer.js';
import { resolveKind, WATCHED_KINDS } from '../../src/k8s/kinds.js';
import { ApiError } from '../../src/kube-client/kube-api.js';
import type { KubeApi } from '../../src/kube-client/kube-api.js';
import { silentLogger } from '../../src/shared/logger.js';
import type { KubeObject } from '../../src/resources/types.js';

const serviceKind = resolveKind(
  WATCHED_KINDS.find((k) => k.kind === 'Service')!,
  'v1',
);

/** Fails its first `failures` starts like client-node does (error callback, informer stopped), then lists. */
class ScriptedInformer {
  starts = 0;
  private readonly callbacks = new Map<string, ((arg?: unknown) => void)[]>();
  private objects: KubernetesObject[] = [];

  constructor(
    private failures: number,
    private readonly listFn: ListFn,
  ) {}

  on(verb: string, cb: (arg?: unknown) => void): void {
    this.callbacks.set(verb, [...(this.callbacks.get(verb) ?? []), cb]);
  }
  off(): void {}
  async start(): Promise<void> {
    this.starts += 1;
    if (this.failures > 0) {
      this.failures -= 1;
      for (const cb of this.callbacks.get('error') ?? []) cb(Object.assign(new Error('connect ECONNREFUSED'), {}));
      return;
    }
    const list = await this.listFn();
    this.objects = list.items;
    for (const item of list.items) for (const cb of this.callbacks.get('add') ?? []) cb(item);
  }
  async stop(): Promise<void> {}
  get(name: string): KubernetesObject | undefined {
    return this.objects.find((o) => o.metadata?.name === name);
  }
  list(): ReadonlyArray<KubernetesObject> {
    return this.objects;
  }
}

const api: KubeApi = {
  server: 'https://fake',
  request: async <T>() =>
    ({ metadata: { resourceVersion: '7' }, items: [{ metadata: { name: 'web', namespace: 'default' } }] }) as T,
};

describe('RestartingInformer', () => {
  it('restarts a failed informer with backoff and reports the first list once', async () => {
    let scripted: ScriptedInformer | undefined;
    const upserts: KubeObject[] = [];
    let listed = 0;
    const informer = new RestartingInformer(
      serviceKind,
      { upsert: (o) => upserts.push(o), delete: () => undefined, listed: () => (listed += 1) },
      {
        api,
        logger: silentLogger,
        backoff: { initialMs: 5, maxMs: 20, jitter: 0 },
        factory: (_kind, list) => (scripted = new ScriptedInformer(3, list)) as unknown as InformerLike,
      },
    );
    informer.start();
    const deadline = Date.now() + 5_000;
    while (listed === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(scripted!.starts).toBe(4);
    expect(listed).toBe(1);
    // List items carry no kind: the informer adds it.
    expect(upserts).toEqual([{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' } }]);
    expect(informer.get('web', 'default')?.kind).toBe('Service');
    await informer.stop();
  });

  it('says what to do about an error', () => {
    const gw = resolveKind(
      WATCHED_KINDS.find((k) => k.kind === 'Gateway')!,
      'v1',
    );
    expect(describeWatchError(new ApiError(404, 'not found'), gw).message).toMatch(/install the Gateway API CRDs/);
    expect(describeWatchError(new ApiError(403, 'forbidden'), gw).message).toMatch(/grant list and watch on gateways/);
    expect(describeWatchError(Object.assign(new Error('Forbidden'), { statusCode: 403 }), gw).message).toMatch(
      /RBAC|grant/,
    );
    expect(describeWatchError(new Error('connect ECONNREFUSED 127.0.0.1:6443'), gw)).toEqual({
      message: expect.stringMatching(/--kubeconfig/),
      unreachable: true,
    });
  });
});
