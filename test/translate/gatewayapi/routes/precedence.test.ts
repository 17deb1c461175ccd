import { describe, expect, test } from '@jest/globals';
import { comparePrecedence, type PrecedenceKey } from '../../../../src/translate/gatewayapi/routes/precedence.js';

function key(overrides: Partial<PrecedenceKey>): PrecedenceKey {
  return {
    pathType: 'PathPrefix',
    pathLength: 1,
    hasMethod: false,
    headerCount: 0,
    queryCount: 0,
    creationTimestamp: '2026-01-01T00:00:00Z',
    namespacedName: 'default/a',
    rule: 0,
    match: 0,
    ...overrides,
  };
}

function first(a: Partial<PrecedenceKey>, b: Partial<PrecedenceKey>): 'a' | 'b' {
  const r = comparePrecedence(key(a), key(b));
  expect(r).not.toBe(0);
  return r < 0 ? 'a' : 'b';
}

describe('HTTPRoute match precedence', () => {
  test('exact path beats any prefix, even a longer one', () => {
    expect(first({ pathType: 'PathPrefix', pathLength: 20 }, { pathType: 'Exact', pathLength: 2 })).toBe('b');
  });
  test('longest prefix wins', () => {
    expect(first({ pathLength: 4 }, { pathLength: 8 })).toBe('b');
  });
  test('a method match beats header matches', () => {
    expect(first({ headerCount: 3 }, { hasMethod: true })).toBe('b');
  });
  test('more header matches win', () => {
    expect(first({ headerCount: 1 }, { headerCount: 2 })).toBe('b');
  });
  test('more query matches win', () => {
    expect(first({ queryCount: 2 }, { queryCount: 1 })).toBe('a');
  });
  test('header matches are compared before query matches', () => {
    expect(first({ queryCount: 5 }, { headerCount: 1 })).toBe('b');
  });
  test('the oldest route wins a tie', () => {
    expect(
      first(
        { creationTimestamp: '2026-02-01T00:00:00Z', namespacedName: 'a/a' },
        { creationTimestamp: '2026-01-01T00:00:00Z', namespacedName: 'z/z' },
      ),
    ).toBe('b');
  });
  test('a route without a timestamp counts as newest', () => {
    expect(first({ creationTimestamp: undefined }, { creationTimestamp: '2026-01-01T00:00:00Z' })).toBe('b');
  });
  test('then alphabetical namespace/name', () => {
    expect(first({ namespacedName: 'default/b' }, { namespacedName: 'default/a' })).toBe('b');
    expect(first({ namespacedName: 'b/a' }, { namespacedName: 'a/z' })).toBe('b');
  });
  test('then rule order, then match order', () => {
    expect(first({ rule: 1 }, { rule: 0, match: 3 })).toBe('b');
    expect(first({ match: 1 }, { match: 0 })).toBe('b');
  });
  test('identical keys tie', () => {
    expect(comparePrecedence(key({}), key({}))).toBe(0);
  });
});
