import { EdgeFilter, edgeDecision, seenVersionOf } from '../../src/k8s/edge-filter.js';
import { ObservedStatuses } from '../../src/k8s/observed-statuses.js';
import { buildResourceSet } from '../../src/resources/resource-set.js';
import type { KubeObject } from '../../src/resources/types.js';
import { translate } from '../../src/translate/index.js';
import { gateway, gatewayClass } from '../support/quickstart-objects.js';

function version(object: KubeObject, resourceVersion: string, changes: Partial<KubeObject> = {}): KubeObject {
  return { ...object, ...changes, metadata: { ...object.metadata, ...changes.metadata, resourceVersion } };
}

const gw = version(gateway('a'), '10');
const service: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default', resourceVersion: '5' },
};

describe('edgeDecision', () => {
  it('forwards an object never seen', () => {
    expect(edgeDecision(undefined, gw, true)).toBe('forward');
  });

  it('drops an update with the resourceVersion already seen, for every kind', () => {
    expect(edgeDecision(seenVersionOf(gw), gw, true)).toBe('unchanged');
    expect(edgeDecision(seenVersionOf(service), service, false)).toBe('unchanged');
  });

  it('keeps back a status-only update of a spec-only kind (same generation, labels, annotations)', () => {
    const statusWrite = version(gw, '11', { status: { conditions: [] } });
    expect(edgeDecision(seenVersionOf(gw), statusWrite, true)).toBe('status-only');
  });

  it('forwards a spec change (new generation) of a spec-only kind', () => {
    const specChange = version(gw, '12', { metadata: { ...gw.metadata, generation: 2 } });
    expect(edgeDecision(seenVersionOf(gw), specChange, true)).toBe('forward');
  });

  it('forwards a label or annotation change, which leaves the generation alone', () => {
    const labelled = version(gw, '13', { metadata: { ...gw.metadata, labels: { team: 'a' } } });
    const annotated = version(gw, '14', { metadata: { ...gw.metadata, annotations: { note: 'x' } } });
    expect(edgeDecision(seenVersionOf(gw), labelled, true)).toBe('forward');
    expect(edgeDecision(seenVersionOf(gw), annotated, true)).toBe('forward');
    // Same labels in another order are the same labels.
    const ab = version(gw, '15', { metadata: { ...gw.metadata, labels: { a: '1', b: '2' } } });
    const ba = version(gw, '16', { metadata: { ...gw.metadata, labels: { b: '2', a: '1' } } });
    expect(edgeDecision(seenVersionOf(ab), ba, true)).toBe('status-only');
  });

  it('forwards every new resourceVersion of a kind that is not spec-only (Services, EndpointSlices…)', () => {
    expect(edgeDecision(seenVersionOf(service), version(service, '6'), false)).toBe('forward');
  });

  it('forwards when generation is unknown (cannot tell a status write from a spec change)', () => {
    const noGeneration = version(gatewayClass, '1');
    expect(edgeDecision(seenVersionOf(noGeneration), version(gatewayClass, '2'), true)).toBe('forward');
  });
});

describe('EdgeFilter', () => {
  it('remembers per object, and forgets on delete', () => {
    const filter = new EdgeFilter(new Set(['Gateway']));
    expect(filter.observe(gw)).toBe('forward');
    expect(filter.observe(gw)).toBe('unchanged');
    expect(filter.observe(version(gw, '11', { status: {} }))).toBe('status-only');
    // A relist echo of the status write is unchanged too.
    expect(filter.observe(version(gw, '11', { status: {} }))).toBe('unchanged');
    expect(filter.observe(version(gateway('b'), '20'))).toBe('forward');
    expect(filter.size).toBe(2);
    expect(filter.forget(gw)).toBe(true);
    expect(filter.observe(gw)).toBe('forward');
  });
});

describe('ObservedStatuses', () => {
  const condition = {
    type: 'Accepted',
    status: 'True',
    reason: 'Accepted',
    message: 'Gateway is accepted',
    observedGeneration: 1,
    lastTransitionTime: '2024-01-01T00:00:00Z',
  };

  it('lays a status kept back at the edge over the store, so unchanged conditions keep their time', () => {
    const observed = new ObservedStatuses();
    const resources = buildResourceSet([gatewayClass, version(gateway('a'), '10')]);
    // Portico wrote Accepted at 2024-01-01; the informer's status-only update was kept back.
    observed.record(version(gateway('a'), '11', { status: { conditions: [condition] } }));
    const result = observed.wrap(translate)(resources, { now: '2024-06-01T00:00:00Z' });
    const out = result.resources.find((r) => r.kind === 'Gateway');
    const accepted = (out?.status as { conditions: { type: string; lastTransitionTime: string }[] }).conditions.find(
      (c) => c.type === 'Accepted',
    );
    expect(accepted?.lastTransitionTime).toBe('2024-01-01T00:00:00Z');
  });

  it('gives the same objects and lists while nothing changed, new ones for what did', () => {
    const observed = new ObservedStatuses();
    const [a, b] = [version(gateway('a'), '10'), version(gateway('b'), '10')];
    observed.record(version(gateway('a'), '11', { status: { conditions: [condition] } }));
    const resources = buildResourceSet([gatewayClass, a, b]);
    const first = observed.overlay(resources);
    // The same objects again: the translation cache finds every one of them unchanged.
    expect(observed.overlay(resources).gateways).toBe(first.gateways);
    const again = observed.overlay(buildResourceSet([gatewayClass, a, b]));
    expect(again.gateways).not.toBe(first.gateways);
    expect(again.gateways[0]).toBe(first.gateways[0]);
    expect(again.gateways[0]!.status).toEqual({ conditions: [condition] });
    expect(again.gateways[1]).toBe(b);
    // A newer status for one: a new object for it alone.
    observed.record(version(gateway('a'), '12', { status: { conditions: [{ ...condition, message: 'newer' }] } }));
    const newer = observed.overlay(resources);
    expect(newer.gateways).not.toBe(first.gateways);
    expect(newer.gateways[0]).not.toBe(first.gateways[0]);
    expect(newer.gateways[0]!.status).toEqual({ conditions: [{ ...condition, message: 'newer' }] });
    expect(newer.gateways[1]).toBe(b);
  });

  it('is cleared when the object itself reaches the pipeline or is deleted', () => {
    const observed = new ObservedStatuses();
    observed.record(version(gateway('a'), '11', { status: { conditions: [condition] } }));
    expect(observed.size).toBe(1);
    observed.clear(gateway('a'));
    expect(observed.size).toBe(0);
    const resources = buildResourceSet([gateway('a')]);
    expect(observed.overlay(resources)).toBe(resources);
  });
});
