/** The ListenerSet reader: the Gateway it names, and its listener entries, each read on its own. */
import { readListenerSet } from '../../../src/resources/read/listener-set.js';

describe('readListenerSet', () => {
  it('reads the parent Gateway, in the ListenerSet namespace when the ref gives none', () => {
    const read = readListenerSet({ spec: { parentRef: { name: 'gw' }, listeners: [{ name: 'a' }, 'b'] } });
    expect(read).toMatchObject({
      parent: { valid: true, result: { namespace: undefined, name: 'gw' } },
      listeners: [
        { name: 'a', listener: { valid: true, result: { name: 'a' } } },
        { name: undefined, listener: { valid: false, errors: [{ path: 'spec.listeners[1]' }] } },
      ],
      duplicateName: undefined,
    });
  });

  it.each([
    [{ kind: 'Gateway' }, 'spec.parentRef.name'],
    [{ name: 'gw', kind: 'Service', group: '' }, 'spec.parentRef'],
    [{ name: 'gw', namespace: 7 }, 'spec.parentRef.namespace'],
    ['gw', 'spec.parentRef.name'],
  ])('refuses parentRef %j at %s', (parentRef, path) => {
    expect(readListenerSet({ spec: { parentRef, listeners: [] } }).parent).toMatchObject({
      valid: false,
      errors: [{ path }],
    });
  });

  it('names the first listener name used twice', () => {
    const listeners = [{ name: 'a' }, { name: 'b' }, null, { name: 'b' }, { name: 'a' }];
    expect(readListenerSet({ spec: { parentRef: { name: 'gw' }, listeners } }).duplicateName).toBe('b');
  });

  it('gives no listeners for a spec without a list', () => {
    expect(readListenerSet({ spec: { listeners: { name: 'a' } } }).listeners).toEqual([]);
    expect(readListenerSet({}).listeners).toEqual([]);
  });
});
