/**
 * Unit tests for what makes the ADS fan-out scale: responses shared between streams (with a
 * per-stream nonce override where needed) and the bound on bytes written at once.
 */
import { protoRoot } from '../../src/proto/root.js';
import { CLUSTER } from '../../src/proto/type-urls.js';
import { nonceField } from '../../src/xds/wire.js';
import { ViewCache } from '../../src/xds/views.js';
import { WriteQueue, type QueuedCall } from '../../src/xds/write-queue.js';
import { SnapshotCache } from '../../src/xds/snapshot.js';
import { GATEWAY, gatewayXds } from '../support/xds-fixtures.js';

const response = protoRoot().lookupType('envoy.service.discovery.v3.DiscoveryResponse');

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
    const plain = response.decode(shared.bytes) as unknown as { nonce: string; resources: unknown[] };
    expect(plain.nonce).toBe(shared.nonce);
    const own = response.decode(Buffer.concat([shared.bytes, nonceField('v1.7')])) as unknown as {
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
      write(parts, callback) {
        log.push(`${name}:${parts.map((p) => p.length).join('+')}`);
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
    const queue = new WriteQueue(10);
    const a = fakeCall(log, 'a');
    const b = fakeCall(log, 'b');
    queue.write(a, [Buffer.alloc(8)]);
    queue.write(b, [Buffer.alloc(8)]);
    queue.write(a, [Buffer.alloc(1), Buffer.alloc(1)]);
    expect(log).toEqual(['a:8']);
    a.flush();
    expect(log).toEqual(['a:8', 'b:8', 'a:1+1']);
    expect(queue.pendingBytes).toBe(10);
  });

  test('a call that ends gives its share back', () => {
    const log: string[] = [];
    const queue = new WriteQueue(10);
    const a = fakeCall(log, 'a');
    const b = fakeCall(log, 'b');
    queue.write(a, [Buffer.alloc(9)]);
    queue.write(a, [Buffer.alloc(9)]);
    queue.write(b, [Buffer.alloc(9)]);
    queue.forget(a);
    expect(log).toEqual(['a:9', 'b:9']);
    expect(queue.pendingBytes).toBe(9);
  });
});
