/**
 * Gateway API path-modifier semantics, checked by applying the emitted Envoy rewrite the way
 * Envoy does (prefix_rewrite swaps the path_separated_prefix it matched; regex_rewrite is an
 * RE2 replace on the path only; the patterns used here mean the same in JavaScript).
 */
import type { IrPathMatch, IrPathRewrite } from '../../../src/ir/types.js';
import { redirectPathRewrite, routePathRewrite } from '../../../src/translate/xds/path-rewrite.js';
import type { EnvoyMessage } from '../../../src/translate/xds/types.js';

function applyAsEnvoy(fields: EnvoyMessage, routePath: IrPathMatch, requestPath: string): string {
  const [path = '', query] = requestPath.split('?');
  let rewritten = path;
  if (typeof fields.prefix_rewrite === 'string') {
    const matched = routePath.value.replace(/\/+$/, '');
    expect(path.startsWith(matched)).toBe(true);
    rewritten = fields.prefix_rewrite + path.slice(matched.length);
  } else if (fields.regex_rewrite) {
    const { pattern, substitution } = fields.regex_rewrite as { pattern: { regex: string }; substitution: string };
    rewritten = path.replace(new RegExp(pattern.regex), substitution.replace(/\\(\d)/g, '$$$1').replace(/\\\\/g, '\\'));
  }
  return query === undefined ? rewritten : `${rewritten}?${query}`;
}

const prefix = (value: string): IrPathMatch => ({ type: 'PathPrefix', value });
const replacePrefix = (matchedPrefix: string, value: string): IrPathRewrite => ({
  type: 'ReplacePrefixMatch',
  value,
  matchedPrefix,
});

describe('ReplacePrefixMatch (Gateway API HTTPPathModifier table)', () => {
  it.each([
    ['/foo/bar', '/foo', '/xyz', '/xyz/bar'],
    ['/foo/bar', '/foo', '/xyz/', '/xyz/bar'],
    ['/foo/bar', '/foo/', '/xyz', '/xyz/bar'],
    ['/foo/bar', '/foo/', '/xyz/', '/xyz/bar'],
    ['/foo', '/foo', '/xyz', '/xyz'],
    ['/foo/', '/foo', '/xyz', '/xyz/'],
    ['/foo/bar', '/foo', '', '/bar'],
    ['/foo/', '/foo', '', '/'],
    ['/foo', '/foo', '', '/'],
    ['/foo/', '/foo', '/', '/'],
    ['/foo', '/foo', '/', '/'],
    ['/foo/bar', '/foo', '/', '/bar'],
    ['/foo/bar?a=1', '/foo', '/', '/bar?a=1'],
    ['/foo/bar?a=1', '/foo', '/xyz', '/xyz/bar?a=1'],
    ['/bar', '/', '/xyz', '/xyz/bar'],
    ['/a.b/c', '/a.b', '/', '/c'],
  ])('%s with prefix %s replaced by %j → %s', (request, matched, replacement, expected) => {
    const routePath = prefix(matched);
    const rewrite = replacePrefix(matched, replacement);
    expect(applyAsEnvoy(routePathRewrite(rewrite, routePath), routePath, request)).toBe(expected);
    expect(applyAsEnvoy(redirectPathRewrite(rewrite, routePath), routePath, request)).toBe(expected);
  });

  it('uses prefix_rewrite where Envoy gets it right, regex_rewrite elsewhere', () => {
    expect(routePathRewrite(replacePrefix('/foo/', '/xyz/'), prefix('/foo/'))).toEqual({ prefix_rewrite: '/xyz' });
    expect(routePathRewrite(replacePrefix('/foo', '/'), prefix('/foo'))).toEqual({
      regex_rewrite: { pattern: { regex: '^/foo/*' }, substitution: '/' },
    });
  });
});

describe('ReplaceFullPath', () => {
  it('replaces the whole path and keeps the query string', () => {
    const routePath = prefix('/full');
    const fields = routePathRewrite({ type: 'ReplaceFullPath', value: '/one' }, routePath);
    expect(fields).toEqual({ regex_rewrite: { pattern: { regex: '^/.*$' }, substitution: '/one' } });
    expect(applyAsEnvoy(fields, routePath, '/full/two?x=y')).toBe('/one?x=y');
  });

  it('redirects with path_redirect', () => {
    expect(redirectPathRewrite({ type: 'ReplaceFullPath', value: '/one' }, prefix('/full'))).toEqual({
      path_redirect: '/one',
    });
  });
});
