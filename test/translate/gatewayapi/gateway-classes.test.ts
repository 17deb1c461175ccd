import { SUPPORTED_FEATURES, translateGatewayClass } from '../../../src/translate/gatewayapi/gateway-classes.js';
import { classParameters } from '../../../src/translate/gatewayapi/parameters-ref.js';
import { buildResourceSet } from '../../../src/resources/resource-set.js';

test('supportedFeatures are sorted and unique, as the spec requires', () => {
  expect([...SUPPORTED_FEATURES].sort()).toEqual(SUPPORTED_FEATURES);
  expect(new Set(SUPPORTED_FEATURES).size).toBe(SUPPORTED_FEATURES.length);
});

test('an unchanged condition keeps its lastTransitionTime; a changed one gets the new time', () => {
  const gc = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GatewayClass',
    metadata: { name: 'portico', generation: 2 },
    spec: { controllerName: 'portico.dev/gateway-controller' },
    status: {
      conditions: [
        {
          type: 'Accepted',
          status: 'True' as const,
          reason: 'Accepted',
          message: 'old message',
          lastTransitionTime: '2026-01-01T00:00:00Z',
          observedGeneration: 1,
        },
      ],
    },
  };
  const kept = translateGatewayClass(gc, '2026-06-01T00:00:00Z', {}).status.conditions?.[0];
  expect(kept?.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
  expect(kept?.observedGeneration).toBe(2);
  const withRef = { ...gc, spec: { ...gc.spec, parametersRef: { group: '', kind: 'ConfigMap', name: 'x' } } };
  const changed = translateGatewayClass(withRef, '2026-06-01T00:00:00Z', classParameters(buildResourceSet([]), withRef))
    .status.conditions?.[0];
  expect(changed?.status).toBe('False');
  expect(changed?.lastTransitionTime).toBe('2026-06-01T00:00:00Z');
});
