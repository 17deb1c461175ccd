/**
 * EnvoyProxyParameters: Portico's own validation of the kind (the same bounds as the CRD, which
 * test/k8s/envoy-proxy-parameters.test.ts checks against the real API server), the merge of a
 * class's and a Gateway's parameters, the references that name them, the Gateway statuses they
 * give, and the Deployment and Service the provisioner makes from them.
 */
import { BehaviorSubject, of } from 'rxjs';
import type { IrProxyParameters } from '../../../src/ir/types.js';
import { GatewayProvisioner } from '../../../src/infra/kubernetes/reconciler.js';
import { containerResources, desiredObjects, PROMETHEUS_ANNOTATIONS } from '../../../src/infra/kubernetes/resources.js';
import { buildResourceSet } from '../../../src/resources/resource-set.js';
import type { Condition, Gateway, GatewayClass, KubeObject } from '../../../src/resources/types.js';
import { mergedProblems, readParameters } from '../../../src/resources/read/envoy-proxy-parameters.js';
import { quantityValue } from '../../../src/shared/quantity.js';
import { mergeParameters } from '../../../src/translate/gatewayapi/envoy-proxy-parameters.js';
import { translateGatewayApi } from '../../../src/translate/gatewayapi/index.js';
import { classParameters, gatewayInfrastructure } from '../../../src/translate/gatewayapi/parameters-ref.js';
import * as fixtures from '../../support/fixtures.js';

const REF = { group: 'gateway.portico.dev', kind: 'EnvoyProxyParameters' };

function parametersObject(namespace: string, name: string, spec: unknown): KubeObject {
  return {
    apiVersion: 'gateway.portico.dev/v1alpha1',
    kind: 'EnvoyProxyParameters',
    metadata: { name, namespace },
    spec,
  };
}

function gatewayClass(name: string, parametersRef?: Record<string, unknown>): GatewayClass {
  return fixtures.gatewayClass({ name, generation: 1, ...(parametersRef ? { parametersRef } : {}) }) as GatewayClass;
}

function gateway(name: string, className: string, parametersRef?: Record<string, unknown>): Gateway {
  return fixtures.gateway({
    name,
    namespace: 'apps',
    generation: 1,
    uid: `uid-${name}`,
    className,
    listeners: [fixtures.listener('http', 80)],
    spec: parametersRef ? { infrastructure: { parametersRef } } : {},
  }) as Gateway;
}

