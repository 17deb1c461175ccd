/**
 * Make-before-break bookkeeping (`cluster-retention.ts`) and the assignments that must follow a
 * (re)sent cluster (`assignment-follow-up.ts`), on encoded resources and without a stream.
 */
import { CLUSTER, CLUSTER_LOAD_ASSIGNMENT, LISTENER } from '../../src/proto/type-urls.js';
import { AssignmentFollowUp } from '../../src/xds/assignment-follow-up.js';
import { ClusterRetention } from '../../src/xds/cluster-retention.js';
import { ResourceEncoder, type EncodedResource } from '../../src/xds/resources.js';
import type { TypeView } from '../../src/xds/views.js';
import { assignment, cluster } from './fake-stream-host.js';

const encoder = new ResourceEncoder();
const clusters = (...names: string[]): Map<string, EncodedResource> =>
  new Map(names.map((n) => [n, encoder.acquire(CLUSTER, cluster(n))] as const));
const assignments = (...names: string[]): Map<string, EncodedResource> =>
  new Map(names.map((n) => [n, encoder.acquire(CLUSTER_LOAD_ASSIGNMENT, assignment(n))] as const));
const viewOf = (resources: Map<string, EncodedResource>): TypeView =>
  ({ resources, version: 'v' }) as unknown as TypeView;

describe('ClusterRetention', () => {
  test('keeps clusters the client has that the snapshot dropped, with their assignments', () => {
    const retention = new ClusterRetention('sotw');
    retention.capture(clusters('a', 'b'), clusters('a', 'b', 'c'), assignments('a', 'b', 'c'));
    expect(retention.names()).toEqual(['c']);
    expect([...retention.extra(CLUSTER)!.resources.keys()]).toEqual(['c']);
    expect([...retention.extra(CLUSTER_LOAD_ASSIGNMENT)!.resources.keys()]).toEqual(['c']);
    expect(retention.extra(LISTENER)).toBeUndefined();
    expect(retention.usesAssignment('c')).toBe(true);
    expect([...retention.keep(CLUSTER)]).toEqual(['c']);
  });

  test('a cluster back in the snapshot is released; release drops the rest', () => {
    const retention = new ClusterRetention('delta');
    retention.capture(clusters('a'), clusters('a', 'b', 'c'), undefined);
    const gen = retention.gen;
    retention.capture(clusters('a', 'b'), clusters('a', 'b', 'c'), undefined);
    expect(retention.names()).toEqual(['c']);
    expect(retention.gen).toBeGreaterThan(gen);
    retention.release();
    expect(retention.size).toBe(0);
    expect(retention.extra(CLUSTER)).toBeUndefined();
  });

  test('SotW cannot keep a cluster it only knows the version of', () => {
    const retention = new ClusterRetention('sotw');
    retention.capture(clusters('a'), new Map([['b', { version: 'x' }]]), undefined);
    expect(retention.size).toBe(0);
    const delta = new ClusterRetention('delta');
    delta.capture(clusters('a'), new Map([['b', { version: 'x' }]]), undefined);
    expect(delta.names()).toEqual(['b']);
  });
});

describe('AssignmentFollowUp', () => {
  test('an assignment follows its sent cluster and is settled by the ACK of its response', () => {
    const followUp = new AssignmentFollowUp();
    const view = viewOf(assignments('a', 'b'));
    followUp.clustersSent(clusters('a').values(), 1);
    expect(followUp.anyDirty(view)).toBe(true);
    expect(followUp.forcedResends(view, () => true).map((r) => r.name)).toEqual(['a']);
    followUp.assignmentsSent(view, 2);
    expect(followUp.anyDirty(view)).toBe(false);
    expect([...followUp.inFlight()]).toEqual(['a']);
    followUp.acked(1);
    expect(followUp.settled).toBe(false);
    followUp.acked(2);
    expect(followUp.settled).toBe(true);
  });

  test('forgets assignments of clusters that are gone', () => {
    const followUp = new AssignmentFollowUp();
    followUp.clustersSent(clusters('a', 'b').values(), 1);
    followUp.prune((name) => name === 'a');
    expect([...followUp.inFlight()]).toEqual(['a']);
  });
});
