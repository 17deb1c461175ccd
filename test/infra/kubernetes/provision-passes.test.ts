/**
 * `provisionPasses`: which outputs make the provisioner apply and list again. A route added or
 * removed changes its Gateway's status (attachedRoutes), never its Envoy's objects: no pass; a
 * change of the Gateway's spec, labels, or of a ListenerSet's attachment: a pass.
 */
import { firstValueFrom, from, toArray } from 'rxjs';
import { provisionPasses } from '../../../src/infra/kubernetes/reconciler.js';
import type { KubeObject } from '../../../src/resources/types.js';
import * as fixtures from '../../support/fixtures.js';

const gateway = (attachedRoutes: number, port = 80, labels?: Record<string, string>): KubeObject => {
  const gw = fixtures.gateway({ name: 'gw', namespace: 'apps', listeners: [fixtures.listener('http', port)] });
  return {
    ...gw,
    metadata: { ...gw.metadata, ...(labels ? { labels } : {}) },
    status: { listeners: [{ name: 'http', attachedRoutes, supportedKinds: [], conditions: [] }] },
  };
};

const set = (accepted: boolean): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'ListenerSet',
  metadata: { name: 'extra', namespace: 'apps' },
  spec: { parentRef: { name: 'gw' }, listeners: [{ name: 'https', port: 443, protocol: 'HTTPS' }] },
  status: { conditions: [{ type: 'Accepted', status: accepted ? 'True' : 'False' }] },
});

const passes = (outputs: KubeObject[][]) =>
  firstValueFrom(
    provisionPasses(from(outputs.map((resources) => ({ gateways: [{ name: 'apps/gw' }], resources })))).pipe(toArray()),
  );

test('a Gateway whose status alone changed (a route attached) runs no pass', async () => {
  const runs = await passes([[gateway(1)], [gateway(2)], [gateway(3)]]);
  expect(runs).toHaveLength(1);
});

test('a change of its spec or labels runs one', async () => {
  const runs = await passes([[gateway(1)], [gateway(1, 8080)], [gateway(1, 8080, { team: 'a' })]]);
  expect(runs).toHaveLength(3);
  expect(runs.at(-1)!.gateways[0]!.metadata.labels).toEqual({ team: 'a' });
});

test('a ListenerSet that becomes attached runs one (its ports join the Envoy)', async () => {
  const runs = await passes([
    [gateway(1), set(false)],
    [gateway(1), set(true)],
  ]);
  expect(runs.map((r) => r.gateways.map((o) => o.kind))).toEqual([['Gateway'], ['Gateway', 'ListenerSet']]);
});
