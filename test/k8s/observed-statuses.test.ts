/**
 * Statuses Portico writes come back as status-only updates, which the edge filter keeps out of the
 * pipeline and `ObservedStatuses` lays over the next translation, for every kind Portico writes a
 * status for. Against a real API server, for the two policy kinds of the experimental group
 * (XBackend, XTelemetryPolicy): the status Portico computes (its status report, `/debug/status`)
 * starts from the live one — another controller's entry written since is in it, and Portico's
 * condition keeps the `lastTransitionTime` the cluster has — and Portico takes back its own entry
 * once it no longer applies, leaving the other controller's.
 */
import type { KubeApi } from '../../src/kube-client/kube-api.js';
import type { Condition, KubeObject, PolicyAncestorStatus } from '../../src/resources/types.js';
import { CONTROLLER_NAME, GATEWAY_GROUP, GATEWAY_X_GROUP } from '../../src/resources/types.js';
import { startRecordedPortico, type RecordedPortico } from './recorded-portico.js';
import {
  connectTestCluster,
  create,
  createWebBackend,
  eventually,
  get,
  patch,
  remove,
  sleep,
  uniqueName,
} from './test-cluster.js';

const OTHER_CONTROLLER = 'example.com/other-controller';

describe('observed statuses against a real API server', () => {
  let api: KubeApi;
  let kubeconfig: string;
  const ns = uniqueName('portico-observed');
  const className = uniqueName('portico');
  let portico: RecordedPortico | undefined;

  const gateway = (name: string, port: number): KubeObject => ({
    apiVersion: `${GATEWAY_GROUP}/v1`,
    kind: 'Gateway',
    metadata: { name, namespace: ns },
    spec: { gatewayClassName: className, listeners: [{ name: 'http', protocol: 'HTTP', port }] },
  });

  const route = (backendRef: Record<string, unknown>): KubeObject => ({
    apiVersion: `${GATEWAY_GROUP}/v1`,
    kind: 'HTTPRoute',
    metadata: { name: 'to-xbackend', namespace: ns },
    spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [backendRef] }] },
  });

  const createService = (name: string) =>
    create(api, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: ns },
      spec: { ports: [{ port: 80, targetPort: 8080 }] },
    });

  /** Portico's entry in the object's `status.ancestors`, if it has one. */
  async function ourAncestor(kind: string, name: string): Promise<PolicyAncestorStatus | undefined> {
    return (await ancestorsOf(kind, name)).find((a) => a.controllerName === CONTROLLER_NAME);
  }

  const theirAncestor = (gateway: string): PolicyAncestorStatus => ({
    ancestorRef: { group: GATEWAY_GROUP, kind: 'Gateway', namespace: ns, name: gateway },
    controllerName: OTHER_CONTROLLER,
    conditions: [
      {
        type: 'Accepted',
        status: 'True',
        reason: 'Accepted',
        message: 'theirs',
        observedGeneration: 1,
        lastTransitionTime: '2024-01-01T00:00:00Z',
      },
    ],
  });

  async function ancestorsOf(kind: string, name: string): Promise<PolicyAncestorStatus[]> {
    const object = await get(api, kind, name, ns);
    return (object?.status as { ancestors?: PolicyAncestorStatus[] } | undefined)?.ancestors ?? [];
  }

  /** The ancestors of `kind` `name` in Portico's latest status report. */
  function reportedAncestors(kind: string, name: string): PolicyAncestorStatus[] {
    const report = portico?.reports.at(-1);
    const object = report?.resources.find(
      (r) => r.kind === kind && r.metadata.name === name && r.metadata.namespace === ns,
    );
    return (object?.status as { ancestors?: PolicyAncestorStatus[] } | undefined)?.ancestors ?? [];
  }

  const accepted = (entry: PolicyAncestorStatus | undefined): Condition | undefined =>
    entry?.conditions?.find((c) => c.type === 'Accepted');

  beforeAll(async () => {
    const cluster = await connectTestCluster();
    api = cluster.api;
    kubeconfig = cluster.kubeconfig;
    await create(api, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await create(api, {
      apiVersion: `${GATEWAY_GROUP}/v1`,
      kind: 'GatewayClass',
      metadata: { name: className },
      spec: { controllerName: CONTROLLER_NAME },
    });
    await create(api, gateway('gw', 8080));
    await create(api, gateway('gw2', 8081));
    await createWebBackend(api, ns);
    await create(api, {
      apiVersion: `${GATEWAY_X_GROUP}/v1alpha1`,
      kind: 'XBackend',
      metadata: { name: 'xb', namespace: ns },
      spec: { type: 'EndpointSelector', port: { number: 8080 }, endpointSelector: { matchLabels: { app: 'web' } } },
    });
    await create(api, route({ group: GATEWAY_X_GROUP, kind: 'XBackend', name: 'xb' }));
    await create(api, {
      apiVersion: `${GATEWAY_X_GROUP}/v1alpha1`,
      kind: 'XTelemetryPolicy',
      metadata: { name: 'tracing', namespace: ns },
      spec: {
        targetRefs: [{ group: GATEWAY_GROUP, kind: 'Gateway', name: 'gw2' }],
        tracing: { mode: 'Enabled', provider: { backendRef: { name: 'web', port: 80 } } },
      },
    });
  });

  afterAll(async () => {
    await remove(api, 'Namespace', ns).catch(() => undefined);
    await remove(api, 'GatewayClass', className).catch(() => undefined);
  });

  const startPortico = (): RecordedPortico =>
    (portico = startRecordedPortico({
      kubeconfig,
      leaseNamespace: ns,
      leaseName: uniqueName('lease'),
      identity: uniqueName('replica'),
    }));

  afterEach(async () => {
    await portico?.stop();
  });

  it('reports XBackend and XTelemetryPolicy status from the live one: other controllers’ later entries, the live lastTransitionTime', async () => {
    startPortico();
    const ours = await eventually('Portico’s ancestor entries on the XBackend and the XTelemetryPolicy', async () => {
      const xb = await ourAncestor('XBackend', 'xb');
      const tp = await ourAncestor('XTelemetryPolicy', 'tracing');
      return accepted(xb)?.status === 'True' && accepted(tp)?.status === 'True' ? { xb: xb!, tp: tp! } : undefined;
    });
    // Another controller adds its entry after Portico's (a merge patch replaces the whole list).
    await patch(api, 'XBackend', 'xb', ns, { status: { ancestors: [theirAncestor('their-gw'), ours.xb] } }, '/status');
    await patch(
      api,
      'XTelemetryPolicy',
      'tracing',
      ns,
      { status: { ancestors: [theirAncestor('gw2'), ours.tp] } },
      '/status',
    );
    // Something else changes, a second later, so that a restamped condition would show: the next translation.
    await sleep(1100);
    await createService('other');
    await eventually('a status report with the other controller’s entries', async () =>
      reportedAncestors('XBackend', 'xb').some((a) => a.controllerName === OTHER_CONTROLLER) &&
      reportedAncestors('XTelemetryPolicy', 'tracing').some((a) => a.controllerName === OTHER_CONTROLLER)
        ? true
        : undefined,
    );
    for (const [kind, name, live] of [
      ['XBackend', 'xb', ours.xb],
      ['XTelemetryPolicy', 'tracing', ours.tp],
    ] as const) {
      const reported = reportedAncestors(kind, name);
      expect(reported).toContainEqual(theirAncestor(kind === 'XBackend' ? 'their-gw' : 'gw2'));
      const mine = reported.find((a) => a.controllerName === CONTROLLER_NAME);
      expect(accepted(mine)?.lastTransitionTime).toBe(accepted(live)?.lastTransitionTime);
    }
    expect(portico!.writer.stats().errors).toBe(0);
  }, 60_000);

  it('takes back its XBackend and XTelemetryPolicy ancestors once they no longer apply', async () => {
    startPortico();
    // Portico's entries are on both (written in the test before, or now).
    await eventually('Portico’s ancestor entries on the XBackend and the XTelemetryPolicy', async () => {
      const xb = accepted(await ourAncestor('XBackend', 'xb'));
      const tp = accepted(await ourAncestor('XTelemetryPolicy', 'tracing'));
      return xb?.status === 'True' && tp?.status === 'True' ? true : undefined;
    });

    // Neither object's spec changes: the route stops using the XBackend, and gw2 stops being Portico's.
    await patch(api, 'HTTPRoute', 'to-xbackend', ns, {
      spec: { rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
    });
    await patch(api, 'Gateway', 'gw2', ns, { spec: { gatewayClassName: uniqueName('not-portico') } });

    await eventually('Portico’s XBackend ancestor to be taken back', async () =>
      (await ourAncestor('XBackend', 'xb')) === undefined ? true : undefined,
    );
    await eventually('Portico’s XTelemetryPolicy ancestor to be taken back', async () =>
      (await ourAncestor('XTelemetryPolicy', 'tracing')) === undefined ? true : undefined,
    );
    expect(await ancestorsOf('XBackend', 'xb')).toEqual([theirAncestor('their-gw')]);
    expect(await ancestorsOf('XTelemetryPolicy', 'tracing')).toEqual([theirAncestor('gw2')]);
    expect(portico!.writer.stats().errors).toBe(0);
  }, 60_000);
});
