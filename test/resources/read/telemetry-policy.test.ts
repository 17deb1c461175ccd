/**
 * The XTelemetryPolicy reader: what it reads of a policy's targets and tracing block, and that
 * malformed input (null, wrong types) gives the conditions the translator always gave for it,
 * never an exception.
 */
import { describe, expect, it } from '@jest/globals';
import { readTelemetryPolicy } from '../../../src/resources/read/telemetry-policy.js';
import { buildResourceSet } from '../../../src/resources/resource-set.js';
import type { KubeObject, PolicyStatus } from '../../../src/resources/types.js';
import { translate } from '../../../src/translate/index.js';
import { gateway, gatewayClass, listener } from '../../support/fixtures.js';

const GATEWAY = { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' };
const enabled = (more: Record<string, unknown> = {}) => ({
  mode: 'Enabled',
  provider: { backendRef: { name: 'otel', port: 4317 } },
  ...more,
});
const tracingOf = (tracing: unknown) => readTelemetryPolicy({ spec: { targetRefs: [GATEWAY], tracing } }).tracing;

describe('readTelemetryPolicy: targets', () => {
  it('keeps each targetRef with a string name; a group or kind that is not a string is empty', () => {
    const { targets } = readTelemetryPolicy({
      spec: { targetRefs: [null, 'gw', { name: 5 }, GATEWAY, { group: 5, kind: ['Gateway'], name: 'other' }] },
    });
    expect(targets).toEqual([GATEWAY, { group: '', kind: '', name: 'other' }]);
  });

  it('reads a spec or a targetRefs that is no object or list as no targets, and tracing as not set', () => {
    for (const spec of [null, undefined, 'x', [GATEWAY], { targetRefs: 'gw' }, { targetRefs: { name: 'gw' } }]) {
      const read = readTelemetryPolicy({ spec });
      expect(read.targets).toEqual([]);
      expect(read.tracing).toEqual({
        valid: false,
        errors: [{ path: 'spec.tracing', message: 'spec.tracing must be set' }],
      });
    }
  });
});

describe('readTelemetryPolicy: tracing', () => {
  it('reads an Enabled block into typed values: rates as percentages, header names lowercased and unique', () => {
    expect(
      tracingOf(
        enabled({
          samplingRate: { numerator: 1, denominator: 4 },
          parentBasedSampling: { mode: 'Enabled', samplingRate: { numerator: 25 } },
          serviceName: 'shop',
          spanName: 'ingress',
          attributes: [
            { name: 'env', sourceType: 'Literal', literalValue: 'prod' },
            { name: 'agent', sourceType: 'Header', headerName: 'User-Agent' },
            { name: 'method', sourceType: 'Attribute', attributeKey: 'http.request.method' },
          ],
          provider: {
            backendRef: { name: 'otel', namespace: 'obs', port: 4317 },
            headers: [
              { name: 'Authorization', value: 'first' },
              { name: 'authorization', value: 'second' },
            ],
          },
        }),
      ),
    ).toEqual({
      valid: true,
      result: {
        mode: 'Enabled',
        backendRef: { valid: true, result: { name: 'otel', namespace: 'obs', port: 4317 } },
        serviceName: 'shop',
        samplingPercent: 25,
        spanName: 'ingress',
        attributes: [
          { name: 'env', source: 'Literal', value: 'prod' },
          { name: 'agent', source: 'Header', headerName: 'User-Agent' },
          { name: 'method', source: 'Attribute', key: 'http.request.method' },
        ],
        exportHeaders: [{ name: 'authorization', value: 'first' }],
      },
    });
  });

  it('takes a null mode as ImplementationDefault, and refuses fields only Enabled may set, null ones too', () => {
    expect(tracingOf({ mode: null })).toEqual({ valid: true, result: { mode: 'ImplementationDefault' } });
    expect(tracingOf({ mode: 'Disabled', provider: null })).toEqual({
      valid: false,
      errors: [{ path: 'spec.tracing.provider', message: 'tracing.provider can only be set when mode is Enabled' }],
    });
    expect(tracingOf({ mode: 5 })).toEqual({
      valid: false,
      errors: [
        { path: 'spec.tracing.mode', message: 'tracing.mode 5 is not Enabled, Disabled or ImplementationDefault' },
      ],
    });
  });

  it('keeps every problem of an Enabled block, in the order of the fields, each with its path', () => {
    const read = tracingOf(
      enabled({
        samplingRate: null,
        parentBasedSampling: 'on',
        serviceName: 1,
        spanName: ['x'],
        attributes: [null, { name: 5 }, { name: 'a', sourceType: 'Header', headerName: 'bad name' }],
        provider: { backendRef: { name: 7 }, headers: [null, { name: 'x-a', value: 5 }, { name: 'TE', value: 't' }] },
      }),
    );
    expect(read.valid ? [] : read.errors).toEqual([
      { path: 'spec.tracing.samplingRate', message: 'tracing.samplingRate must be an object' },
      {
        path: 'spec.tracing.parentBasedSampling',
        message: 'parentBasedSampling.mode "malformed" is not Enabled, Disabled or ImplementationDefault',
      },
      { path: 'spec.tracing.serviceName', message: 'tracing.serviceName 1 is not a service name' },
      { path: 'spec.tracing.spanName', message: 'tracing.spanName ["x"] is not a span name' },
      { path: 'spec.tracing.attributes[0]', message: 'attributes[0] must be an object' },
      { path: 'spec.tracing.attributes[1].name', message: 'attributes[1].name 5 is not an attribute name' },
      {
        path: 'spec.tracing.attributes[2]',
        message:
          'attributes[2]: sourceType "Header" needs its own field (headerName, literalValue or attributeKey) set',
      },
      {
        path: 'spec.tracing.provider.backendRef',
        message: 'tracing.provider.backendRef is required when mode is Enabled',
      },
      {
        path: 'spec.tracing.provider.headers[0].name',
        message: 'provider.headers[0].name undefined is not a header name',
      },
      { path: 'spec.tracing.provider.headers[1].value', message: 'provider.headers[1].value must be printable ASCII' },
      {
        path: 'spec.tracing.provider.headers[2].name',
        message: 'provider.headers[2]: te is set by gRPC itself on export calls',
      },
    ]);
  });

  it('refuses lists that are not lists, null ones too, and fractions that are not fractions', () => {
    const messages = (tracing: unknown) => {
      const read = tracingOf(tracing);
      return read.valid ? [] : read.errors.map((e) => e.message);
    };
    expect(messages(enabled({ attributes: null }))).toEqual(['attributes must be a list']);
    expect(messages(enabled({ provider: { backendRef: { name: 'otel' }, headers: {} } }))).toEqual([
      'provider.headers must be a list',
    ]);
    expect(messages(enabled({ samplingRate: { numerator: 1.5 } }))).toEqual([
      'tracing.samplingRate.numerator must be an integer ≥ 0',
    ]);
    expect(messages(enabled({ samplingRate: { numerator: 1, denominator: null } }))).toEqual([
      'tracing.samplingRate.denominator must be an integer ≥ 1',
    ]);
    expect(messages(enabled({ parentBasedSampling: { samplingRate: null } }))).toEqual([
      'parentBasedSampling.samplingRate can only be set when its mode is Enabled',
    ]);
    expect(messages(enabled({ provider: null }))).toEqual([
      'tracing.provider.backendRef is required when mode is Enabled',
    ]);
  });

  it('keeps a collector reference with a name whose other fields do not read as an unreadable reference', () => {
    const read = tracingOf(enabled({ provider: { backendRef: { name: 'otel', port: '4317' } } }));
    expect(read.valid && read.result.mode === 'Enabled' ? read.result.backendRef : undefined).toEqual({
      valid: false,
      errors: [{ path: 'tracing.provider.backendRef.port', message: 'port must be a number' }],
    });
  });
});

describe('malformed XTelemetryPolicies through the translator', () => {
  const collector: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'otel', namespace: 'default' },
    spec: { ports: [{ port: 4317 }] },
  };
  /** Each ancestor of the policy's status with its conditions, as lines. */
  function ancestors(spec: unknown): string[] | undefined {
    const policy: KubeObject = {
      apiVersion: 'gateway.networking.x-k8s.io/v1alpha1',
      kind: 'XTelemetryPolicy',
      metadata: { name: 'p', namespace: 'default', generation: 1 },
      spec,
    };
    const result = translate(
      buildResourceSet([gatewayClass(), gateway({ name: 'gw', listeners: [listener('http', 80)] }), collector, policy]),
    );
    const status = result.resources.find((o) => o.kind === 'XTelemetryPolicy')?.status as PolicyStatus | undefined;
    return status?.ancestors.flatMap((a) =>
      a.conditions.map(
        (c) =>
          `${a.ancestorRef.group}/${a.ancestorRef.kind} ${a.ancestorRef.name}: ${c.type}=${c.status}/${c.reason}: ${c.message}`,
      ),
    );
  }
  const accepted = (tracing: unknown) => ancestors({ targetRefs: [GATEWAY], tracing })?.[0];

  it('writes no status for a policy whose spec or targetRefs is no object or list', () => {
    expect(ancestors(null)).toBeUndefined();
    expect(ancestors(['x'])).toBeUndefined();
    expect(ancestors({ targetRefs: 'gw', tracing: { mode: 'Disabled' } })).toBeUndefined();
  });

  it('answers for targetRefs with a name only, an unreadable group or kind as empty', () => {
    expect(
      ancestors({
        targetRefs: [null, 'gw', { name: 5 }, { ...GATEWAY, group: 5 }, { ...GATEWAY, kind: 7 }],
        tracing: { mode: 'Disabled' },
      }),
    ).toEqual([
      '/Gateway gw: Accepted=False/Invalid: targetRef Gateway gw: only Gateways (gateway.networking.k8s.io) can be targeted',
      'gateway.networking.k8s.io/ gw: Accepted=False/Invalid: targetRef gateway.networking.k8s.io/ gw: only Gateways (gateway.networking.k8s.io) can be targeted',
    ]);
  });

  it('is Invalid, naming every problem, for a tracing block of the wrong shape', () => {
    const gw = 'gateway.networking.k8s.io/Gateway gw';
    expect(accepted(null)).toBe(`${gw}: Accepted=False/Invalid: spec.tracing must be set`);
    expect(accepted('on')).toBe(`${gw}: Accepted=False/Invalid: spec.tracing must be set`);
    expect(accepted(enabled({ parentBasedSampling: null }))).toBe(
      `${gw}: Accepted=False/Invalid: parentBasedSampling.mode "malformed" is not Enabled, Disabled or ImplementationDefault`,
    );
    expect(accepted(enabled({ samplingRate: 'x', serviceName: 1, attributes: 'x', provider: { headers: 'x' } }))).toBe(
      `${gw}: Accepted=False/Invalid: tracing.samplingRate must be an object; tracing.serviceName 1 is not a service name; attributes must be a list; tracing.provider.backendRef is required when mode is Enabled; provider.headers must be a list`,
    );
  });

  it('is Accepted with ResolvedRefs False for a named collector reference that does not read', () => {
    expect(
      ancestors({
        targetRefs: [GATEWAY],
        tracing: enabled({ provider: { backendRef: { name: 'otel', namespace: 3 } } }),
      }),
    ).toEqual([
      'gateway.networking.k8s.io/Gateway gw: Accepted=True/Accepted: Policy is accepted',
      'gateway.networking.k8s.io/Gateway gw: ResolvedRefs=False/BackendNotFound: tracing.provider.backendRef: tracing.provider.backendRef.namespace: namespace must be a string; nothing is traced until it resolves',
    ]);
  });

  it('leaves out an attribute whose key Envoy has no value for, and says so', () => {
    expect(
      accepted(
        enabled({
          attributes: [{ name: 'status', sourceType: 'Attribute', attributeKey: 'http.response.status_code' }],
        }),
      ),
    ).toBe(
      'gateway.networking.k8s.io/Gateway gw: Accepted=True/Accepted: Policy is accepted; spans are exported with OTLP/gRPC to default/otel port 4317; attribute status (http.response.status_code) is left out: Envoy has no value for that key',
    );
  });
});
