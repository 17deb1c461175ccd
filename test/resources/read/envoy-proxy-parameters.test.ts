/**
 * The EnvoyProxyParameters reader, directly: malformed specs (null, wrong types, lists where
 * objects go) give every problem with its path, as the translator's reading did, never an
 * exception; a spec is read once. (The bounds of each field: test/translate/gatewayapi/envoy-proxy-parameters.test.ts.)
 */
import { describe, expect, it } from '@jest/globals';
import { readEnvoyProxyParameters, type ParametersRead } from '../../../src/resources/read/envoy-proxy-parameters.js';

/** Each case, and its parameters or its problems. */
const CASES: [string, unknown, { ok: true; parameters: unknown } | string[]][] = [
  ['spec null', null, { ok: true, parameters: {} }],
  ['spec a string', 'x', ['spec: must be an object']],
  ['spec a number', 3, ['spec: must be an object']],
  ['spec a list', [{ deployment: {} }], ['spec: must be an object']],
  ['deployment null', { deployment: null }, { ok: true, parameters: {} }],
  ['deployment a list', { deployment: [{ replicas: 1 }] }, ['spec.deployment: must be an object']],
  ['deployment a string', { deployment: 'big' }, ['spec.deployment: must be an object']],
  ['service a list', { service: [] }, ['spec.service: must be an object']],
  [
    'replicas a string',
    { deployment: { replicas: '3' } },
    ['spec.deployment.replicas: "3" must be a whole number from 0 to 1000'],
  ],
  ['replicas null', { deployment: { replicas: null } }, { ok: true, parameters: {} }],
  [
    'image a number',
    { deployment: { image: 5 } },
    ['spec.deployment.image: must be an image reference of 1 to 512 characters without spaces'],
  ],
  ['image null', { deployment: { image: null } }, { ok: true, parameters: {} }],
  [
    'logLevel a list',
    { deployment: { logLevel: ['info'] } },
    ['spec.deployment.logLevel: ["info"] is not one of trace, debug, info, warning, error, critical, off'],
  ],
  ['resources a list', { deployment: { resources: [{ cpu: '1' }] } }, ['spec.deployment.resources: must be an object']],
  [
    'requests a string',
    { deployment: { resources: { requests: '1' } } },
    ['spec.deployment.resources.requests: must be an object'],
  ],
  [
    'cpu an object',
    { deployment: { resources: { requests: { cpu: { value: 1 } } } } },
    ['spec.deployment.resources.requests.cpu: {"value":1} is not a non-negative quantity (e.g. 500m, 1, 256Mi)'],
  ],
  [
    'cpu a float',
    { deployment: { resources: { limits: { cpu: 1.5 } } } },
    ['spec.deployment.resources.limits.cpu: 1.5 is not a non-negative quantity (e.g. 500m, 1, 256Mi)'],
  ],
  ['memory null', { deployment: { resources: { limits: { memory: null } } } }, { ok: true, parameters: {} }],
  [
    'nodeSelector a list',
    { deployment: { nodeSelector: ['a'] } },
    ['spec.deployment.nodeSelector: must be a map of strings'],
  ],
  [
    'nodeSelector value a number',
    { deployment: { nodeSelector: { zone: 1 } } },
    ['spec.deployment.nodeSelector["zone"]: the value must be a string'],
  ],
  [
    'tolerations an object',
    { deployment: { tolerations: { key: 'k' } } },
    ['spec.deployment.tolerations: must be a list'],
  ],
  ['toleration null', { deployment: { tolerations: [null] } }, ['spec.deployment.tolerations[0]: must be an object']],
  [
    'toleration a list',
    { deployment: { tolerations: [['k']] } },
    ['spec.deployment.tolerations[0]: must be an object'],
  ],
  [
    'toleration key a number',
    { deployment: { tolerations: [{ key: 5, operator: 'Exists' }] } },
    ['spec.deployment.tolerations[0].key: 5 is not a valid taint key'],
  ],
  [
    'toleration value a number',
    { deployment: { tolerations: [{ key: 'k', value: 5 }] } },
    ['spec.deployment.tolerations[0].value: must be a string'],
  ],
  [
    'toleration seconds a string',
    { deployment: { tolerations: [{ key: 'k', effect: 'NoExecute', tolerationSeconds: '5' }] } },
    [
      'spec.deployment.tolerations[0].tolerationSeconds: "5" must be a whole number from -9007199254740991 to 9007199254740991',
    ],
  ],
  [
    'tolerations too many',
    { deployment: { tolerations: Array.from({ length: 33 }, () => ({ operator: 'Exists' })) } },
    ['spec.deployment.tolerations: has 33 items; at most 32'],
  ],
  [
    'service type a number',
    { service: { type: 1 } },
    ['spec.service.type: 1 is not one of ClusterIP, NodePort, LoadBalancer'],
  ],
  ['annotations a string', { service: { annotations: 'a=b' } }, ['spec.service.annotations: must be a map of strings']],
  [
    'annotations too long',
    { service: { annotations: { note: 'x'.repeat(4097) } } },
    ['spec.service.annotations["note"]: the value is longer than 4096 characters'],
  ],
  [
    'several problems',
    { deployment: { replicas: -1, image: '', colour: 'blue' }, service: { type: 'X' }, extra: 1 },
    [
      'spec.extra: unknown field',
      'spec.deployment.colour: unknown field',
      'spec.deployment.replicas: -1 must be a whole number from 0 to 1000',
      'spec.deployment.image: must be an image reference of 1 to 512 characters without spaces',
      'spec.service.type: "X" is not one of ClusterIP, NodePort, LoadBalancer',
    ],
  ],
  ['valid, empty parts', { deployment: {}, service: {} }, { ok: true, parameters: {} }],
  [
    'valid, nulls',
    { deployment: { replicas: null, logLevel: null, tolerations: null }, service: null },
    { ok: true, parameters: {} },
  ],
  [
    'toleration key empty with Exists',
    { deployment: { tolerations: [{ key: '', operator: 'Exists' }] } },
    { ok: true, parameters: { deployment: { tolerations: [{ operator: 'Exists' }] } } },
  ],
];

describe('readEnvoyProxyParameters', () => {
  it.each(CASES)('%s', (_what, spec, expected) => {
    let read: ParametersRead | undefined;
    expect(() => (read = readEnvoyProxyParameters({ spec }))).not.toThrow();
    expect(read).toEqual(Array.isArray(expected) ? { ok: false, problems: expected } : expected);
  });

  it('reads a spec once', () => {
    const object = { spec: { deployment: { replicas: 2 } } };
    expect(readEnvoyProxyParameters(object)).toBe(readEnvoyProxyParameters(object));
    expect(readEnvoyProxyParameters(object)).toEqual({ ok: true, parameters: { deployment: { replicas: 2 } } });
  });
});
