/**
 * The objects of the "1,000 HTTPRoutes applied at once" scenario (issue 4), shared by
 * `scale.test.ts` and `bench/k8s-status-bench.ts`, and the check that every status is right.
 *
 * One Gateway with two listeners — `http` (port 8080, any hostname) and `admin` (port 9090,
 * `admin.example.com`) — one Service with an EndpointSlice, and N HTTPRoutes: every tenth route
 * attaches to `admin` (sectionName) with hostname `admin.example.com`, the others to `http` with
 * one of 100 hostnames. Each route has one rule (its own path prefix) to the Service. So both
 * listeners have a known `attachedRoutes` (N − N/10 and N/10) and every route ends up Accepted with
 * resolved references.
 */
import { stringify } from 'yaml';
import type { Condition, KubeObject, RouteParentStatus } from '../../src/resources/types.js';
import { CONTROLLER_NAME } from '../../src/resources/types.js';
import * as fixtures from '../support/fixtures.js';

export const GATEWAY_NAME = 'scale';
export const SERVICE_NAME = 'web';

export interface ScaleFixture {
  namespace: string;
  /** GatewayClass, Gateway, Service, EndpointSlice (the namespace is not included). */
  base: KubeObject[];
  routes: KubeObject[];
  /** `attachedRoutes` each listener must report. */
  attached: Record<string, number>;
}

export function scaleFixture(namespace: string, className: string, routeCount: number): ScaleFixture {
  const base: KubeObject[] = [
    fixtures.gatewayClass({ name: className }),
    fixtures.gateway({
      name: GATEWAY_NAME,
      namespace,
      className,
      listeners: [
        fixtures.listener('http', 8080, { allowedRoutes: fixtures.SAME_NAMESPACE }),
        fixtures.listener('admin', 9090, { hostname: 'admin.example.com', allowedRoutes: fixtures.SAME_NAMESPACE }),
      ],
    }),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: SERVICE_NAME, namespace },
      spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${SERVICE_NAME}-1`, namespace, labels: { 'kubernetes.io/service-name': SERVICE_NAME } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.1.2.3'], conditions: { ready: true } }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    } as KubeObject,
  ];
  const routes: KubeObject[] = [];
  const attached: Record<string, number> = { http: 0, admin: 0 };
  for (let i = 0; i < routeCount; i += 1) {
    const admin = i % 10 === 0;
    const listener = admin ? 'admin' : 'http';
    attached[listener] = (attached[listener] ?? 0) + 1;
    routes.push(
      fixtures.httpRoute({
        name: routeName(i),
        namespace,
        parentRefs: [{ name: GATEWAY_NAME, sectionName: listener }],
        hostnames: [admin ? 'admin.example.com' : `h${i % 100}.example.com`],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: `/r${i}` } }],
            backendRefs: [{ name: SERVICE_NAME, port: 80 }],
          },
        ],
      }),
    );
  }
  return { namespace, base, routes, attached };
}

export function routeName(index: number): string {
  return `route-${String(index).padStart(4, '0')}`;
}

/** The routes as one multi-document YAML stream, for `kubectl apply -f -`. */
export function multiDocumentYaml(objects: readonly KubeObject[]): string {
  return objects.map((object) => stringify(object)).join('---\n');
}

function conditionOf(conditions: unknown, type: string): Condition | undefined {
  return Array.isArray(conditions) ? (conditions as Condition[]).find((c) => c.type === type) : undefined;
}

/** Our parent entry of a route: Accepted=True and ResolvedRefs=True for the route's current generation. */
export function routeStatusCorrect(route: KubeObject): boolean {
  const parents = (route.status as { parents?: RouteParentStatus[] } | undefined)?.parents ?? [];
  const ours = parents.filter((p) => p.controllerName === CONTROLLER_NAME && p.parentRef.name === GATEWAY_NAME);
  if (ours.length !== 1) return false;
  const accepted = conditionOf(ours[0]!.conditions, 'Accepted');
  const resolved = conditionOf(ours[0]!.conditions, 'ResolvedRefs');
  return (
    accepted?.status === 'True' &&
    resolved?.status === 'True' &&
    accepted.observedGeneration === route.metadata.generation
  );
}

/** The Gateway Accepted, with each listener's `attachedRoutes` as expected. */
export function gatewayStatusCorrect(gateway: KubeObject | undefined, attached: Record<string, number>): boolean {
  const status = gateway?.status as
    { conditions?: Condition[]; listeners?: { name: string; attachedRoutes: number }[] } | undefined;
  if (conditionOf(status?.conditions, 'Accepted')?.status !== 'True') return false;
  return Object.entries(attached).every(
    ([name, count]) => status?.listeners?.find((l) => l.name === name)?.attachedRoutes === count,
  );
}
