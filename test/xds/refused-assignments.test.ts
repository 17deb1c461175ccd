/**
 * Which ClusterLoadAssignments the warm gate stops waiting for once Envoy refused clusters: those
 * only refused clusters use. Policy copies of a cluster share its assignment; one copy refused
 * must not stop the wait for the assignment its accepted siblings need.
 */
import { refusedAssignments } from '../../src/xds/cluster-warmth.js';

const clusters = new Map([
  ['ns/web/80', { edsName: 'ns/web/80' }],
  ['ns/web/80/policy/ns/p1', { edsName: 'ns/web/80' }],
  ['ns/web/80/policy/ns/p2', { edsName: 'ns/web/80' }],
  ['ns/api/80/policy/ns/p2', { edsName: 'ns/api/80' }],
  ['dns/jwks', { edsName: undefined }],
]);

test('an assignment an accepted cluster shares with a refused one is still waited for', () => {
  expect([...refusedAssignments(clusters, new Set(['ns/web/80/policy/ns/p2']))]).toEqual([]);
});

test('an assignment only refused clusters use is not', () => {
  expect([...refusedAssignments(clusters, new Set(['ns/web/80/policy/ns/p2', 'ns/api/80/policy/ns/p2']))]).toEqual([
    'ns/api/80',
  ]);
  const all = new Set(['ns/web/80', 'ns/web/80/policy/ns/p1', 'ns/web/80/policy/ns/p2']);
  expect([...refusedAssignments(clusters, all)]).toEqual(['ns/web/80']);
  expect([...refusedAssignments(clusters, new Set(['dns/jwks']))]).toEqual([]);
});
