/**
 * XTelemetryPolicy translation: which policy applies to a Gateway, what of its tracing block
 * Portico can honour, and the status it writes (the golden case telemetry-policy-tracing shows
 * the whole output; these pin the rules one by one).
 */
import { buildResourceSet } from '../../../../src/resources/resource-set.js';
import type { KubeObject, PolicyStatus } from '../../../../src/resources/types.js';
import { translateGatewayApi } from '../../../../src/translate/gatewayapi/index.js';
import type { IrGateway } from '../../../../src/ir/types.js';
import * as fixtures from '../../../support/fixtures.js';

const CONTROLLER = 'portico.dev/gateway-controller';

const objects = (extra: KubeObject[], listeners: unknown[] = [fixtures.listener('http', 80)]) => [
  fixtures.gatewayClass(),
  fixtures.gateway({ name: 'gw', listeners }),
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'otel', namespace: 'default' },
    spec: { ports: [{ port: 4317 }] },
  },
  ...extra,
];

function policy(name: string, tracing: Record<string, unknown>, more: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'gateway.networking.x-k8s.io/v1alpha1',
    kind: 'XTelemetryPolicy',
    metadata: { name, namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z', generation: 1 },
    spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }], tracing },
    ...more,
  };
}

const enabled = (more: Record<string, unknown> = {}) => ({
  mode: 'Enabled',
  provider: { backendRef: { name: 'otel', port: 4317 } },
  ...more,
});

function translate(objs: KubeObject[]) {
  const out = translateGatewayApi(buildResourceSet(objs));
  const statusOf = (name: string) =>
    out.resources.find((r) => r.kind === 'XTelemetryPolicy' && r.metadata.name === name)?.status as
      PolicyStatus | undefined;
  const accepted = (name: string) => statusOf(name)?.ancestors[0]?.conditions.find((c) => c.type === 'Accepted');
  const gw = out.gateways[0] as IrGateway;
  const tracing = gw.listeners.flatMap((l) => l.filterChains).map((c) => c.http?.tracing)[0];
  return { out, statusOf, accepted, gw, tracing };
}

test('of two policies created at the same time, the first by namespace/name applies; the other is Conflicted', () => {
  const { tracing, accepted } = translate(
    objects([policy('b', enabled({ serviceName: 'from-b' })), policy('a', enabled({ serviceName: 'from-a' }))]),
  );
  expect(tracing?.policy).toBe('default/a');
  expect(tracing?.serviceName).toBe('from-a');
  expect(accepted('a')).toMatchObject({ status: 'True', reason: 'Accepted' });
  expect(accepted('b')).toMatchObject({ status: 'False', reason: 'Conflicted' });
  expect(accepted('b')?.message).toContain('default/a');
});

test("defaults: every request sampled, the service named after the Gateway, Envoy's own span names", () => {
  const { tracing, gw } = translate(objects([policy('p', enabled())]));
  expect(tracing).toEqual({
    policy: 'default/p',
    clusterName: 'default/otel/4317/h2',
    serviceName: 'default/gw',
    samplingPercent: 100,
    attributes: [],
    exportHeaders: [],
  });
  expect(gw.routeConfigs.map((c) => c.spanName)).toEqual([undefined]);
  expect(gw.clusters.find((c) => c.name === 'default/otel/4317/h2')?.protocol).toBe('http2');
});

