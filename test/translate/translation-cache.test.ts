/**
 * The translation cache: across a sequence of changes, a translation with the cache equals one
 * without it, and only what a change touches is translated and built again.
 */
import { loadYaml } from '../../src/resources/load-yaml.js';
import { buildResourceSet } from '../../src/resources/resource-set.js';
import type { KubeObject } from '../../src/resources/types.js';
import { TranslationCache, translate, type TranslationResult } from '../../src/translate/index.js';

const BASE = `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portico}
spec: {controllerName: portico.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: apps}
spec:
  gatewayClassName: portico
  listeners:
  - {name: http, port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: a, namespace: apps}
spec:
  parentRefs: [{name: gw}]
  hostnames: [a.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /}}]
    backendRefs: [{name: svc-a, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: b, namespace: apps}
spec:
  parentRefs: [{name: gw}]
  hostnames: [b.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /}}]
    backendRefs: [{name: svc-b, namespace: backends, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: c, namespace: apps}
spec:
  parentRefs: [{name: gw}]
  hostnames: [a.example.com]
  rules:
  - matches: [{path: {type: Exact, value: /c}}]
    backendRefs: [{name: svc-a, port: 80, weight: 3}, {name: svc-c, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: allow-apps, namespace: backends}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: apps}]
  to: [{group: '', kind: Service}]
---
apiVersion: v1
kind: Service
metadata: {name: svc-a, namespace: apps}
spec: {ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: svc-b, namespace: backends}
spec: {ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: svc-c, namespace: apps}
spec: {ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: svc-a-1, namespace: apps, labels: {kubernetes.io/service-name: svc-a}}
addressType: IPv4
ports: [{port: 8080}]
endpoints: [{addresses: [10.0.0.1]}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: svc-b-1, namespace: backends, labels: {kubernetes.io/service-name: svc-b}}
addressType: IPv4
ports: [{port: 8080}]
endpoints: [{addresses: [10.0.1.1]}]
`;

function parse(text: string): KubeObject[] {
  return loadYaml(text, 'test.yaml').objects;
}

function key(o: KubeObject): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** The objects with `changed` replacing same-named ones and `removed` (kind/ns/name) left out. */
function edit(objects: KubeObject[], changed: KubeObject[], removed: string[] = []): KubeObject[] {
  const byKey = new Map(objects.map((o) => [key(o), o]));
  for (const r of removed) byKey.delete(r);
  for (const c of changed) byKey.set(key(c), c);
  return [...byKey.values()];
}

function comparable(result: TranslationResult): unknown {
  return JSON.parse(JSON.stringify(result));
}

function routeNamed(result: TranslationResult, name: string): unknown {
  for (const config of result.gateways[0]!.xds.routes) {
    for (const vh of config.virtual_hosts as { routes: { name: string }[] }[]) {
      const found = vh.routes.find((r) => r.name.startsWith(name));
      if (found) return found;
    }
  }
  throw new Error(`no route ${name}`);
}

describe('translation cache', () => {
  test('equals an uncached translation through a sequence of changes, redoing only what changed', () => {
    const cache = new TranslationCache();
    const check = (objects: KubeObject[]): TranslationResult => {
      const cached = translate(buildResourceSet(objects), { cache });
      expect(comparable(cached)).toEqual(comparable(translate(buildResourceSet(objects))));
      return cached;
    };

    let objects = parse(BASE);
    const first = check(objects);
    expect(cache.routes.takeStats()).toEqual({ reused: 0, translated: 3 });

    // Nothing changed: nothing translated, the same Envoy objects come back.
    const again = check(objects);
    expect(cache.routes.takeStats()).toEqual({ reused: 3, translated: 0 });
    expect(again.gateways[0]!.xds.routes).toBe(first.gateways[0]!.xds.routes);
    expect(again.gateways[0]!.xds.clusters).toBe(first.gateways[0]!.xds.clusters);

    // One route's spec changes: only it is translated again; the others keep their Envoy objects.
    objects = edit(
      objects,
      parse(BASE.replace('{path: {type: Exact, value: /c}}', '{path: {type: Exact, value: /c2}}')).filter(
        (o) => o.metadata.name === 'c',
      ),
    );
    const moved = check(objects);
    expect(cache.routes.takeStats()).toEqual({ reused: 2, translated: 1 });
    expect(routeNamed(moved, 'httproute/apps/b/')).toBe(routeNamed(first, 'httproute/apps/b/'));
    expect(moved.gateways[0]!.xds.clusters).toBe(first.gateways[0]!.xds.clusters);

    // An EndpointSlice of svc-a changes: the routes using svc-a (a and c) are redone, b is not.
    const slice = parse(BASE).find((o) => o.metadata.name === 'svc-a-1')!;
    objects = edit(objects, [
      { ...slice, endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }] } as KubeObject,
    ]);
    const scaled = check(objects);
    expect(cache.routes.takeStats()).toEqual({ reused: 1, translated: 2 });
    const cla = scaled.gateways[0]!.xds.endpoints.find((e) => String(e.cluster_name).includes('svc-a'));
    expect(JSON.stringify(cla)).toContain('10.0.0.2');

    // The ReferenceGrant goes: route b loses its backend (ResolvedRefs=False), a and c are reused.
    objects = edit(objects, [], ['ReferenceGrant/backends/allow-apps']);
    const ungranted = check(objects);
    expect(cache.routes.takeStats()).toEqual({ reused: 2, translated: 1 });
    expect(JSON.stringify(ungranted.resources.find((o) => o.metadata.name === 'b')?.status)).toContain(
      'RefNotPermitted',
    );

    // A Service the route c needs disappears, then comes back.
    objects = edit(objects, [], ['Service/apps/svc-c']);
    const missing = check(objects);
    expect(cache.routes.takeStats()).toEqual({ reused: 2, translated: 1 });
    expect(JSON.stringify(missing.resources.find((o) => o.metadata.name === 'c')?.status)).toContain('BackendNotFound');
    objects = edit(
      objects,
      parse(BASE).filter((o) => o.kind === 'Service' && o.metadata.name === 'svc-c'),
    );
    check(objects);
    expect(cache.routes.takeStats()).toEqual({ reused: 2, translated: 1 });

    // A route removed and the Gateway changed: still equal to an uncached translation.
    objects = edit(objects, [], ['HTTPRoute/apps/a']);
    check(objects);
    const gw = parse(BASE).find((o) => o.kind === 'Gateway')!;
    objects = edit(objects, [
      {
        ...gw,
        spec: { ...(gw.spec as object), listeners: [{ name: 'http', port: 9090, protocol: 'HTTP' }] },
      } as KubeObject,
    ]);
    check(objects);
  });

  test('a cache used for one input set is harmless for another', () => {
    const cache = new TranslationCache();
    const one = parse(BASE);
    const other = parse(BASE.replaceAll('a.example.com', 'x.example.com').replaceAll('10.0.0.1', '10.9.9.9'));
    for (const objects of [one, other, one, other]) {
      expect(comparable(translate(buildResourceSet(objects), { cache }))).toEqual(
        comparable(translate(buildResourceSet(objects))),
      );
    }
  });
});
