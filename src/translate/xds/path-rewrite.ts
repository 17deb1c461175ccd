/**
 * Gateway API path modifiers (URLRewrite and RequestRedirect) as Envoy rewrite fields.
 *
 * ReplacePrefixMatch has segment semantics that Envoy's `prefix_rewrite` only gets right when
 * both the matched prefix and the replacement are non-root: replacing `/foo` by `/` with
 * `prefix_rewrite` turns `/foo/bar` into `//bar`, and a route matching the root prefix `/`
 * rewritten to `/xyz` would turn `/bar` into `/xyzbar`. Those cases use `regex_rewrite`, which
 * Envoy applies to the path only, so the query string is kept in every case.
 *
 * With prefix P and replacement R (trailing slashes trimmed, the Gateway API treats `/foo/` as
 * `/foo`), the path `P` + rest (rest empty or starting with `/`) becomes R + rest, or `/` if that
 * is empty: `/foo/bar`→`/xyz/bar`, `/foo`→`/xyz`, `/foo/`→`/xyz/`, and with R = `/`: `/foo/bar`→`/bar`,
 * `/foo`→`/`, `/foo/`→`/`.
 */
import type { IrPathMatch, IrPathRewrite } from '../../ir/types.js';
import { trimTrailingSlashes } from './route-match.js';
import type { envoy } from './types.js';

/** The path rewrite fields a RouteAction and a RedirectAction share. */
type PathRewrite = Pick<envoy.config.route.v3.RouteAction, 'prefix_rewrite' | 'regex_rewrite'>;

/** Escapes RE2 metacharacters so a path is matched literally. */
function escapeRegex(literal: string): string {
  return literal.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

/** In an RE2 substitution, `\N` is a capture group and `\\` a backslash. */
function escapeSubstitution(literal: string): string {
  return literal.replace(/\\/g, '\\\\');
}

function regexRewrite(regex: string, substitution: string): PathRewrite {
  return { regex_rewrite: { pattern: { regex }, substitution } };
}

/** Whole path replaced; regex_rewrite leaves the query string alone, unlike a literal path. */
function fullPathRewrite(value: string): PathRewrite {
  return regexRewrite('^/.*$', escapeSubstitution(value));
}

function prefixRewrite(rewrite: IrPathRewrite, routePath: IrPathMatch): PathRewrite {
  const routePrefix = routePath.type === 'PathPrefix' ? trimTrailingSlashes(routePath.value) : undefined;
  const prefix = trimTrailingSlashes(rewrite.matchedPrefix ?? routePath.value);
  const replacement = trimTrailingSlashes(rewrite.value);
  // prefix_rewrite swaps whatever the route matched, so it is only right when the route
  // matched exactly this prefix with path_separated_prefix.
  if (prefix !== '' && replacement !== '' && routePrefix === prefix) {
    return { prefix_rewrite: replacement };
  }
  if (replacement === '') {
    // Eat the prefix and any slashes after it, leaving the rest's leading `/` (or a lone `/`).
    return regexRewrite(`^${escapeRegex(prefix)}/*`, '/');
  }
  return regexRewrite(`^${escapeRegex(prefix)}(/.*)?$`, `${escapeSubstitution(replacement)}\\1`);
}

/** Rewrite fields for a RouteAction (`prefix_rewrite` or `regex_rewrite`). */
export function routePathRewrite(rewrite: IrPathRewrite, routePath: IrPathMatch): PathRewrite {
  return rewrite.type === 'ReplaceFullPath' ? fullPathRewrite(rewrite.value) : prefixRewrite(rewrite, routePath);
}

/**
 * Path fields for a RedirectAction. A full-path redirect uses `path_redirect`, which keeps the
 * request's query string unless the value carries one of its own.
 */
export function redirectPathRewrite(
  rewrite: IrPathRewrite,
  routePath: IrPathMatch,
): Pick<envoy.config.route.v3.RedirectAction, 'path_redirect' | 'prefix_rewrite' | 'regex_rewrite'> {
  return rewrite.type === 'ReplaceFullPath' ? { path_redirect: rewrite.value } : prefixRewrite(rewrite, routePath);
}