test('parentBasedSampling: Enabled at the same rate (as any fraction) is what Envoy does; another rate or Disabled is Invalid', () => {
  const same = translate(
    objects([
      policy(
        'p',
        enabled({
          samplingRate: { numerator: 1, denominator: 4 },
          parentBasedSampling: { mode: 'Enabled', samplingRate: { numerator: 25 } },
        }),
      ),
    ]),
  );
  expect(same.tracing?.samplingPercent).toBe(25);
  expect(same.accepted('p')?.status).toBe('True');

  // Enabled without a rate is 100 %: not the 5 % new traces get.
  const other = translate(
    objects([policy('p', enabled({ samplingRate: { numerator: 5 }, parentBasedSampling: { mode: 'Enabled' } }))]),
  );
  expect(other.tracing).toBeUndefined();
  expect(other.accepted('p')).toMatchObject({ status: 'False', reason: 'Invalid' });
  expect(other.accepted('p')?.message).toContain('must equal samplingRate (5%)');

  const disabled = translate(objects([policy('p', enabled({ parentBasedSampling: { mode: 'Disabled' } }))]));
  expect(disabled.tracing).toBeUndefined();
  expect(disabled.accepted('p')?.message).toContain('mode Disabled is not supported');
});

test("export headers gRPC owns are Invalid; a later header of the same name is ignored, as HTTPHeader's rule says", () => {
  const reserved = translate(
    objects([
      policy(
        'p',
        enabled({
          provider: { backendRef: { name: 'otel', port: 4317 }, headers: [{ name: 'Content-Type', value: 'x' }] },
        }),
      ),
    ]),
  );
  expect(reserved.accepted('p')).toMatchObject({ status: 'False', reason: 'Invalid' });
  const repeated = translate(
    objects([
      policy(
        'p',
        enabled({
          provider: {
            backendRef: { name: 'otel', port: 4317 },
            headers: [
              { name: 'Authorization', value: 'first' },
              { name: 'authorization', value: 'second' },
            ],
          },
        }),
      ),
    ]),
  );
  expect(repeated.tracing?.exportHeaders).toEqual([{ name: 'authorization', value: 'first' }]);
});

test('a Gateway without HTTP listeners traces nothing and gets no collector cluster', () => {
  const { gw, accepted } = translate(objects([policy('p', enabled())], [{ name: 'tcp', port: 9000, protocol: 'TCP' }]));
  expect(gw.clusters.map((c) => c.name)).toEqual([]);
  expect(accepted('p')?.status).toBe('True');
});

test('a ReferenceGrant must name XTelemetryPolicy of gateway.networking.x-k8s.io as the referrer', () => {
  const grant = (group: string): KubeObject => ({
    apiVersion: 'gateway.networking.k8s.io/v1beta1',
    kind: 'ReferenceGrant',
    metadata: { name: 'g', namespace: 'obs' },
    spec: { from: [{ group, kind: 'XTelemetryPolicy', namespace: 'default' }], to: [{ group: '', kind: 'Service' }] },
  });
  const collector: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'otel', namespace: 'obs' },
    spec: { ports: [{ port: 4317 }] },
  };
  const crossNamespace = policy(
    'p',
    enabled({ provider: { backendRef: { name: 'otel', namespace: 'obs', port: 4317 } } }),
  );
  const resolvedRefs = (objs: KubeObject[]) =>
    translate(objs)
      .statusOf('p')
      ?.ancestors[0]?.conditions.find((c) => c.type === 'ResolvedRefs');
  expect(resolvedRefs(objects([collector, crossNamespace, grant('gateway.networking.x-k8s.io')]))?.status).toBe('True');
  expect(resolvedRefs(objects([collector, crossNamespace, grant('gateway.networking.k8s.io')]))).toMatchObject({
    status: 'False',
    reason: 'RefNotPermitted',
  });
});

test("Portico's entries go when the policy no longer targets its Gateway; other controllers' stay", () => {
  const others = {
    ancestorRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'default', name: 'elsewhere' },
    controllerName: 'example.com/other',
    conditions: [],
  };
  const stale = policy(
    'p',
    { mode: 'Disabled' },
    { status: { ancestors: [others, { ...others, controllerName: CONTROLLER }] } },
  );
  (stale.spec as { targetRefs: unknown[] }).targetRefs = [
    { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'theirs' },
  ];
  const theirs = fixtures.gateway({ name: 'theirs', className: 'other', listeners: [] });
  expect(translate(objects([stale, theirs])).statusOf('p')).toEqual({ ancestors: [others] });
});
