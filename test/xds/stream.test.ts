/**
 * One ADS stream driven directly through a fake host (no gRPC, a fake clock): the serving rules
 * of `stream.ts` and its pieces, each observed through what the stream pushes, reports and emits.
 */
import { CLUSTER, CLUSTER_LOAD_ASSIGNMENT, LISTENER, ROUTE_CONFIGURATION } from '../../src/proto/type-urls.js';
import type { AdsStream } from '../../src/xds/stream.js';
import { StreamRefused } from '../../src/xds/stream-requests.js';
import { FakeStreamHost, node, resources, type Push } from './fake-stream-host.js';

/** A SotW client's requests on `stream`. */
function sotw(stream: AdsStream) {
  return {
    subscribe(typeUrl: string, names: string[] = []): void {
      stream.handleSotw({ node, type_url: typeUrl, resource_names: names });
    },
    ack(push: Push | undefined, names: string[] = []): void {
      if (!push) throw new Error('nothing pushed to ACK');
      stream.handleSotw({
        node,
        type_url: push.typeUrl,
        resource_names: names,
        response_nonce: push.nonce,
        version_info: push.version,
      });
    },
    nack(push: Push | undefined, message: string, names: string[] = []): void {
      if (!push) throw new Error('nothing pushed to NACK');
      stream.handleSotw({
        node,
        type_url: push.typeUrl,
        resource_names: names,
        response_nonce: push.nonce,
        error_detail: { code: 13, message },
      });
    },
  };
}

/** A stream subscribed to every type of `resources(clusters)`, nothing ACKed yet. */
function subscribed(host: FakeStreamHost, clusters: string[]) {
  host.publish(resources(clusters));
  const stream = host.stream('sotw');
  const client = sotw(stream);
  client.subscribe(CLUSTER);
  client.subscribe(CLUSTER_LOAD_ASSIGNMENT, clusters);
  client.subscribe(LISTENER);
  client.subscribe(ROUTE_CONFIGURATION, ['r1']);
  return { stream, client };
}

/** Runs the stream to programmed: every push ACKed, in push order. */
function ackAll(host: FakeStreamHost, client: ReturnType<typeof sotw>, eds: string[]): void {
  for (let round = 0; round < 8; round++) {
    const before = host.pushes().length;
    for (const typeUrl of [CLUSTER, CLUSTER_LOAD_ASSIGNMENT, LISTENER, ROUTE_CONFIGURATION]) {
      const push = host.lastPush(typeUrl);
      const names = typeUrl === CLUSTER_LOAD_ASSIGNMENT ? eds : typeUrl === ROUTE_CONFIGURATION ? ['r1'] : [];
      if (push) client.ack(push, names);
    }
    if (host.pushes().length === before) return;
  }
}