describe('reading an EnvoyProxyParameters', () => {
  it('takes every field within its bounds', () => {
    const spec = {
      deployment: {
        replicas: 3,
        image: 'registry.example/envoy:v1.40.0',
        logLevel: 'debug',
        resources: { requests: { cpu: 1, memory: '64Mi' }, limits: { cpu: '1500m', memory: '1Gi' } },
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        tolerations: [
          { key: 'dedicated', operator: 'Equal', value: 'edge', effect: 'NoSchedule' },
          { operator: 'Exists' },
          { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
        ],
      },
      service: { type: 'NodePort', externalTrafficPolicy: 'Local', annotations: { 'example.com/lb': 'internal' } },
    };
    const read = readParameters(spec);
    expect(read).toEqual({
      ok: true,
      parameters: {
        ...spec,
        // An integer quantity is read as the quantity it is.
        deployment: {
          ...spec.deployment,
          resources: { ...spec.deployment.resources, requests: { cpu: '1', memory: '64Mi' } },
        },
      },
    });
    expect(readParameters(undefined)).toEqual({ ok: true, parameters: {} });
    expect(readParameters({})).toEqual({ ok: true, parameters: {} });
  });

  it.each([
    [
      'replicas below 0',
      { deployment: { replicas: -1 } },
      'spec.deployment.replicas: -1 must be a whole number from 0 to 1000',
    ],
    ['replicas not whole', { deployment: { replicas: 1.5 } }, 'spec.deployment.replicas'],
    ['replicas above the bound', { deployment: { replicas: 1001 } }, 'spec.deployment.replicas'],
    ['an image with a space', { deployment: { image: 'envoy latest' } }, 'spec.deployment.image'],
    ['an empty image', { deployment: { image: '' } }, 'spec.deployment.image'],
    ['an unknown log level', { deployment: { logLevel: 'loud' } }, 'spec.deployment.logLevel: "loud" is not one of'],
    ['a negative quantity', { deployment: { resources: { requests: { cpu: '-1' } } } }, 'requests.cpu'],
    ['a negative integer quantity', { deployment: { resources: { limits: { memory: -5 } } } }, 'limits.memory'],
    ['a quantity with a bad suffix', { deployment: { resources: { requests: { memory: '1GB' } } } }, 'requests.memory'],
    [
      'a resource Portico does not set',
      { deployment: { resources: { requests: { gpu: '1' } } } },
      'requests.gpu: unknown field',
    ],
    [
      'a request above its limit',
      { deployment: { resources: { requests: { cpu: '2' }, limits: { cpu: '1500m' } } } },
      'the cpu request 2 is above its limit 1500m',
    ],
    [
      'a nodeSelector key that is no label key',
      { deployment: { nodeSelector: { 'bad key': 'x' } } },
      'nodeSelector["bad key"]',
    ],
    [
      'a nodeSelector value that is no label value',
      { deployment: { nodeSelector: { zone: 'a b' } } },
      'nodeSelector["zone"]',
    ],
    [
      'too many nodeSelector entries',
      { deployment: { nodeSelector: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) } },
      'at most 32',
    ],
    [
      'a toleration of every key that is not Exists',
      { deployment: { tolerations: [{ operator: 'Equal', value: 'x' }] } },
      'must be Exists when key is empty',
    ],
    [
      'an Exists toleration with a value',
      { deployment: { tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] } },
      'must be empty when operator is Exists',
    ],
    [
      'tolerationSeconds without NoExecute',
      { deployment: { tolerations: [{ key: 'k', tolerationSeconds: 5 }] } },
      'only with effect NoExecute',
    ],
    ['an unknown effect', { deployment: { tolerations: [{ key: 'k', effect: 'NoWay' }] } }, 'tolerations[0].effect'],
    [
      'an unknown Service type',
      { service: { type: 'ExternalName' } },
      'spec.service.type: "ExternalName" is not one of ClusterIP, NodePort, LoadBalancer',
    ],
    [
      'externalTrafficPolicy on a ClusterIP Service',
      { service: { type: 'ClusterIP', externalTrafficPolicy: 'Local' } },
      'applies only to NodePort and LoadBalancer',
    ],
    [
      'a reserved annotation',
      { service: { annotations: { 'portico.dev/x': 'v' } } },
      'reserved for Gateway API and Portico',
    ],
    ['a non-string annotation', { service: { annotations: { note: true } } }, 'the value must be a string'],
    ['an unknown field', { deployment: { colour: 'blue' } }, 'spec.deployment.colour: unknown field'],
    ['a spec that is not an object', ['x'], 'spec: must be an object'],
  ])('refuses %s', (_what, spec, problem) => {
    const read = readParameters(spec);
    expect(read.ok).toBe(false);
    expect(read.ok ? [] : read.problems.join('\n')).toContain(problem);
  });

  it('reads quantities as Kubernetes does', () => {
    expect(quantityValue('100m')).toBeCloseTo(0.1);
    expect(quantityValue('1')).toBe(1);
    expect(quantityValue('128Mi')).toBe(128 * 2 ** 20);
    expect(quantityValue('1G')).toBe(1e9);
    expect(quantityValue('1e3')).toBe(1000);
    expect(quantityValue('.5')).toBe(0.5);
    for (const bad of ['', '-1', '1GB', '1.2.3', 'm', '1e', '1e1.5', '1 Mi', '1e400'])
      expect(quantityValue(bad)).toBeUndefined();
  });
});

