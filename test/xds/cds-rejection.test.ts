import { refusedClusters } from '../../src/xds/cds-rejection.js';

describe('refusedClusters', () => {
  const names = ['default/web/80', 'default/web-2/80', 'default/api/80'];

  test('names the clusters Envoy lists, not those whose name another one starts with', () => {
    // Envoy 1.40's words (seen in test/xds/cluster-nack.test.ts).
    const message =
      'Error adding/updating cluster(s) default/web-2/80: cluster: LB policy CLUSTER_PROVIDED is not valid, ' +
      'default/api/80: another reason: with a colon';
    expect([...refusedClusters(message, names)!].sort()).toEqual(['default/api/80', 'default/web-2/80']);
  });

  test('the first name of the list counts too', () => {
    expect([...refusedClusters('Error adding/updating cluster(s) default/web/80: x', names)!]).toEqual([
      'default/web/80',
    ]);
  });

  test('a message that is not the per-cluster form, or names none of them, says nothing', () => {
    expect(refusedClusters('Invalid duration: Expected positive duration', names)).toBeUndefined();
    expect(refusedClusters('Error adding/updating cluster(s) other/x/1: y', names)).toBeUndefined();
  });
});
