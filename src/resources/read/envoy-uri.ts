/**
 * An http(s) URI in the form Envoy's own URI parser takes (`Http::Utility::extractHostPathFromUri`
 * and the filters that validate a URI when the configuration loads: jwt_authn's remote JWKS,
 * oauth2's authorization endpoint). WHATWG `new URL()` is laxer (`https:host/x`, `https:\\host`,
 * an empty port, `_` in a host, a blank in the path all read), and a URI Envoy refuses makes it
 * reject the whole listener, every tenant's routes with it: so what a policy gives Envoy must pass
 * this check, not only `new URL()`.
 *
 * `scheme://host[:port][path][?query]`: scheme http or https; host a DNS name (letters, digits and
 * inner hyphens per label) or an IP literal (`[v6]`); port 1-65535; path and query printable ASCII
 * without blanks; no credentials, no fragment.
 */
const ENVOY_URI =
  /^(https?):\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?)(?::(\d{1,5}))?((?:[/?][\x21-\x22\x24-\x7e]*)?)$/;

export interface EnvoyUri {
  scheme: 'http' | 'https';
  /** As written, without brackets for an IPv6 literal. */
  hostname: string;
  port: number;
}

export function parseEnvoyUri(text: string): EnvoyUri | undefined {
  const m = ENVOY_URI.exec(text);
  if (!m) return undefined;
  const scheme = m[1] === 'https' ? 'https' : 'http';
  const port = m[3] === undefined ? (scheme === 'https' ? 443 : 80) : Number(m[3]);
  if (port < 1 || port > 65_535) return undefined;
  return { scheme, hostname: m[2]!.replace(/^\[|\]$/g, ''), port };
}
