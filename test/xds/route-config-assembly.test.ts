/**
 * RouteConfigurations are encoded from per-virtual-host pieces: the bytes must decode to exactly
 * the message, and a change to one virtual host must encode only that one again.
 */
import { decodeResource, encodeResource } from '../../src/proto/codec.js';
import { ROUTE_CONFIGURATION } from '../../src/proto/type-urls.js';
import { buildResourceSet } from '../../src/resources/resource-set.js';
import type { HTTPRoute } from '../../src/resources/types.js';
import { TranslationCache, translate } from '../../src/translate/index.js';
import { ResourceEncoder } from '../../src/xds/resources.js';
import { generateObjects } from '../../bench/generate.js';

function moved(route: HTTPRoute): HTTPRoute {
  const spec = structuredClone(route.spec)!;
  spec.rules![0]!.matches![0]!.path = { type: 'PathPrefix', value: '/moved' };
  return { ...route, spec };
}

test('an assembled RouteConfiguration decodes to the message, and one change re-encodes one virtual host', () => {
  const cache = new TranslationCache();
  const encoder = new ResourceEncoder();
  let objects = generateObjects(100, { namespace: 'bench' });
  const first = translate(buildResourceSet(objects), { cache }).gateways[0]!.xds.routes[0]!;
  const a = encoder.acquire(ROUTE_CONFIGURATION, first);
  expect(decodeResource(ROUTE_CONFIGURATION, a.bytes)).toEqual(
    decodeResource(ROUTE_CONFIGURATION, encodeResource(ROUTE_CONFIGURATION, first)),
  );
  const encodedBefore = encoder.stats().virtualHostsEncoded;
  expect(encodedBefore).toBe((first.virtual_hosts as unknown[]).length);

  objects = objects.map((o) => (o.kind === 'HTTPRoute' && o.metadata.name === 'route-7' ? moved(o as HTTPRoute) : o));
  const second = translate(buildResourceSet(objects), { cache }).gateways[0]!.xds.routes[0]!;
  const b = encoder.acquire(ROUTE_CONFIGURATION, second);
  expect(encoder.stats().virtualHostsEncoded - encodedBefore).toBe(1);
  expect(b.version).not.toBe(a.version);
  const decoded = decodeResource(ROUTE_CONFIGURATION, b.bytes);
  expect(decoded).toEqual(decodeResource(ROUTE_CONFIGURATION, encodeResource(ROUTE_CONFIGURATION, second)));
  expect(JSON.stringify(decoded)).toContain('/moved');
});