describe("merging a Gateway's parameters over its class's", () => {
  const defaults: IrProxyParameters = {
    deployment: {
      replicas: 2,
      logLevel: 'warning',
      resources: { requests: { cpu: '200m' }, limits: { memory: '512Mi' } },
      nodeSelector: { zone: 'a', pool: 'edge' },
      tolerations: [{ key: 'edge', operator: 'Exists' }],
    },
    service: { type: 'NodePort', annotations: { 'example.com/lb': 'internal', 'example.com/owner': 'ops' } },
  };

  it('keeps what the Gateway leaves out, and takes what it sets, field by field', () => {
    expect(
      mergeParameters(defaults, {
        deployment: {
          replicas: 5,
          resources: { requests: { memory: '256Mi' } },
          nodeSelector: { zone: 'b' },
          tolerations: [{ key: 'gpu', operator: 'Exists' }],
        },
        service: { annotations: { 'example.com/lb': 'public' } },
      }),
    ).toEqual({
      deployment: {
        replicas: 5,
        logLevel: 'warning',
        // Requests and limits merge by resource.
        resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '512Mi' } },
        // Maps merge by key.
        nodeSelector: { zone: 'b', pool: 'edge' },
        // A list is replaced whole.
        tolerations: [{ key: 'gpu', operator: 'Exists' }],
      },
      service: { type: 'NodePort', annotations: { 'example.com/lb': 'public', 'example.com/owner': 'ops' } },
    });
    expect(mergeParameters(defaults, {})).toEqual(defaults);
    expect(mergeParameters({}, defaults)).toEqual(defaults);
  });

  it('finds what only the merge makes invalid', () => {
    expect(
      mergedProblems(mergeParameters(defaults, { deployment: { resources: { requests: { memory: '1Gi' } } } })),
    ).toEqual(['deployment.resources: the memory request 1Gi is above its limit 512Mi']);
    expect(
      mergedProblems(
        mergeParameters(
          { service: { type: 'LoadBalancer', externalTrafficPolicy: 'Local' } },
          { service: { type: 'ClusterIP' } },
        ),
      ),
    ).toEqual(['service.externalTrafficPolicy applies only to NodePort and LoadBalancer Services, not ClusterIP']);
  });
});

