/**
 * Unit tests for what makes the ADS fan-out scale: responses shared between streams (with a
 * per-stream nonce override where needed) and the bound on bytes written at once.
 */
import { protoRoot } from '../../src/proto/root.js';
import { CLUSTER } from '../../src/proto/type-urls.js';
import { GrpcFrame } from '../../src/xds/grpc-frame.js';
import { nonceField } from '../../src/xds/wire.js';
import { ViewCache } from '../../src/xds/views.js';
import { WriteQueue, type QueuedCall } from '../../src/xds/write-queue.js';
import { NAMES_COUNT, SotwRequestDecoder } from '../../src/xds/sotw-request.js';
import { SnapshotCache } from '../../src/xds/snapshot.js';
import { GATEWAY, gatewayXds } from '../support/xds-fixtures.js';

const response = protoRoot().lookupType('envoy.service.discovery.v3.DiscoveryResponse');
const request = protoRoot().lookupType('envoy.service.discovery.v3.DiscoveryRequest');

describe('shared SotW responses', () => {
  const cache = new SnapshotCache();
  cache.publish(GATEWAY, gatewayXds(18081, [{ path: '/', service: 'web', backendPort: 10001 }]));
  const snapshot = cache.get(GATEWAY)!;

  test('equal subscriptions share one view and one encoded response', () => {
    const views = new ViewCache();
    const a = views.view(snapshot, CLUSTER, views.subscription(true, []));
    const b = views.view(snapshot, CLUSTER, views.subscription(true, []));
    expect(b).toBe(a);
    expect(views.sotwResponse(b, 'portico')).toBe(views.sotwResponse(a, 'portico'));
    const named = views.subscription(false, ['x', 'y']);
    expect(views.subscription(false, ['y', 'x', 'y'])).toBe(named);
  });

  test('an appended nonce field overrides the shared one', () => {
    const views = new ViewCache();
    const shared = views.sotwResponse(views.view(snapshot, CLUSTER, views.subscription(true, [])), 'portico');
    const plain = response.decode(shared.frame.message) as unknown as { nonce: string; resources: unknown[] };
    expect(plain.nonce).toBe(shared.nonce);
    const own = response.decode(Buffer.concat([shared.frame.message, nonceField('v1.7')])) as unknown as {
      nonce: string;
      resources: unknown[];
      version_info: string;
    };
    expect(own.nonce).toBe('v1.7');
    expect(own.resources).toHaveLength(plain.resources.length);
  });
});

describe('WriteQueue', () => {
  function fakeCall(log: string[], name: string): QueuedCall & { flush(): void } {
    const callbacks: (() => void)[] = [];
    return {
      writable: true,
      write(frame, callback) {
        log.push(`${name}:${frame.message.length}`);
        callbacks.push(() => callback());
        return true;
      },
      flush() {
        for (const cb of callbacks.splice(0)) cb();
      },
    };
  }

  test('bounds the bytes in flight and keeps the order', () => {
    const log: string[] = [];
    const queue = new WriteQueue(15);
    const a = fakeCall(log, 'a');
    const b = fakeCall(log, 'b');
    // Frames of 3 + 5 bytes (the gRPC prefix) each, then one of 2 + 5 bytes.
    queue.write(a, GrpcFrame.of([Buffer.alloc(3)]));
    queue.write(b, GrpcFrame.of([Buffer.alloc(3)]));
    queue.write(a, GrpcFrame.of([Buffer.alloc(1), Buffer.alloc(1)]));
    expect(log).toEqual(['a:3']);
    a.flush();
    expect(log).toEqual(['a:3', 'b:3', 'a:2']);
    expect(queue.pendingBytes).toBe(15);
  });

  test('a call that ends gives its share back', () => {
    const log: string[] = [];
    const queue = new WriteQueue(10);
    const a = fakeCall(log, 'a');
    const b = fakeCall(log, 'b');
    queue.write(a, GrpcFrame.of([Buffer.alloc(4)]));
    queue.write(a, GrpcFrame.of([Buffer.alloc(4)]));
    queue.write(b, GrpcFrame.of([Buffer.alloc(4)]));
    queue.forget(a);
    expect(log).toEqual(['a:4', 'b:4']);
    expect(queue.pendingBytes).toBe(9);
  });
});

