/**
 * The ADS server's bounds against a flood (stream-limits.ts), with a raw gRPC client: streams per
 * identity, names per subscription and per stream, request size. Each refusal is
 * RESOURCE_EXHAUSTED naming the bound's flag, counted by reason, and frees what it held: a closed
 * stream's place is given to the next one.
 */
import * as grpc from '@grpc/grpc-js';
import { AdsServer } from '../../src/xds/server.js';
import { silentLogger } from '../../src/shared/logger.js';
import { CLUSTER, CLUSTER_LOAD_ASSIGNMENT, ROUTE_CONFIGURATION } from '../../src/proto/type-urls.js';
import { RawAdsClient, type SotwResponse } from '../support/ads-client.js';
import { freePort } from '../support/envoy-ads.js';
import { GATEWAY, gatewayXds } from '../support/xds-fixtures.js';

let server: AdsServer;
let port: number;
const open: { close(): void }[] = [];

beforeAll(async () => {
  server = new AdsServer({
    port: 0,
    logger: silentLogger,
    limits: { maxStreamsPerIdentity: 2, maxNamesPerSubscription: 100, maxNamesPerStream: 150, maxRequestBytes: 16_384 },
  });
  port = await server.start();
  server.publish(GATEWAY, gatewayXds(await freePort(), [{ path: '/', service: 'web', backendPort: 9 }]));
});

afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

afterAll(async () => {
  await server.stop(500);
  server.dispose();
});

function sotw(): RawAdsClient<SotwResponse> {
  const c = RawAdsClient.sotw(port);
  open.push(c);
  return c;
}

const node = (id: string) => ({ id, cluster: GATEWAY });
const names = (n: number, prefix = 'made-up') => Array.from({ length: n }, (_, i) => `${prefix}/cluster-${i}/80`);

test('a stream past the streams of its identity is refused; a closed one gives its place back', async () => {
  const first = sotw();
  const second = sotw();
  for (const [i, c] of [first, second].entries()) {
    c.send({ node: node(`envoy-${i}`), type_url: CLUSTER });
    expect((await c.next()).type_url).toBe(CLUSTER);
  }
  const third = sotw();
  third.send({ node: node('envoy-3'), type_url: CLUSTER });
  const refused = await third.status;
  expect(refused.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  expect(refused.details).toContain('--xds-max-streams-per-identity');
  expect(third.received).toHaveLength(0);

  first.close();
  await first.status;
  // The server notices the cancelled stream; then a new one is served.
  let served = false;
  for (let i = 0; i < 50 && !served; i++) {
    const next = sotw();
    next.send({ node: node(`envoy-next-${i}`), type_url: CLUSTER });
    served = await next.next(2000).then(
      () => true,
      () => false,
    );
  }
  expect(served).toBe(true);
  expect(server.metrics.metrics().deniedStreams.too_many_streams).toBeGreaterThanOrEqual(1);
});

test('a subscription past the names of one subscription is refused, SotW and delta', async () => {
  const c = sotw();
  c.send({ node: node('names-sotw'), type_url: CLUSTER_LOAD_ASSIGNMENT, resource_names: names(101) });
  const refused = await c.status;
  expect(refused.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  expect(refused.details).toContain('--xds-max-names-per-subscription');
  expect(c.received).toHaveLength(0);

  const d = RawAdsClient.delta(port);
  open.push(d);
  d.send({ node: node('names-delta'), type_url: CLUSTER_LOAD_ASSIGNMENT, resource_names_subscribe: names(60) });
  // Growing a delta subscription past the bound, 60 names at a time.
  d.send({ type_url: CLUSTER_LOAD_ASSIGNMENT, resource_names_subscribe: names(60, 'more') });
  const deltaRefused = await d.status;
  expect(deltaRefused.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  expect(deltaRefused.details).toContain('--xds-max-names-per-subscription');
  expect(server.metrics.metrics().deniedStreams.too_many_names_per_subscription).toBe(2);
});

test('a stream past the names of all its subscriptions is refused', async () => {
  const c = sotw();
  c.send({ node: node('names-stream'), type_url: CLUSTER_LOAD_ASSIGNMENT, resource_names: names(90) });
  c.send({ type_url: ROUTE_CONFIGURATION, resource_names: names(90, 'routes') });
  const refused = await c.status;
  expect(refused.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  expect(refused.details).toContain('--xds-max-names-per-stream');
  expect(server.metrics.metrics().deniedStreams.too_many_names_per_stream).toBe(1);
});

test('a request larger than the request size bound is refused', async () => {
  const c = sotw();
  c.send({ node: { ...node('big'), id: 'x'.repeat(20_000) }, type_url: CLUSTER });
  const refused = await c.status;
  expect(refused.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  expect(refused.details).toMatch(/larger than max \(\d+ vs\.? 16384\)/);
  expect(c.received).toHaveLength(0);
});

test('none of the refused streams reached the Gateway as a proxy', () => {
  const nodes = server.clients().map((c) => c.nodeId);
  for (const refused of ['envoy-3', 'names-sotw', 'names-delta', 'names-stream', 'big']) {
    expect(nodes).not.toContain(refused);
  }
});