describe('parametersRef of a GatewayClass and of a Gateway', () => {
  const resources = buildResourceSet([
    parametersObject('portico-system', 'defaults', {
      deployment: { replicas: 2, resources: { limits: { memory: '512Mi' } } },
    }),
    parametersObject('apps', 'mine', { deployment: { logLevel: 'debug' } }),
    parametersObject('apps', 'greedy', { deployment: { resources: { requests: { memory: '1Gi' } } } }),
    parametersObject('apps', 'broken', { deployment: { replicas: 'many' } }),
    parametersObject('other', 'elsewhere', {}),
    parametersObject('apps', 'own-image', { deployment: { replicas: 2, image: 'attacker.example/miner:latest' } }),
    parametersObject('apps', 'own-placement', {
      deployment: {
        nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
        tolerations: [{ operator: 'Exists' }],
      },
    }),
  ]);
  const problemOf = (ref: Record<string, unknown>) => classParameters(resources, gatewayClass('c', ref)).problem;

  it('resolves a class reference to its namespace, and refuses the others with why', () => {
    expect(classParameters(resources, gatewayClass('c'))).toEqual({});
    expect(
      classParameters(resources, gatewayClass('c', { ...REF, name: 'defaults', namespace: 'portico-system' })),
    ).toEqual({
      parameters: { deployment: { replicas: 2, resources: { limits: { memory: '512Mi' } } } },
    });
    expect(problemOf({ group: '', kind: 'ConfigMap', name: 'x', namespace: 'n' })).toContain(
      "Portico's parameters kind is EnvoyProxyParameters of group gateway.portico.dev",
    );
    expect(problemOf({ ...REF, group: 'example.com', name: 'defaults', namespace: 'portico-system' })).toContain(
      'parameters kind',
    );
    expect(problemOf({ ...REF, name: 'defaults' })).toContain('is namespaced; the reference must give its namespace');
    expect(problemOf({ ...REF, name: 'nowhere', namespace: 'portico-system' })).toBe(
      'parametersRef EnvoyProxyParameters.gateway.portico.dev portico-system/nowhere not found',
    );
    expect(problemOf({ ...REF, name: 'broken', namespace: 'apps' })).toContain(
      'is not valid: spec.deployment.replicas: "many" must be a whole number',
    );
  });

  it("merges a Gateway's own parameters, from its namespace only, over its class's", () => {
    const fromClass = classParameters(
      resources,
      gatewayClass('c', { ...REF, name: 'defaults', namespace: 'portico-system' }),
    );
    expect(gatewayInfrastructure(resources, gateway('g', 'c'), fromClass)).toEqual({
      parameters: fromClass.parameters,
    });
    expect(gatewayInfrastructure(resources, gateway('g', 'c'), {})).toBeUndefined();
    expect(gatewayInfrastructure(resources, gateway('g', 'c', { ...REF, name: 'mine' }), fromClass)).toEqual({
      parameters: { deployment: { replicas: 2, logLevel: 'debug', resources: { limits: { memory: '512Mi' } } } },
    });
    // A LocalParametersReference: the Gateway's namespace, whatever else exists.
    expect(gatewayInfrastructure(resources, gateway('g', 'c', { ...REF, name: 'elsewhere' }), fromClass)).toEqual({
      invalid: 'spec.infrastructure.parametersRef EnvoyProxyParameters.gateway.portico.dev apps/elsewhere not found',
    });
    expect(gatewayInfrastructure(resources, gateway('g', 'c', { ...REF, name: 'greedy' }), fromClass)).toEqual({
      invalid:
        'spec.infrastructure.parametersRef EnvoyProxyParameters.gateway.portico.dev apps/greedy over the parameters of GatewayClass c: deployment.resources: the memory request 1Gi is above its limit 512Mi',
    });
    // The same object alone is fine: only the merge is invalid.
    expect(gatewayInfrastructure(resources, gateway('g', 'c', { ...REF, name: 'greedy' }), {})).toEqual({
      parameters: { deployment: { resources: { requests: { memory: '1Gi' } } } },
    });
    expect(gatewayInfrastructure(resources, gateway('g', 'c', { ...REF, name: 'mine' }), { problem: 'gone' })).toEqual({
      invalid: 'the parametersRef of GatewayClass c: gone',
    });
  });

  it("refuses the image and the Pods' placement from a Gateway's own parameters: only its class's choose them", () => {
    const fromClass = classParameters(
      resources,
      gatewayClass('c', { ...REF, name: 'defaults', namespace: 'portico-system' }),
    );
    // With or without class parameters: the Gateway's author never chooses what runs, or where.
    for (const classParams of [fromClass, {}]) {
      expect(gatewayInfrastructure(resources, gateway('g', 'c', { ...REF, name: 'own-image' }), classParams)).toEqual({
        invalid:
          'spec.infrastructure.parametersRef EnvoyProxyParameters.gateway.portico.dev apps/own-image sets spec.deployment.image: the Envoy image and the placement of its Pods come only from the parameters of the GatewayClass',
      });
      expect(
        gatewayInfrastructure(resources, gateway('g', 'c', { ...REF, name: 'own-placement' }), classParams),
      ).toEqual({
        invalid:
          'spec.infrastructure.parametersRef EnvoyProxyParameters.gateway.portico.dev apps/own-placement sets spec.deployment.nodeSelector, spec.deployment.tolerations: the Envoy image and the placement of its Pods come only from the parameters of the GatewayClass',
      });
    }
    // The same fields from the class (the cluster admin's object) are taken.
    const placedClass = classParameters(
      resources,
      gatewayClass('c', { ...REF, name: 'own-placement', namespace: 'apps' }),
    );
    expect(gatewayInfrastructure(resources, gateway('g', 'c', { ...REF, name: 'mine' }), placedClass)).toEqual({
      parameters: {
        deployment: {
          logLevel: 'debug',
          nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
          tolerations: [{ operator: 'Exists' }],
        },
      },
    });
  });
});