describe('AdsStream with a fake host', () => {
  test('refuses a first request that does not say which Envoy and Gateway it is', () => {
    const host = new FakeStreamHost();
    const stream = host.stream();
    expect(() => stream.handleSotw({ node: { id: 'envoy-1' }, type_url: CLUSTER })).toThrow(StreamRefused);
    expect(() => stream.handleSotw({ node: { id: 'envoy-1', cluster: 'gw' }, type_url: CLUSTER })).toThrow(
      /<namespace>\/<gateway-name>/,
    );
    expect(host.bound).toBe(0);
  });

  test('listeners and routes wait until clusters and their assignments are ACKed', () => {
    const host = new FakeStreamHost();
    const { stream, client } = subscribed(host, ['c1']);
    expect(host.pushes().map((p) => p.typeUrl)).toEqual([CLUSTER, CLUSTER_LOAD_ASSIGNMENT]);
    client.ack(host.lastPush(CLUSTER));
    expect(host.lastPush(LISTENER)).toBeUndefined();
    client.ack(host.lastPush(CLUSTER_LOAD_ASSIGNMENT), ['c1']);
    expect(host.pushes(LISTENER)).toHaveLength(1);
    expect(host.pushes(ROUTE_CONFIGURATION)).toHaveLength(1);
    expect(stream.status().state).toBe('pending');
    client.ack(host.lastPush(LISTENER));
    client.ack(host.lastPush(ROUTE_CONFIGURATION), ['r1']);
    expect(stream.status()).toEqual({ state: 'programmed' });
  });

  test('the warm gate opens on the injected clock once the timeout has passed', () => {
    const host = new FakeStreamHost(10_000);
    subscribed(host, ['c1']);
    // Neither clusters nor assignments are ever ACKed: only the timeout lets listeners out.
    expect(host.lastPush(LISTENER)).toBeUndefined();
    expect(host.clock.armed).toBe(1);
    host.clock.advance(9_999);
    expect(host.lastPush(LISTENER)).toBeUndefined();
    host.clock.advance(2);
    expect(host.pushes(LISTENER)).toHaveLength(1);
    expect(
      host.logger.lines.some(
        (e) => e.msg === 'clusters not confirmed warm in time: sending listeners and routes anyway',
      ),
    ).toBe(true);
  });

  test('a transient NACK is retried when the backoff on the injected clock is over', () => {
    const host = new FakeStreamHost();
    const { stream, client } = subscribed(host, ['c1']);
    ackAll(host, client, ['c1']);
    expect(stream.status()).toEqual({ state: 'programmed' });
    host.publish(resources(['c1'], 9090), stream);
    const sent = host.lastPush(LISTENER)!;
    client.nack(sent, 'cannot bind 0.0.0.0:9090: Address already in use');
    expect(stream.status()).toEqual({
      state: 'pending',
      message: expect.stringContaining('retrying with backoff') as unknown as string,
    });
    expect(stream.rejection()).toBeUndefined();
    expect(host.pushes(LISTENER)).toHaveLength(2);
    host.clock.advance(500);
    const retried = host.pushes(LISTENER);
    expect(retried).toHaveLength(3);
    expect(retried[2]!.version).toBe(sent.version);
    client.ack(retried[2]);
    expect(stream.status()).toEqual({ state: 'programmed' });
    expect(stream.info().types.find((t) => t.typeUrl === LISTENER)?.retrying).toBeUndefined();
  });

  test('a lasting NACK is reported as rejected and the same content is not sent again', () => {
    const host = new FakeStreamHost();
    const { stream, client } = subscribed(host, ['c1']);
    ackAll(host, client, ['c1']);
    host.publish(resources(['c1'], 9090), stream);
    client.nack(host.lastPush(LISTENER), 'invalid listener');
    const rejected = stream.rejection();
    expect(rejected?.state).toBe('rejected');
    expect(stream.status()).toEqual(rejected);
    expect(host.events.at(-1)).toMatchObject({ kind: 'nack', typeUrl: LISTENER, message: 'invalid listener' });
    host.clock.advance(60_000);
    expect(host.pushes(LISTENER)).toHaveLength(2);
    expect(host.clock.armed).toBe(0);
  });

  test('dropped clusters are kept until the routes that dropped them are ACKed', () => {
    const host = new FakeStreamHost();
    const { stream, client } = subscribed(host, ['c1', 'c2']);
    ackAll(host, client, ['c1', 'c2']);
    expect(stream.status()).toEqual({ state: 'programmed' });
    host.publish(resources(['c3']), stream);
    // c1 and c2 are gone from the snapshot but the routes Envoy runs still use c1.
    expect(host.lastPush(CLUSTER)!.resources.sort()).toEqual(['c1', 'c2', 'c3']);
    expect(stream.status()).toMatchObject({ state: 'pending' });
    client.ack(host.lastPush(CLUSTER));
    // Envoy asks for the assignment of the new cluster (and still has the retained ones).
    client.ack(host.lastPush(CLUSTER_LOAD_ASSIGNMENT), ['c1', 'c2', 'c3']);
    expect(host.lastPush(CLUSTER_LOAD_ASSIGNMENT)!.resources).toEqual(['c3']);
    expect(host.pushes(ROUTE_CONFIGURATION)).toHaveLength(1);
    client.ack(host.lastPush(CLUSTER_LOAD_ASSIGNMENT), ['c1', 'c2', 'c3']);
    const routes = host.lastPush(ROUTE_CONFIGURATION)!;
    expect(host.pushes(ROUTE_CONFIGURATION)).toHaveLength(2);
    expect(stream.status()).toMatchObject({ state: 'pending' });
    client.ack(routes, ['r1']);
    // The routes settled: the next Cluster response leaves c1 and c2 out.
    expect(host.lastPush(CLUSTER)!.resources).toEqual(['c3']);
    client.ack(host.lastPush(CLUSTER));
    expect(stream.status()).toEqual({ state: 'programmed' });
  });

  test('a status event reports a rejection that clears with no ACK or NACK', () => {
    const host = new FakeStreamHost();
    const { stream, client } = subscribed(host, ['c1']);
    ackAll(host, client, ['c1']);
    const changed = resources(['c1']);
    changed.routes[0]!.virtual_hosts = [{ name: 'all', domains: ['example.com'], routes: [] }];
    host.publish(changed, stream);
    const routes = host.lastPush(ROUTE_CONFIGURATION);
    client.nack(routes, 'invalid route configuration', ['r1']);
    expect(stream.status().state).toBe('rejected');
    const events = host.events.length;
    // The Envoy stops asking for what it rejected: it holds all it asks for.
    client.ack(routes, []);
    expect(host.events.slice(events)).toEqual([
      { kind: 'status', nodeId: 'envoy-1', gateway: 'default/gw', state: 'programmed' },
    ]);
    expect(stream.status()).toEqual({ state: 'programmed' });
  });

  test('closing cancels the timers armed on the clock', () => {
    const host = new FakeStreamHost();
    const { stream } = subscribed(host, ['c1']);
    expect(host.clock.armed).toBe(1);
    stream.close();
    expect(host.clock.armed).toBe(0);
  });
});
