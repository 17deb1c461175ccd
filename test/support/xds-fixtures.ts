/**
 * Small Gateway API inputs for xDS server tests, translated with the real translator: one
 * Gateway `default/public` with an HTTP listener on `listenerPort` (bound to 127.0.0.1; or one per
 * port of a list), one HTTPRoute rule per path, each to its own Service whose EndpointSlice points
 * at a loopback backend.
 */
import { loadYaml } from '../../src/resources/load-yaml.js';
import { buildResourceSet } from '../../src/resources/resource-set.js';
import { translate } from '../../src/translate/index.js';
import type { XdsResources } from '../../src/translate/xds/types.js';

export const GATEWAY = 'default/public';

export interface FixtureRoute {
  /** PathPrefix match. */
  path: string;
  /** Service name; the Service listens on port 80 and targets `backendPort`. */
  service: string;
  backendPort: number;
}

export function gatewayYaml(listenerPort: number | readonly number[], routes: FixtureRoute[]): string {
  const ports = typeof listenerPort === 'number' ? [listenerPort] : listenerPort;
  const docs: string[] = [
    `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portico}
spec: {controllerName: portico.dev/gateway-controller}`,
    `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: public, namespace: default, generation: 1}
spec:
  gatewayClassName: portico
  listeners:
${ports.map((port, i) => `    - {name: http${i === 0 ? '' : `-${i}`}, protocol: HTTP, port: ${port}}`).join('\n')}`,
    `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: default, generation: 1}
spec:
  parentRefs: [{name: public}]
  rules:
${routes
  .map(
    (r) => `    - matches: [{path: {type: PathPrefix, value: ${JSON.stringify(r.path)}}}]
      backendRefs: [{name: ${r.service}, port: 80}]`,
  )
  .join('\n')}`,
  ];
  const services = new Map(routes.map((r) => [r.service, r.backendPort]));
  for (const [service, port] of services) {
    docs.push(`apiVersion: v1
kind: Service
metadata: {name: ${service}, namespace: default}
spec:
  ports: [{name: http, port: 80, targetPort: ${port}}]`);
    docs.push(`apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ${service}-abc, namespace: default, labels: {kubernetes.io/service-name: ${service}}}
addressType: IPv4
ports: [{name: http, port: ${port}, protocol: TCP}]
endpoints: [{addresses: [127.0.0.1], conditions: {ready: true}}]`);
  }
  return docs.join('\n---\n');
}

/** The translated resources of `default/public` (a listener per port; the routes attach to each). */
export function gatewayXds(listenerPort: number | readonly number[], routes: FixtureRoute[]): XdsResources {
  const objects = loadYaml(gatewayYaml(listenerPort, routes), 'fixture.yaml').objects;
  const result = translate(buildResourceSet(objects), { listenerAddress: '127.0.0.1' });
  const gw = result.gateways.find((g) => g.name === GATEWAY);
  if (!gw) throw new Error('fixture Gateway was not translated');
  if (gw.xds.listeners.length === 0) throw new Error('fixture Gateway has no listener');
  return gw.xds;
}

/**
 * A copy of `xds` whose route configuration `name` (default: the first) carries a route Envoy
 * rejects (invalid regex).
 */
export function withInvalidRegexRoute(xds: XdsResources, name?: string): XdsResources {
  const copy = structuredClone(xds);
  const rc = (name === undefined ? copy.routes[0] : copy.routes.find((r) => (r as { name: string }).name === name)) as
    { virtual_hosts: { routes: unknown[] }[] } | undefined;
  if (!rc) throw new Error(`fixture has no route configuration ${name ?? ''}`);
  const vh = rc.virtual_hosts[0];
  if (!vh) throw new Error('fixture has no virtual host');
  vh.routes.unshift({
    name: 'bad-regex',
    match: { safe_regex: { regex: '([a-z' } },
    direct_response: { status: 200 },
  });
  return copy;
}
