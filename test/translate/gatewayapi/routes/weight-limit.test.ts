/**
 * Stage 1 keeps every forward action Envoy would take: a rule whose weights (with the share of
 * unresolved backendRefs) sum past uint32 is answered as one without usable backend, a direct
 * 500 (gRPC: 503), in the IR itself, so stage 2 maps it without deciding. Only input the CRD
 * refuses gets there (16 backendRefs of weight 1,000,000 at most per rule), so it is translated
 * here without schema validation, as it reaches the translator from a cluster with laxer CRDs.
 */
import { describe, expect, test } from '@jest/globals';
import type { IrRoute } from '../../../../src/ir/types.js';
import { buildResourceSet } from '../../../../src/resources/resource-set.js';
import type { KubeObject } from '../../../../src/resources/types.js';
import { translate, type TranslationResult } from '../../../../src/translate/index.js';
import type { EnvoyMessage } from '../../../../src/translate/xds/types.js';

const MAX_WEIGHT = 1_000_000;
/** 4,295 × 1,000,000 > 2^32 - 1 = 4,294,967,295 ≥ 4,294 × 1,000,000. */
const OVER = 4295;

function service(name: string): KubeObject[] {
  const objects: unknown[] = [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'default' },
      spec: { clusterIP: '10.96.0.10', ports: [{ name: 'http', protocol: 'TCP', port: 8080, targetPort: 3000 }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.1.1'], conditions: { ready: true } }],
      ports: [{ name: 'http', port: 3000, protocol: 'TCP' }],
    },
  ];
  return objects as KubeObject[];
}

const ref = (name: string, extra: Record<string, unknown> = {}) => ({ name, port: 8080, weight: MAX_WEIGHT, ...extra });

function translateRoute(kind: 'HTTPRoute' | 'GRPCRoute', backendRefs: unknown[]): TranslationResult {
  const objects: KubeObject[] = [
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: 'portico' },
      spec: { controllerName: 'portico.dev/gateway-controller' },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'gw', namespace: 'default' },
      spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
    },
    ...service('a'),
    ...service('b'),
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind,
      metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs }] },
    },
  ];
  return translate(buildResourceSet(objects), { certificateTime: '2027-01-01T00:00:00Z' });
}

function irRoutes(result: TranslationResult): IrRoute[] {
  const [gateway] = result.gateways;
  return (gateway?.ir.routeConfigs ?? []).flatMap((c) => c.virtualHosts.flatMap((v) => v.routes));
}

function envoyRoutes(result: TranslationResult): EnvoyMessage[] {
  const configs = (result.gateways[0]?.xds.routes ?? []) as { virtual_hosts?: { routes?: EnvoyMessage[] }[] }[];
  return configs.flatMap((c) => (c.virtual_hosts ?? []).flatMap((v) => v.routes ?? []));
}

describe('weights Envoy cannot carry', () => {
  test('backends whose weights sum past uint32 are a direct 500 in the IR', () => {
    const result = translateRoute(
      'HTTPRoute',
      Array.from({ length: OVER }, () => ref('a')),
    );
    expect(irRoutes(result).map((r) => r.action)).toEqual([{ type: 'direct', status: 500 }]);
    expect(envoyRoutes(result).map((r) => r.direct_response)).toEqual([{ status: 500 }]);
  });

  test('the share of unresolved backendRefs counts towards the limit', () => {
    const result = translateRoute('HTTPRoute', [ref('a'), ...Array.from({ length: OVER - 1 }, () => ref('missing'))]);
    expect(irRoutes(result).map((r) => r.action)).toEqual([{ type: 'direct', status: 500 }]);
    expect(envoyRoutes(result).map((r) => r.direct_response)).toEqual([{ status: 500 }]);
  });

  test('a GRPCRoute gets UNAVAILABLE (HTTP 503)', () => {
    const result = translateRoute('GRPCRoute', [ref('a'), ...Array.from({ length: OVER - 1 }, () => ref('b'))]);
    expect(irRoutes(result).map((r) => r.action)).toEqual([{ type: 'direct', status: 503 }]);
    expect(envoyRoutes(result).map((r) => r.direct_response)).toEqual([{ status: 503 }]);
  });

  test('weights that sum to uint32 at most still forward', () => {
    const result = translateRoute('HTTPRoute', [ref('a'), ...Array.from({ length: OVER - 2 }, () => ref('b'))]);
    const [route] = irRoutes(result);
    expect(route?.action.type === 'forward' && route.action.backends.map((b) => b.weight)).toEqual([
      MAX_WEIGHT,
      (OVER - 2) * MAX_WEIGHT,
    ]);
    const [envoy] = envoyRoutes(result);
    const clusters = ((envoy?.route as EnvoyMessage).weighted_clusters as EnvoyMessage).clusters as EnvoyMessage[];
    expect(clusters.map((c) => c.weight)).toEqual([{ value: MAX_WEIGHT }, { value: (OVER - 2) * MAX_WEIGHT }]);
  });

  test('split by backend (a backend URLRewrite), each share is checked alone', () => {
    const rewrite = { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/b' } } };
    const result = translateRoute('HTTPRoute', [
      ...Array.from({ length: OVER }, () => ref('a')),
      ref('b', { filters: [rewrite] }),
    ]);
    const routes = irRoutes(result);
    expect(routes.map((r) => r.name.replace(/.*\/backend\//, ''))).toEqual(['0', String(OVER)]);
    expect(routes[0]?.action).toEqual({ type: 'direct', status: 500 });
    expect(routes[1]?.action.type).toBe('forward');
    expect(envoyRoutes(result).map((r) => (r.direct_response ? 'direct' : (r.route as EnvoyMessage).cluster))).toEqual([
      'direct',
      'default/b/8080',
    ]);
  });
});
