/**
 * Synthetic but realistic-shaped Gateway API input for benchmarks and scale tests: one Gateway
 * with an HTTP listener and N HTTPRoutes, grouped 10 to a hostname, each with one rule of three
 * matches and two weighted backends, plus a Service and EndpointSlice per backend. Output is a
 * pure function of the parameters, so runs are comparable.
 */
import { buildResourceSet } from '../src/resources/resource-set.js';
import { CONTROLLER_NAME, GATEWAY_GROUP } from '../src/resources/types.js';
import type {
  EndpointSlice,
  Gateway,
  GatewayClass,
  HTTPRoute,
  KubeObject,
  ResourceSet,
  Service,
} from '../src/resources/types.js';

export interface GeneratedShape {
  routes: number;
  routesPerHostname: number;
  /** Ready endpoints in each Service's EndpointSlice. */
  endpointsPerService: number;
  namespace: string;
  /**
   * A SecurityPolicy per route (`authorization`: allow two client ranges and a header, deny the
   * rest), the shape of "a policy on every route" (issue 15's figure).
   */
  securityPolicies: boolean;
  /**
   * A BackendTrafficPolicy per route (`circuitBreaker` and `faultInjection`: a route setting and
   * the policy's copies of the route's two backend clusters), the other "policy on every route".
   */
  trafficPolicies: boolean;
  /**
   * One SecurityPolicy and one BackendTrafficPolicy (the same sections as above) on the Gateway:
   * every route under both, through the Gateway — the common real-world shape.
   */
  gatewayPolicies?: boolean;
}

export const DEFAULT_SHAPE: Omit<GeneratedShape, 'routes'> = {
  routesPerHostname: 10,
  endpointsPerService: 3,
  namespace: 'bench',
  securityPolicies: false,
  trafficPolicies: false,
};

const GATEWAY_API_V1 = `${GATEWAY_GROUP}/v1`;

/**
 * Services are shared between neighbouring routes (route i uses backends i and i+1) so that there
 * are as many clusters as routes and each cluster is referenced twice, as in real deployments.
 */
export function generateObjects(routes: number, shape: Partial<Omit<GeneratedShape, 'routes'>> = {}): KubeObject[] {
  const s: GeneratedShape = { ...DEFAULT_SHAPE, ...shape, routes };
  const objects: KubeObject[] = [gatewayClass(), gateway(s.namespace)];
  if (s.gatewayPolicies) {
    const onGateway = { targetRefs: [{ group: GATEWAY_GROUP, kind: 'Gateway', name: 'bench' }] };
    const security = securityPolicy(s.namespace, 0);
    const traffic = trafficPolicy(s.namespace, 0);
    objects.push({ ...security, spec: { ...(security.spec as object), ...onGateway } });
    objects.push({ ...traffic, spec: { ...(traffic.spec as object), ...onGateway } });
  }
  for (let i = 0; i < s.routes; i++) {
    objects.push(httpRoute(s, i), service(s.namespace, i), endpointSlice(s, i));
    if (s.securityPolicies) objects.push(securityPolicy(s.namespace, i));
    if (s.trafficPolicies) objects.push(trafficPolicy(s.namespace, i));
  }
  return objects;
}

function trafficPolicy(namespace: string, i: number): KubeObject {
  return {
    apiVersion: 'gateway.portico.dev/v1alpha1',
    kind: 'BackendTrafficPolicy',
    metadata: { name: `traffic-${i}`, namespace, generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: {
      targetRefs: [{ group: GATEWAY_GROUP, kind: 'HTTPRoute', name: `route-${i}` }],
      circuitBreaker: { maxConnections: 100 + (i % 50), maxPendingRequests: 50 },
      faultInjection: { abort: { httpStatus: 503, percentage: 0.1 } },
    },
  };
}

function securityPolicy(namespace: string, i: number): KubeObject {
  return {
    apiVersion: 'gateway.portico.dev/v1alpha1',
    kind: 'SecurityPolicy',
    metadata: { name: `policy-${i}`, namespace, generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: {
      targetRefs: [{ group: GATEWAY_GROUP, kind: 'HTTPRoute', name: `route-${i}` }],
      authorization: {
        defaultAction: 'Deny',
        rules: [
          { name: 'offices', action: 'Allow', principal: { clientCIDRs: ['10.0.0.0/8', '192.168.0.0/16'] } },
          { name: 'tenant', action: 'Allow', principal: { headers: [{ name: 'x-tenant', values: [`t-${i}`] }] } },
        ],
      },
    },
  };
}

export function generateResourceSet(routes: number, shape: Partial<Omit<GeneratedShape, 'routes'>> = {}): ResourceSet {
  return buildResourceSet(generateObjects(routes, shape));
}

function gatewayClass(): GatewayClass {
  return {
    apiVersion: GATEWAY_API_V1,
    kind: 'GatewayClass',
    metadata: { name: 'portico', generation: 1 },
    spec: { controllerName: CONTROLLER_NAME },
  };
}

function gateway(namespace: string): Gateway {
  return {
    apiVersion: GATEWAY_API_V1,
    kind: 'Gateway',
    metadata: { name: 'bench', namespace, generation: 1 },
    spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] },
  };
}

const serviceName = (i: number): string => `backend-${i}`;

function httpRoute(s: GeneratedShape, i: number): HTTPRoute {
  const prefix = `/app-${i}`;
  const backend = (index: number, weight: number) => ({ name: serviceName(index % s.routes), port: 80, weight });
  return {
    apiVersion: GATEWAY_API_V1,
    kind: 'HTTPRoute',
    metadata: { name: `route-${i}`, namespace: s.namespace, generation: 1 },
    spec: {
      parentRefs: [{ name: 'bench' }],
      hostnames: [`host-${Math.floor(i / s.routesPerHostname)}.example.com`],
      rules: [
        {
          // Three different match shapes so precedence sorting has real work to do.
          matches: [
            { path: { type: 'PathPrefix', value: prefix } },
            { path: { type: 'Exact', value: `${prefix}/health` }, method: 'GET' },
            { path: { type: 'PathPrefix', value: `${prefix}/api` }, headers: [{ name: 'x-canary', value: 'true' }] },
          ],
          backendRefs: [backend(i, 90), backend(i + 1, 10)],
        },
      ],
    },
  };
}

function service(namespace: string, i: number): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: serviceName(i), namespace },
    spec: { type: 'ClusterIP', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
  };
}

function endpointSlice(s: GeneratedShape, i: number): EndpointSlice {
  const endpoints = [];
  for (let e = 0; e < s.endpointsPerService; e++) {
    // 10.<hi>.<lo>.<e+1>: unique for up to 65,536 services.
    endpoints.push({ addresses: [`10.${(i >> 8) & 255}.${i & 255}.${e + 1}`], conditions: { ready: true } });
  }
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${serviceName(i)}-x1`,
      namespace: s.namespace,
      labels: { 'kubernetes.io/service-name': serviceName(i) },
    },
    addressType: 'IPv4',
    endpoints,
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

/**
 * A change to one generated route, as the cached-change benchmarks make it: its first rule now
 * matches only `/c<change>` (a new spec object, the rest of the route as it was).
 */
export function withMovedPath(route: HTTPRoute, change: number): KubeObject {
  return {
    ...route,
    spec: { ...route.spec, rules: [{ ...route.spec!.rules![0], matches: [{ path: { value: `/c${change}` } }] }] },
  } as KubeObject;
}
