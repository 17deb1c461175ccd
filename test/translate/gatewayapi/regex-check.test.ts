/**
 * The regex check stays usable however many patterns it sees: re2-wasm has a fixed heap, and a
 * check that kept what it compiled would, after a few hundred large patterns, abort the module and
 * make every later pattern look invalid (every route with a regex dropped).
 */
import { checkRegex } from '../../../src/translate/gatewayapi/validation.js';

test('hundreds of checks of large patterns leave the checker working', () => {
  // With the compiled patterns kept (re2-wasm's RE2 class), its heap ran out after 210 of these.
  for (let i = 0; i < 250; i++) expect(checkRegex(`/a/[^/]{1,190}/${i}`)).toBeUndefined();
  expect(checkRegex('/a')).toBeUndefined();
  expect(checkRegex('/a(')).toMatch(/invalid RE2 regular expression/);
});

test('a pattern is checked as Envoy passes it to RE2, in RE2 syntax', () => {
  expect(checkRegex('(?P<id>[0-9]+)')).toBeUndefined();
  expect(checkRegex('(?=x)')).toMatch(/invalid RE2 regular expression/);
  expect(checkRegex('\\x{3b1}')).toMatch(/Envoy does not accept the escape/);
});
