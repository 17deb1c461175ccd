import { describe, expect, test } from '@jest/globals';
import {
  compareHostnameSpecificity,
  effectiveHostnames,
  hostnameCovers,
  intersectHostname,
  originalHostname,
} from '../../../src/translate/gatewayapi/hostnames.js';
import { isValidHostname } from '../../../src/resources/read/hostname.js';

describe('hostname intersection', () => {
  test.each([
    // listener, route, intersection
    [undefined, 'foo.example.com', 'foo.example.com'],
    [undefined, '*.example.com', '*.example.com'],
    ['foo.example.com', 'foo.example.com', 'foo.example.com'],
    ['foo.example.com', 'bar.example.com', undefined],
    ['*.example.com', 'foo.example.com', 'foo.example.com'],
    ['*.example.com', 'a.b.example.com', 'a.b.example.com'],
    ['*.example.com', 'example.com', undefined],
    ['foo.example.com', '*.example.com', 'foo.example.com'],
    ['*.example.com', '*.example.com', '*.example.com'],
    ['*.example.com', '*.foo.example.com', '*.foo.example.com'],
    ['*.foo.example.com', '*.example.com', '*.foo.example.com'],
    ['*.example.com', '*.example.net', undefined],
    ['foo.example.com', '*.foo.example.com', undefined],
  ])('listener %s × route %s → %s', (listener, route, expected) => {
    expect(intersectHostname(listener, route)).toBe(expected);
  });

  test('a route without hostnames takes the listener hostname, or any', () => {
    expect(effectiveHostnames('foo.example.com', [])).toEqual(['foo.example.com']);
    expect(effectiveHostnames(undefined, [])).toEqual(['*']);
  });

  test('only intersecting route hostnames survive, sorted and deduplicated', () => {
    expect(
      effectiveHostnames('*.example.com', ['b.example.com', 'other.org', 'a.example.com', 'b.example.com']),
    ).toEqual(['a.example.com', 'b.example.com']);
    expect(effectiveHostnames('foo.example.com', ['bar.example.com'])).toEqual([]);
  });

  test('a wildcard needs at least one label in front of its suffix', () => {
    expect(hostnameCovers('*.example.com', 'example.com')).toBe(false);
    expect(hostnameCovers('*.example.com', 'x.example.com')).toBe(true);
    expect(hostnameCovers('*.example.com', 'xexample.com')).toBe(false);
  });
});

describe('hostname validity', () => {
  test.each([
    ['foo.example.com', true],
    ['*.example.com', true],
    ['Foo.example.com', false],
    ['*', false],
    ['foo.*.com', false],
    ['10.0.0.1', false],
    ['foo_bar.com', false],
    ['-foo.com', false],
  ])('%s → %s', (h, ok) => expect(isValidHostname(h)).toBe(ok));
});

describe('hostname specificity', () => {
  test('exact before wildcard before any; longer first', () => {
    const sorted = ['*', '*.example.com', 'a.example.com', '*.a.example.com', 'long.a.example.com'].sort(
      compareHostnameSpecificity,
    );
    expect(sorted).toEqual(['long.a.example.com', 'a.example.com', '*.a.example.com', '*.example.com', '*']);
  });
});

describe('the route hostname a served hostname comes from (GatewayRouteHostnameIntersectionPrecedence)', () => {
  test.each([
    // listener, the route's own hostnames, served hostname, original
    ['abc.example.com', ['*.example.com'], 'abc.example.com', '*.example.com'],
    ['abc.example.com', ['abc.example.com'], 'abc.example.com', 'abc.example.com'],
    ['abc.example.com', ['*.com', '*.example.com'], 'abc.example.com', '*.example.com'],
    ['*.example.com', ['*.com'], '*.example.com', '*.com'],
    ['*.example.com', ['*.com', 'a.example.com'], 'a.example.com', 'a.example.com'],
    [undefined, ['a.example.com', '*.example.com'], '*.example.com', '*.example.com'],
    ['abc.example.com', undefined, 'abc.example.com', '*'],
    [undefined, [], '*', '*'],
  ] as const)('listener %s, route %j, serving %s: %s', (listener, own, served, original) => {
    expect(originalHostname(listener, own, served)).toBe(original);
  });
});
