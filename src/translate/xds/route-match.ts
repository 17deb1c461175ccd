/** Gateway API matches as Envoy `RouteMatch`. */
import type { IrPathMatch, IrRouteMatch, IrStringMatch } from '../../ir/types.js';
import type { envoy } from './types.js';

type RouteMatch = envoy.config.route.v3.RouteMatch;

/** `/api/` and `/api` are the same Gateway API prefix; `path_separated_prefix` rejects a trailing slash. */
export function trimTrailingSlashes(path: string): string {
  return path.replace(/\/+$/, '');
}

export function stringMatcher(match: IrStringMatch): envoy.type.matcher.v3.StringMatcher {
  switch (match.type) {
    case 'Exact':
      return { exact: match.value };
    case 'Prefix':
      return { prefix: match.value };
    case 'RegularExpression':
      return { safe_regex: { regex: match.value } };
  }
}

function pathSpecifier(path: IrPathMatch): RouteMatch {
  switch (path.type) {
    case 'Exact':
      return { path: path.value };
    case 'RegularExpression':
      return { safe_regex: { regex: path.value } };
    case 'PathPrefix': {
      // `path_separated_prefix` matches `/api` and `/api/...` but not `/apix`: the Gateway API
      // segment semantics. The root prefix matches everything and has no segment to separate.
      const prefix = trimTrailingSlashes(path.value);
      return prefix === '' ? { prefix: '/' } : { path_separated_prefix: prefix };
    }
  }
}

export function routeMatch(match: IrRouteMatch): RouteMatch {
  const out: RouteMatch = pathSpecifier(match.path);
  const headers: envoy.config.route.v3.HeaderMatcher[] = [];
  if (match.method !== undefined) headers.push({ name: ':method', string_match: { exact: match.method } });
  for (const header of match.headers) headers.push({ name: header.name, string_match: stringMatcher(header.match) });
  if (headers.length > 0) out.headers = headers;
  if (match.queryParams.length > 0) {
    out.query_parameters = match.queryParams.map((q) => ({ name: q.name, string_match: stringMatcher(q.match) }));
  }
  // No runtime key: the default is the value (Envoy tests `random % 1,000,000 < numerator`).
  if (match.randomBelow !== undefined) {
    out.runtime_fraction = { default_value: { numerator: match.randomBelow, denominator: 'MILLION' } };
  }
  return out;
}
