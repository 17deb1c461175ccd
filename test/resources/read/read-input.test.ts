import { describe, expect, it } from '@jest/globals';
import { readInput } from '../../../src/resources/read/read-input.js';
import { buildResourceSet } from '../../../src/resources/resource-set.js';
import type { KubeObject } from '../../../src/resources/types.js';

/** A route whose spec throws when read: what a reader bug on some unforeseen shape would do. */
function routeThatThrows(name: string): KubeObject {
  const spec = {};
  Object.defineProperty(spec, 'parentRefs', {
    enumerable: true,
    get() {
      throw new Error('unreadable');
    },
  });
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: 'default' },
    spec,
  } as KubeObject;
}

describe('readInput', () => {
  it('does not throw when a reader does, so one object cannot stop the ResourceSet', () => {
    expect(() => readInput(routeThatThrows('bad'))).not.toThrow();
    const ok: KubeObject = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'good', namespace: 'default' },
      spec: { parentRefs: [{ name: 'gw' }] },
    };
    const set = buildResourceSet([routeThatThrows('bad'), ok]);
    expect(set.httpRoutes.map((r) => r.metadata.name)).toEqual(['bad', 'good']);
  });
});
