import { canonicalStatus, keepTransitionTimes, planStatus } from '../../src/k8s/status-diff.js';
import type { Condition, KubeObject } from '../../src/resources/types.js';
import { CONTROLLER_NAME } from '../../src/resources/types.js';
import { gateway, gatewayClass, httpRoute } from '../support/quickstart-objects.js';

const T0 = '2024-01-01T00:00:00Z';
const T1 = '2024-02-02T00:00:00Z';

function cond(type: string, status: 'True' | 'False', reason: string, time = T1, message = 'm'): Condition {
  return { type, status, reason, message, observedGeneration: 1, lastTransitionTime: time };
}

const classes = (name: string): KubeObject | undefined => (name === 'portico' ? gatewayClass : undefined);

describe('planStatus', () => {
  it('writes a Gateway of our class whose status changed, keeping fields it does not compute', () => {
    const live: KubeObject = {
      ...gateway('a'),
      status: {
        addresses: [{ type: 'IPAddress', value: '10.0.0.1' }],
        conditions: [cond('Accepted', 'False', 'Pending', T0)],
      },
    };
    const plan = planStatus(live, { conditions: [cond('Accepted', 'True', 'Accepted')], listeners: [] }, classes);
    expect(plan).toEqual({
      write: true,
      status: {
        addresses: [{ type: 'IPAddress', value: '10.0.0.1' }],
        conditions: [cond('Accepted', 'True', 'Accepted')],
        listeners: [],
      },
    });
  });

  it('does not write when only lastTransitionTime differs, and keeps the live time for unchanged conditions', () => {
    const live: KubeObject = { ...gateway('a'), status: { conditions: [cond('Accepted', 'True', 'Accepted', T0)] } };
    expect(planStatus(live, { conditions: [cond('Accepted', 'True', 'Accepted', T1)] }, classes)).toEqual({
      write: false,
      why: 'unchanged',
    });
    // A changed message is written, with the transition time of the unchanged status kept.
    const plan = planStatus(live, { conditions: [cond('Accepted', 'True', 'Accepted', T1, 'new message')] }, classes);
    expect(plan.write && (plan.status.conditions as Condition[])[0]).toEqual(
      cond('Accepted', 'True', 'Accepted', T0, 'new message'),
    );
  });

  it('keeps conditions of types it does not write where they are live, on the Gateway and its listeners', () => {
    const foreign = cond('example.com/Audited', 'True', 'Audited', T0);
    const gone = cond('example.com/Stale', 'True', 'Stale', T0);
    const live: KubeObject = {
      ...gateway('a'),
      status: {
        conditions: [foreign, cond('Accepted', 'False', 'Pending', T0), cond('Programmed', 'False', 'Pending', T0)],
        listeners: [
          {
            name: 'http',
            attachedRoutes: 0,
            supportedKinds: [],
            conditions: [cond('Accepted', 'True', 'Accepted', T0), foreign],
          },
        ],
      },
    };
    // The computed status was made from an older copy that still had another foreign condition:
    // what is live wins for conditions that are not Portico's.
    const computed = {
      conditions: [gone, cond('Accepted', 'True', 'Accepted'), cond('Programmed', 'True', 'Programmed')],
      listeners: [
        {
          name: 'http',
          attachedRoutes: 1,
          supportedKinds: [],
          conditions: [cond('Accepted', 'True', 'Accepted'), cond('Programmed', 'True', 'Programmed')],
        },
      ],
    };
    const plan = planStatus(live, computed, classes);
    expect(plan.write && plan.status).toEqual({
      conditions: [foreign, cond('Accepted', 'True', 'Accepted'), cond('Programmed', 'True', 'Programmed')],
      listeners: [
        {
          name: 'http',
          attachedRoutes: 1,
          supportedKinds: [],
          conditions: [cond('Accepted', 'True', 'Accepted', T0), foreign, cond('Programmed', 'True', 'Programmed')],
        },
      ],
    });
  });

  it('never writes a Gateway or GatewayClass of another controller', () => {
    const other: KubeObject = { ...gateway('a'), spec: { gatewayClassName: 'other', listeners: [] } };
    expect(planStatus(other, { conditions: [cond('Accepted', 'True', 'Accepted')] }, classes)).toEqual({
      write: false,
      why: 'not-ours',
    });
    const otherClass: KubeObject = { ...gatewayClass, spec: { controllerName: 'example.com/other' } };
    expect(planStatus(otherClass, { conditions: [] }, classes).write).toBe(false);
  });

  it('writes only our route parents and keeps every other controller’s entry from the live object', () => {
    const theirs = {
      parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'theirs' },
      controllerName: 'example.com/other',
      conditions: [cond('Accepted', 'True', 'Accepted', T0)],
    };
    const oursBefore = {
      parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'a' },
      controllerName: CONTROLLER_NAME,
      conditions: [cond('Accepted', 'True', 'Accepted', T0)],
    };
    const live: KubeObject = { ...httpRoute('r', 'a', 'web'), status: { parents: [oursBefore, theirs] } };
    // The computed status came from a stale copy without the other controller's entry.
    const computed = {
      parents: [
        {
          parentRef: { name: 'a' },
          controllerName: CONTROLLER_NAME,
          conditions: [cond('Accepted', 'True', 'Accepted')],
        },
      ],
    };
    expect(planStatus(live, computed, classes)).toEqual({ write: false, why: 'unchanged' });

    const changed = {
      parents: [
        {
          parentRef: { name: 'a' },
          controllerName: CONTROLLER_NAME,
          conditions: [cond('Accepted', 'False', 'NotAllowedByListeners')],
        },
      ],
    };
    const plan = planStatus(live, changed, classes);
    expect(plan.write).toBe(true);
    expect(plan.write && plan.status.parents).toEqual([theirs, changed.parents[0]]);
  });

  it('leaves a route alone that has no parent of ours, before or after', () => {
    const live: KubeObject = { ...httpRoute('r', 'x', 'web'), status: { parents: [] } };
    expect(planStatus(live, { parents: [] }, classes)).toEqual({ write: false, why: 'not-ours' });
  });

  it('removes our stale parent entry when the route no longer attaches to our Gateways', () => {
    const ours = { parentRef: { name: 'a' }, controllerName: CONTROLLER_NAME, conditions: [] };
    const live: KubeObject = { ...httpRoute('r', 'a', 'web'), status: { parents: [ours] } };
    expect(planStatus(live, { parents: [] }, classes)).toEqual({ write: true, status: { parents: [] } });
  });
});