describe('Gateway status and output with parameters', () => {
  const condition = (object: KubeObject | undefined, type: string) =>
    (object?.status as { conditions?: Condition[] } | undefined)?.conditions?.find((c) => c.type === type);

  it('accepts a Gateway with valid parameters and carries them to the provisioner; holds one with invalid ones', () => {
    const result = translateGatewayApi(
      buildResourceSet([
        gatewayClass('portico', { ...REF, name: 'defaults', namespace: 'portico-system' }),
        parametersObject('portico-system', 'defaults', { service: { type: 'NodePort' } }),
        parametersObject('apps', 'mine', { deployment: { replicas: 3 } }),
        gateway('good', 'portico', { ...REF, name: 'mine' }),
        gateway('bad', 'portico', { group: 'invalid.io', kind: 'InvalidParameters', name: 'invalid' }),
      ]),
    );
    const byName = (name: string) => result.resources.find((o) => o.metadata.name === name);
    expect(condition(byName('portico'), 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted' });
    expect(condition(byName('good'), 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted' });
    // What the conformance test GatewayInvalidParametersRef checks.
    expect(condition(byName('bad'), 'Accepted')).toMatchObject({ status: 'False', reason: 'InvalidParameters' });
    expect(condition(byName('bad'), 'Programmed')).toMatchObject({ status: 'False', reason: 'Invalid' });
    expect(result.gateways.map((g) => [g.name, g.infrastructure])).toEqual([
      [
        'apps/bad',
        {
          invalid:
            "spec.infrastructure.parametersRef InvalidParameters.invalid.io apps/invalid: Portico's parameters kind is EnvoyProxyParameters of group gateway.portico.dev",
        },
      ],
      ['apps/good', { parameters: { deployment: { replicas: 3 }, service: { type: 'NodePort' } } }],
    ]);
  });

  it('rejects a class with invalid parameters, and holds its Gateways with InvalidParameters', () => {
    const result = translateGatewayApi(
      buildResourceSet([
        gatewayClass('portico', { ...REF, name: 'nowhere', namespace: 'portico-system' }),
        gateway('gw', 'portico'),
      ]),
    );
    const byName = (name: string) => result.resources.find((o) => o.metadata.name === name);
    expect(condition(byName('portico'), 'Accepted')).toMatchObject({ status: 'False', reason: 'InvalidParameters' });
    expect(condition(byName('gw'), 'Accepted')).toMatchObject({
      status: 'False',
      reason: 'InvalidParameters',
      message: expect.stringContaining('the parametersRef of GatewayClass portico') as unknown,
    });
    expect(result.gateways.map((g) => g.name)).toEqual(['apps/gw']);
  });
});

describe('the Deployment and Service made from parameters', () => {
  const settings = { xds: { host: 'portico-xds.portico-system.svc', port: 18000 }, envoyImage: 'envoy:flag' };
  const gw = {
    ...gateway('gw', 'portico'),
    spec: {
      ...(gateway('gw', 'portico').spec as object),
      infrastructure: { annotations: { 'example.com/lb': 'from-gateway' } },
    },
  } as KubeObject;
  interface Made {
    metadata: { annotations?: Record<string, string> };
    spec: {
      replicas?: number;
      type?: string;
      externalTrafficPolicy?: string;
      template?: {
        spec: {
          nodeSelector?: unknown;
          tolerations?: unknown;
          containers: { image: string; args: string[]; resources: unknown }[];
        };
      };
    };
  }
  const made = (parameters?: IrProxyParameters) => {
    const objects = desiredObjects(gw, settings, [], undefined, parameters) as unknown as (Made & { kind: string })[];
    return {
      deployment: objects.find((o) => o.kind === 'Deployment')!,
      service: objects.find((o) => o.kind === 'Service')!,
    };
  };

  it("keeps Portico's defaults without parameters", () => {
    const { deployment, service } = made();
    const container = deployment.spec.template!.spec.containers[0]!;
    expect(deployment.spec.replicas).toBe(1);
    expect(container.image).toBe('envoy:flag');
    expect(container.args[container.args.indexOf('--log-level') + 1]).toBe('info');
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' } });
    expect(deployment.spec.template!.spec).not.toHaveProperty('nodeSelector');
    expect(service.spec.type).toBe('LoadBalancer');
    expect(service.spec).not.toHaveProperty('externalTrafficPolicy');
    expect(service.metadata.annotations).toEqual({ ...PROMETHEUS_ANNOTATIONS, 'example.com/lb': 'from-gateway' });
  });

  it('applies each field the parameters set', () => {
    const { deployment, service } = made({
      deployment: {
        replicas: 4,
        image: 'registry.example/envoy:v1.40.0',
        logLevel: 'debug',
        resources: { limits: { memory: '64Mi' }, requests: { cpu: '1' } },
        nodeSelector: { zone: 'a' },
        tolerations: [{ key: 'edge', operator: 'Exists' }],
      },
      service: {
        type: 'NodePort',
        externalTrafficPolicy: 'Local',
        annotations: { 'example.com/lb': 'from-parameters', 'example.com/scheme': 'internal' },
      },
    });
    const container = deployment.spec.template!.spec.containers[0]!;
    expect(deployment.spec.replicas).toBe(4);
    expect(container.image).toBe('registry.example/envoy:v1.40.0');
    expect(container.args[container.args.indexOf('--log-level') + 1]).toBe('debug');
    // No default memory request under a 64Mi limit: Kubernetes requests the limit.
    expect(container.resources).toEqual({ requests: { cpu: '1' }, limits: { memory: '64Mi' } });
    expect(deployment.spec.template!.spec.nodeSelector).toEqual({ zone: 'a' });
    expect(deployment.spec.template!.spec.tolerations).toEqual([{ key: 'edge', operator: 'Exists' }]);
    expect(service.spec.type).toBe('NodePort');
    expect(service.spec.externalTrafficPolicy).toBe('Local');
    // The Gateway's own infrastructure annotations win.
    expect(service.metadata.annotations).toEqual({
      ...PROMETHEUS_ANNOTATIONS,
      'example.com/lb': 'from-gateway',
      'example.com/scheme': 'internal',
    });
  });

  it('leaves externalTrafficPolicy off a Service that ends up ClusterIP', () => {
    const { service } = made({ service: { externalTrafficPolicy: 'Local' } });
    expect(service.spec.type).toBe('LoadBalancer');
    expect(service.spec.externalTrafficPolicy).toBe('Local');
    const objects = desiredObjects(gw, { ...settings, serviceType: 'ClusterIP' }, [], undefined, {
      service: { externalTrafficPolicy: 'Local' },
    }) as unknown as (Made & { kind: string })[];
    expect(objects.find((o) => o.kind === 'Service')!.spec).not.toHaveProperty('externalTrafficPolicy');
  });

  it('requests the defaults of the resources the parameters leave out', () => {
    expect(containerResources({ deployment: { resources: { limits: { cpu: '2' } } } })).toEqual({
      requests: { memory: '128Mi' },
      limits: { cpu: '2' },
    });
  });
});

describe('the provisioner and parameters', () => {
  it('provisions again when only the parameters change (the Gateway object stays the same)', async () => {
    const applied: { replicas?: number }[] = [];
    const api = {
      server: 'https://unused.invalid',
      request: <T>(req: { method?: string; path: string; body?: unknown }): Promise<T> => {
        const body = req.body as { kind?: string; spec?: { replicas?: number } } | undefined;
        if (req.method === 'PATCH' && body?.kind === 'Deployment') applied.push({ replicas: body.spec?.replicas });
        return Promise.resolve({ items: [] } as T);
      },
    };
    const provisioner = new GatewayProvisioner({
      api,
      controllerNamespace: 'portico-system',
      xds: { host: 'portico-xds.portico-system.svc', port: 18000 },
      tls: false,
    });
    const gw = gateway('gw', 'portico');
    const resources = [gw];
    const output = (replicas: number) => ({
      gateways: [{ name: 'apps/gw', ir: { infrastructure: { parameters: { deployment: { replicas } } } } }],
      resources,
    });
    const output$ = new BehaviorSubject(output(2));
    provisioner.start(output$, of(true));
    await provisioner.idle();
    output$.next(output(3));
    await provisioner.idle();
    // The same again: nothing to do.
    output$.next(output(3));
    await provisioner.idle();
    provisioner.stop();
    expect(applied).toEqual([{ replicas: 2 }, { replicas: 3 }]);
  });
});
