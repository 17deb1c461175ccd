import { generateObjects } from '../../bench/generate.js';
import { endpointOnlyChanges, ServiceEndpointsIndex } from '../../src/pipeline/endpoint-changes.js';
import {
  EMPTY_STORE,
  foldResourceEvent,
  resourceSetOf,
  type ResourceStore,
} from '../../src/pipeline/resource-store.js';
import type { EndpointSlice, KubeObject } from '../../src/resources/types.js';
import { refreshEndpoints, translate } from '../../src/translate/index.js';

function storeOf(objects: KubeObject[]): ResourceStore {
  let store = EMPTY_STORE;
  for (const object of objects) store = foldResourceEvent(store, { type: 'upsert', object, source: object.kind });
  return foldResourceEvent(store, { type: 'synced' });
}

function withSlice(store: ResourceStore, slice: EndpointSlice): ResourceStore {
  return foldResourceEvent(store, { type: 'upsert', object: slice, source: 'EndpointSlice' });
}

const objects = generateObjects(40);
const slice = objects.find((o): o is EndpointSlice => o.kind === 'EndpointSlice')!;
const service = `${slice.metadata.namespace}/${slice.metadata.labels?.['kubernetes.io/service-name']}`;
const scaled: EndpointSlice = {
  ...slice,
  endpoints: [...(slice.endpoints ?? []), { addresses: ['10.99.0.1'], conditions: { ready: true } }],
};

test('an EndpointSlice-only change names the affected Service', () => {
  const before = storeOf(objects);
  const after = withSlice(before, scaled);
  expect(endpointOnlyChanges(before, after)).toEqual(new Set([service]));
});

test('any other change needs a full translation', () => {
  const before = storeOf(objects);
  const route = objects.find((o) => o.kind === 'HTTPRoute')!;
  const changedRoute = { ...route, metadata: { ...route.metadata, generation: 9 } };
  const after = foldResourceEvent(before, { type: 'upsert', object: changedRoute, source: 'HTTPRoute' });
  expect(endpointOnlyChanges(before, after)).toBeUndefined();
  const deleted = foldResourceEvent(before, { type: 'delete', object: route, source: 'HTTPRoute' });
  expect(endpointOnlyChanges(before, deleted)).toBeUndefined();
});

test('the fast path (the changed Services as the store holds them, refreshed) produces exactly what a full translation produces', () => {
  const before = storeOf(objects);
  const after = withSlice(before, scaled);
  const previous = translate(resourceSetOf(before).resources).gateways;
  const fast = refreshEndpoints(previous, new ServiceEndpointsIndex().of(after, endpointOnlyChanges(before, after)!))!;
  const full = translate(resourceSetOf(after).resources).gateways;
  expect(fast.changed.map((g) => g.name)).toEqual(['bench/bench']);
  expect(fast.gateways.map((g) => g.xds)).toEqual(full.map((g) => g.xds));
  expect(fast.gateways.map((g) => g.ir)).toEqual(full.map((g) => g.ir));
  // Unchanged resources keep their identity, so the ADS server does not re-encode them.
  expect(fast.gateways[0]!.xds.routes).toBe(previous[0]!.xds.routes);
  expect(fast.gateways[0]!.xds.clusters).toBe(previous[0]!.xds.clusters);
});

test('a deleted EndpointSlice empties the assignment, as a full translation would', () => {
  const before = storeOf(objects);
  const after = foldResourceEvent(before, { type: 'delete', object: slice, source: 'EndpointSlice' });
  const previous = translate(resourceSetOf(before).resources).gateways;
  const fast = refreshEndpoints(previous, new ServiceEndpointsIndex().of(after, endpointOnlyChanges(before, after)!))!;
  const full = translate(resourceSetOf(after).resources).gateways;
  expect(fast.gateways.map((g) => g.xds)).toEqual(full.map((g) => g.xds));
});