describe('canonicalStatus', () => {
  it('ignores transition times, parent order and the defaults the API server fills in', () => {
    const a = {
      parents: [
        { parentRef: { name: 'x' }, controllerName: 'b', conditions: [cond('Accepted', 'True', 'A', T0)] },
        { parentRef: { name: 'y' }, controllerName: 'a', conditions: [] },
      ],
    };
    const b = {
      parents: [
        {
          parentRef: { name: 'y', group: 'gateway.networking.k8s.io', kind: 'Gateway' },
          controllerName: 'a',
          conditions: [],
        },
        { parentRef: { name: 'x' }, controllerName: 'b', conditions: [cond('Accepted', 'True', 'A', T1)] },
      ],
    };
    expect(canonicalStatus('HTTPRoute', 'default', a)).toBe(canonicalStatus('HTTPRoute', 'default', b));
    const gwA = {
      listeners: [{ name: 'l', supportedKinds: [{ kind: 'HTTPRoute' }] }],
      addresses: [{ value: '1.2.3.4' }],
    };
    const gwB = {
      addresses: [{ type: 'IPAddress', value: '1.2.3.4' }],
      listeners: [{ name: 'l', supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }] }],
    };
    expect(canonicalStatus('Gateway', 'default', gwA)).toBe(canonicalStatus('Gateway', 'default', gwB));
  });
});

describe('keepTransitionTimes', () => {
  it('keeps the time of a condition whose type, status and reason match; takes the new one otherwise', () => {
    const previous = [cond('Accepted', 'True', 'Accepted', T0), cond('Programmed', 'False', 'Pending', T0)];
    const next = [cond('Accepted', 'True', 'Accepted', T1, 'other text'), cond('Programmed', 'True', 'Programmed', T1)];
    expect(keepTransitionTimes(next, previous).map((c) => c.lastTransitionTime)).toEqual([T0, T1]);
  });
});
