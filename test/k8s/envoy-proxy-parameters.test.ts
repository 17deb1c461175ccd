/**
 * EnvoyProxyParameters against the REAL API server, with the CRD of manifests/ installed:
 * - the CRD's schema refuses what Portico's own validation refuses, and takes what it takes;
 * - Portico's Kubernetes path (informers → pipeline → status writer, and the provisioner) with a
 *   GatewayClass naming defaults and a Gateway overriding them: the Deployment and Service follow
 *   the merged parameters and every later change of a parameters object; a reference that cannot
 *   be used gives InvalidParameters (class and Gateway), and the Envoy objects of a Gateway that
 *   was running are held as they were, then follow again once it is fixed.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { GatewayProvisioner } from '../../src/infra/kubernetes/reconciler.js';
import { PROMETHEUS_ANNOTATIONS, provisionedName } from '../../src/infra/kubernetes/resources.js';
import { APPLY_PATCH, isNotFound } from '../../src/kube-client/kube-api.js';
import type { KubeApi } from '../../src/kube-client/kube-api.js';
import { KUBECTL_YAML_OPTIONS } from '../../src/resources/kubectl-yaml.js';
import type { Condition, KubeObject } from '../../src/resources/types.js';
import { readParameters } from '../../src/resources/read/envoy-proxy-parameters.js';
import * as fixtures from '../support/fixtures.js';
import { startRecordedPortico } from './recorded-portico.js';
import type { RecordedPortico } from './recorded-portico.js';
import { connectTestCluster, create, eventually, get, patch, remove, uniqueName } from './test-cluster.js';
import type { TestCluster } from './test-cluster.js';

const CRD_FILE = 'manifests/crd-envoyproxyparameters.yaml';
const CRD_NAME = 'envoyproxyparameters.gateway.portico.dev';
const API_VERSION = 'gateway.portico.dev/v1alpha1';
const REF = { group: 'gateway.portico.dev', kind: 'EnvoyProxyParameters' };

interface Deployment {
  spec: {
    replicas: number;
    template: {
      spec: {
        nodeSelector?: Record<string, string>;
        tolerations?: unknown[];
        containers: { image: string; args: string[]; resources: unknown }[];
      };
    };
  };
}
interface Service {
  metadata: { annotations?: Record<string, string> };
  spec: { type: string; externalTrafficPolicy?: string; ports: { nodePort?: number }[] };
}

/** Installs the CRD of manifests/ (server-side apply, as the README's install does) and waits until it is served. */
async function installCrd(api: KubeApi): Promise<void> {
  const crd = parseAllDocuments(readFileSync(CRD_FILE, 'utf8'), KUBECTL_YAML_OPTIONS)[0]!.toJS() as unknown;
  await api.request({
    method: 'PATCH',
    path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD_NAME}`,
    query: { fieldManager: 'portico-test', force: 'true' },
    contentType: APPLY_PATCH,
    body: crd,
  });
  await eventually('the EnvoyProxyParameters CRD served', async () => {
    const list = await api.request<{ resources?: { name: string }[] }>({ path: `/apis/${API_VERSION}` });
    return list.resources?.some((r) => r.name === 'envoyproxyparameters') ? true : undefined;
  });
}

function conditionOf(object: KubeObject | undefined, type: string): Condition | undefined {
  return (object?.status as { conditions?: Condition[] } | undefined)?.conditions?.find((c) => c.type === type);
}

describe('EnvoyProxyParameters (real API server)', () => {
  let cluster: TestCluster;
  let api: KubeApi;
  let paramsNs: string;
  let ns: string;
  let className: string;
  let portico: RecordedPortico | undefined;
  let provisioner: GatewayProvisioner | undefined;

  const parameters = (namespace: string, name: string, spec: unknown): KubeObject => ({
    apiVersion: API_VERSION,
    kind: 'EnvoyProxyParameters',
    metadata: { name, namespace },
    spec,
  });
  const gateway = (name: string, parametersRef?: Record<string, unknown>): KubeObject =>
    fixtures.gateway({
      name,
      namespace: ns,
      className,
      spec: parametersRef ? { infrastructure: { parametersRef } } : {},
    });
  const deploymentOf = async (gatewayName: string): Promise<Deployment | undefined> => {
    try {
      return await api.request<Deployment>({
        path: `/apis/apps/v1/namespaces/${ns}/deployments/${provisionedName(gatewayName)}`,
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  const serviceOf = (gatewayName: string): Promise<Service> =>
    api.request<Service>({ path: `/api/v1/namespaces/${ns}/services/${provisionedName(gatewayName)}` });
  /** The provisioner writes the Deployment before the Service: wait for the Service to exist. */
  const serviceOnceCreated = (gatewayName: string): Promise<Service> =>
    eventually(`the Service of ${gatewayName}`, async () => {
      try {
        return await serviceOf(gatewayName);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    });
  const logLevel = (deployment: Deployment | undefined): string | undefined => {
    const args = deployment?.spec.template.spec.containers[0]?.args ?? [];
    return args[args.indexOf('--log-level') + 1];
  };
  /** Waits until the Gateway's Accepted condition has this reason (for its current generation). */
  const accepted = async (name: string, reason: string): Promise<Condition> =>
    eventually(`Gateway ${name} Accepted/${reason}`, async () => {
      const gw = await get(api, 'Gateway', name, ns);
      const c = conditionOf(gw, 'Accepted');
      return c?.reason === reason && c.observedGeneration === gw?.metadata.generation ? c : undefined;
    });

  beforeAll(async () => {
    cluster = await connectTestCluster();
    api = cluster.api;
    await installCrd(api);
    paramsNs = uniqueName('portico-params-class');
    ns = uniqueName('portico-params');
    className = uniqueName('portico-params');
    for (const name of [paramsNs, ns]) await create(api, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  });

  afterAll(async () => {
    if (!api) return;
    provisioner?.stop();
    await portico?.stop();
    // This API server has no garbage collector: remove what was provisioned.
    await provisioner?.reconcile([]);
    await remove(api, 'GatewayClass', className);
    for (const name of [ns, paramsNs]) await remove(api, 'Namespace', name);
  });

  it("refuses with its CRD what Portico's validation refuses, and takes what it takes", async () => {
    const cases: [string, unknown][] = [
      [
        'everything',
        {
          deployment: {
            replicas: 2,
            image: 'registry.example/envoy:v1.40.0',
            logLevel: 'warning',
            resources: { requests: { cpu: 1, memory: '64Mi' }, limits: { cpu: '1500m', memory: '1Gi' } },
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            tolerations: [
              { key: 'dedicated', operator: 'Equal', value: 'edge', effect: 'NoSchedule' },
              { operator: 'Exists' },
            ],
          },
          service: { type: 'NodePort', externalTrafficPolicy: 'Local', annotations: { 'example.com/lb': 'internal' } },
        },
      ],
      ['nothing', {}],
      ['replicas below 0', { deployment: { replicas: -1 } }],
      ['replicas above the bound', { deployment: { replicas: 1001 } }],
      ['an image with a space', { deployment: { image: 'envoy latest' } }],
      ['an unknown log level', { deployment: { logLevel: 'loud' } }],
      ['a negative quantity', { deployment: { resources: { requests: { cpu: '-1' } } } }],
      ['a negative integer quantity', { deployment: { resources: { limits: { memory: -5 } } } }],
      ['a quantity with a bad suffix', { deployment: { resources: { requests: { memory: '1GB' } } } }],
      [
        'a request above its limit',
        { deployment: { resources: { requests: { cpu: '2' }, limits: { cpu: '1500m' } } } },
      ],
      [
        'a request at its limit',
        { deployment: { resources: { requests: { memory: '1Gi' }, limits: { memory: '1024Mi' } } } },
      ],
      ['a nodeSelector key that is no label key', { deployment: { nodeSelector: { 'bad key': 'x' } } }],
      ['a nodeSelector value that is no label value', { deployment: { nodeSelector: { zone: 'a b' } } }],
      ['a toleration of every key that is not Exists', { deployment: { tolerations: [{ operator: 'Equal' }] } }],
      [
        'an Exists toleration with a value',
        { deployment: { tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] } },
      ],
      [
        'a toleration key with a prefix too long',
        { deployment: { tolerations: [{ key: `${'a'.repeat(254)}/k`, operator: 'Exists' }] } },
      ],
      ['tolerationSeconds without NoExecute', { deployment: { tolerations: [{ key: 'k', tolerationSeconds: 5 }] } }],
      [
        'tolerationSeconds with NoExecute',
        { deployment: { tolerations: [{ key: 'k', effect: 'NoExecute', tolerationSeconds: 5 }] } },
      ],
      ['an unknown Service type', { service: { type: 'ExternalName' } }],
      [
        'externalTrafficPolicy on a ClusterIP Service',
        { service: { type: 'ClusterIP', externalTrafficPolicy: 'Local' } },
      ],
      ['a reserved annotation', { service: { annotations: { 'portico.dev/x': 'v' } } }],
      ['an annotation key that is no key', { service: { annotations: { 'a b': 'v' } } }],
    ];
    const verdicts: string[] = [];
    for (const [what, spec] of cases) {
      let refusedByCrd: string | undefined;
      try {
        await api.request({
          method: 'POST',
          path: `/apis/${API_VERSION}/namespaces/${ns}/envoyproxyparameters`,
          query: { dryRun: 'All', fieldValidation: 'Strict' },
          body: parameters(ns, 'probe', spec),
        });
      } catch (err) {
        refusedByCrd = (err as Error).message;
      }
      const read = readParameters(spec);
      verdicts.push(`${what}: CRD ${refusedByCrd ? 'refuses' : 'takes'}, Portico ${read.ok ? 'takes' : 'refuses'}`);
      expect(`${what}: ${refusedByCrd === undefined}`).toBe(`${what}: ${read.ok}`);
    }
    expect(verdicts.filter((v) => v.includes('takes, Portico takes'))).toHaveLength(4);
  });

  it('provisions from the class defaults and the Gateway overrides, follows changes, and holds a Gateway whose parameters cannot be used', async () => {
    await create(
      api,
      parameters(paramsNs, 'defaults', {
        deployment: {
          replicas: 2,
          logLevel: 'warning',
          resources: { limits: { memory: '512Mi' } },
          nodeSelector: { 'kubernetes.io/os': 'linux' },
        },
        service: { type: 'NodePort', annotations: { 'example.com/lb': 'internal' } },
      }),
    );
    await create(
      api,
      parameters(ns, 'mine', {
        deployment: { replicas: 3 },
        service: { type: 'ClusterIP' },
      }),
    );
    await create(
      api,
      fixtures.gatewayClass({ name: className, parametersRef: { ...REF, name: 'defaults', namespace: paramsNs } }),
    );
    await create(api, gateway('inherits'));
    await create(api, gateway('overrides', { ...REF, name: 'mine' }));

    portico = startRecordedPortico({
      kubeconfig: cluster.kubeconfig,
      leaseNamespace: ns,
      leaseName: uniqueName('lease'),
      identity: 'parameters-test',
    });
    provisioner = new GatewayProvisioner({
      api,
      controllerNamespace: 'portico-system',
      xds: { host: 'portico-xds.portico-system.svc', port: 18000 },
      tls: false,
    });
    provisioner.start(portico.pipeline.output$, portico.source.elector.isLeader$);

    // The class's defaults, and the Gateway's overrides over them.
    await eventually('the GatewayClass accepted', async () => {
      const c = conditionOf(await get(api, 'GatewayClass', className), 'Accepted');
      return c?.status === 'True' ? c : undefined;
    });
    await accepted('inherits', 'Accepted');
    await accepted('overrides', 'Accepted');
    const inherits = await eventually('the Deployment of inherits', () => deploymentOf('inherits'));
    expect(inherits.spec.replicas).toBe(2);
    expect(logLevel(inherits)).toBe('warning');
    expect(inherits.spec.template.spec.containers[0]!.resources).toEqual({
      requests: { cpu: '100m' },
      limits: { memory: '512Mi' },
    });
    const inheritsService = await serviceOnceCreated('inherits');
    expect(inheritsService.spec.type).toBe('NodePort');
    expect(inheritsService.metadata.annotations).toEqual({ ...PROMETHEUS_ANNOTATIONS, 'example.com/lb': 'internal' });
    const overrides = await eventually('the Deployment of overrides', () => deploymentOf('overrides'));
    expect(overrides.spec.replicas).toBe(3);
    expect(logLevel(overrides)).toBe('warning');
    // Placement comes from the class's parameters only.
    expect(inherits.spec.template.spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(overrides.spec.template.spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect((await serviceOnceCreated('overrides')).spec.type).toBe('ClusterIP');

    // A change of the Gateway's parameters object: the Deployment and Service follow.
    await patch(api, 'EnvoyProxyParameters', 'mine', ns, {
      spec: { deployment: { replicas: 4 }, service: { type: 'LoadBalancer', externalTrafficPolicy: 'Local' } },
    });
    await eventually('overrides scaled to 4 behind a LoadBalancer Service', async () => {
      const [deployment, service] = [await deploymentOf('overrides'), await serviceOf('overrides')];
      return deployment?.spec.replicas === 4 &&
        service.spec.type === 'LoadBalancer' &&
        service.spec.externalTrafficPolicy === 'Local'
        ? true
        : undefined;
    });
    // Back to ClusterIP: the API server takes the change (the traffic policy goes with the type).
    await patch(api, 'EnvoyProxyParameters', 'mine', ns, {
      spec: { service: { type: 'ClusterIP', externalTrafficPolicy: null } },
    });
    await eventually('overrides behind a ClusterIP Service again', async () => {
      const service = await serviceOf('overrides');
      return service.spec.type === 'ClusterIP' && service.spec.externalTrafficPolicy === undefined ? true : undefined;
    });
    // The Gateway's own parameters choosing the image: InvalidParameters, and its Envoy is held
    // (the image stays Portico's); taking the field out makes it Accepted again.
    const imageBefore = (await deploymentOf('overrides'))?.spec.template.spec.containers[0]?.image;
    await patch(api, 'EnvoyProxyParameters', 'mine', ns, {
      spec: { deployment: { image: 'registry.example/not-envoy:latest' } },
    });
    const ownImage = await accepted('overrides', 'InvalidParameters');
    expect(ownImage.message).toContain('sets spec.deployment.image');
    await provisioner.idle();
    expect((await deploymentOf('overrides'))?.spec.template.spec.containers[0]?.image).toBe(imageBefore);
    await patch(api, 'EnvoyProxyParameters', 'mine', ns, { spec: { deployment: { image: null } } });
    await accepted('overrides', 'Accepted');

    // A change of the class's: both Gateways follow (README: class parameters propagate).
    await patch(api, 'EnvoyProxyParameters', 'defaults', paramsNs, { spec: { deployment: { logLevel: 'error' } } });
    await eventually('both Deployments at log level error', async () =>
      logLevel(await deploymentOf('inherits')) === 'error' && logLevel(await deploymentOf('overrides')) === 'error'
        ? true
        : undefined,
    );

    // The Gateway names parameters that do not exist: InvalidParameters, and its Envoy is held.
    await patch(api, 'Gateway', 'overrides', ns, {
      spec: { infrastructure: { parametersRef: { ...REF, name: 'later' } } },
    });
    const invalid = await accepted('overrides', 'InvalidParameters');
    expect(invalid).toMatchObject({ status: 'False' });
    expect(invalid.message).toContain('EnvoyProxyParameters.gateway.portico.dev');
    expect(invalid.message).toContain('later not found');
    expect(conditionOf(await get(api, 'Gateway', 'overrides', ns), 'Programmed')).toMatchObject({ status: 'False' });
    // Another change of the class's parameters reaches the Gateway that can use them, not the held one.
    await patch(api, 'EnvoyProxyParameters', 'defaults', paramsNs, { spec: { deployment: { replicas: 5 } } });
    await eventually('inherits scaled to 5', async () =>
      (await deploymentOf('inherits'))?.spec.replicas === 5 ? true : undefined,
    );
    await provisioner.idle();
    const held = await deploymentOf('overrides');
    expect(held?.spec.replicas).toBe(4);
    expect((await serviceOf('overrides')).spec.type).toBe('ClusterIP');

    // Once the object exists, the Gateway is accepted and provisioned from it again.
    await create(api, parameters(ns, 'later', { deployment: { replicas: 1 } }));
    await accepted('overrides', 'Accepted');
    await eventually('overrides provisioned from its new parameters', async () => {
      const [deployment, service] = [await deploymentOf('overrides'), await serviceOf('overrides')];
      return deployment?.spec.replicas === 1 && service.spec.type === 'NodePort' ? true : undefined;
    });

    // What the conformance test GatewayInvalidParametersRef creates: nothing is provisioned for it.
    await create(api, gateway('invalid-ref', { group: 'invalid.io', kind: 'InvalidParameters', name: 'invalid' }));
    await accepted('invalid-ref', 'InvalidParameters');
    await provisioner.idle();
    expect(await deploymentOf('invalid-ref')).toBeUndefined();

    // The class's parameters deleted: the class is InvalidParameters, its Gateways too, and held.
    await remove(api, 'EnvoyProxyParameters', 'defaults', paramsNs);
    await eventually('the GatewayClass InvalidParameters', async () => {
      const c = conditionOf(await get(api, 'GatewayClass', className), 'Accepted');
      return c?.reason === 'InvalidParameters' ? c : undefined;
    });
    const heldByClass = await accepted('inherits', 'InvalidParameters');
    expect(heldByClass.message).toContain(`the parametersRef of GatewayClass ${className}`);
    await provisioner.idle();
    expect((await deploymentOf('inherits'))?.spec.replicas).toBe(5);
    expect((await deploymentOf('overrides'))?.spec.replicas).toBe(1);
    expect(portico.logger.lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});