describe('SotwRequestDecoder', () => {
  const names = (n: number, prefix = 'ns/cluster-'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  const encode = (fields: Record<string, unknown>): Buffer =>
    Buffer.from(request.encode(request.fromObject(fields)).finish());
  const plain = (bytes: Buffer): Record<string, unknown> =>
    request.toObject(request.decode(bytes), { defaults: true }) as Record<string, unknown>;
  const decoded = (d: SotwRequestDecoder, bytes: Buffer): Record<string, unknown> =>
    request.toObject(d.decode(bytes), { defaults: true }) as Record<string, unknown>;

  test('decodes what protobufjs decodes, and gives equal names lists as one shared array', () => {
    const d = new SotwRequestDecoder(request);
    const a = encode({
      version_info: '7',
      node: { id: 'a', cluster: 'ns/gw' },
      resource_names: names(100),
      type_url: CLUSTER,
      response_nonce: 'v1',
    });
    const b = encode({ version_info: '8', resource_names: names(100), type_url: CLUSTER, response_nonce: 'v2' });
    expect(decoded(d, a)).toEqual(plain(a));
    expect(decoded(d, b)).toEqual(plain(b));
    const first = d.decode(a) as unknown as { resource_names: readonly string[] };
    const second = d.decode(b) as unknown as { resource_names: readonly string[] };
    expect(second.resource_names).toBe(first.resource_names);
    expect(Object.isFrozen(first.resource_names)).toBe(true);
    // Another list is another array.
    const c = encode({ resource_names: names(101), type_url: CLUSTER });
    expect((d.decode(c) as unknown as { resource_names: readonly string[] }).resource_names).not.toBe(
      first.resource_names,
    );
  });

  test('short lists, names split around other fields, and no names decode as they are', () => {
    const d = new SotwRequestDecoder(request);
    const short = encode({ resource_names: ['a', 'b'], type_url: CLUSTER });
    expect(decoded(d, short)).toEqual(plain(short));
    const one = encode({ resource_names: names(60), type_url: CLUSTER });
    const split = Buffer.concat([one, encode({ version_info: 'x' }), encode({ resource_names: names(60, 'more-') })]);
    expect(decoded(d, split)).toEqual(plain(split));
    expect(plain(split).resource_names).toHaveLength(120);
    const none = encode({ type_url: CLUSTER, version_info: 'x'.repeat(300) });
    expect(decoded(d, none)).toEqual(plain(none));
  });

  test('counts names without decoding them; decodes them when they are first read', () => {
    const d = new SotwRequestDecoder(request);
    const message = d.decode(encode({ resource_names: names(100, 'lazy-'), type_url: CLUSTER }));
    expect(message[NAMES_COUNT]).toBe(100);
    expect(d.namesDecoded).toBe(0);
    expect(message.resource_names).toEqual(names(100, 'lazy-'));
    expect(message.resource_names).toBe(message.resource_names);
    expect(d.namesDecoded).toBe(1);
  });

  test('keeps at most `capacity` lists', () => {
    const d = new SotwRequestDecoder(request, 2);
    const lists = [0, 1, 2].map((i) => encode({ resource_names: names(50, `l${i}-`) }));
    const first = (d.decode(lists[0]!) as unknown as { resource_names: readonly string[] }).resource_names;
    const read = (bytes: Buffer): unknown => (d.decode(bytes) as unknown as { resource_names: unknown }).resource_names;
    read(lists[1]!);
    read(lists[2]!); // evicts list 0
    const again = (d.decode(lists[0]!) as unknown as { resource_names: readonly string[] }).resource_names;
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});
