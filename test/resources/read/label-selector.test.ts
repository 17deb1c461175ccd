/** Label selectors, read: a malformed one selects nothing, as an absent one does. */
import { readLabelSelector } from '../../../src/resources/read/label-selector.js';

describe('readLabelSelector', () => {
  it('reads labels and expressions (values that are not strings equal no label value)', () => {
    const selector = {
      matchLabels: { team: 'a' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 7] },
        { key: 'x', operator: 'Exists' },
      ],
    };
    expect(readLabelSelector(selector)).toEqual({
      matchLabels: { team: 'a' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod'] },
        { key: 'x', operator: 'Exists', values: [] },
      ],
    });
    expect(readLabelSelector({})).toEqual({});
  });

  it.each([
    undefined,
    'team=a',
    { matchLabels: 'team=a' },
    { matchLabels: { team: 7 } },
    { matchExpressions: { key: 'a' } },
    { matchExpressions: [null] },
    { matchExpressions: [{ key: 'a', operator: 'Near' }] },
  ])('reads %j as no selector (selects nothing)', (selector) => {
    expect(readLabelSelector(selector)).toBeUndefined();
  });
});
