/**
 * A SecurityPolicy's `oidc` (Envoy Gateway's OIDC), read: the provider's endpoints, the client,
 * where the provider sends the browser back, the logout path, the scopes and the cookie names.
 * Every problem is kept with its path; the section is valid or not as a whole.
 *
 * Envoy Gateway discovers the provider's endpoints from `<issuer>/.well-known/openid-configuration`
 * when they are not written. Portico's translator is pure (no network), so both endpoints must be
 * written: a policy without them is refused by name rather than guessed.
 *
 * Defaults are Envoy Gateway's: redirect URL `%REQ(x-forwarded-proto)%://%REQ(:authority)%/oauth2/callback`
 * (its path is the callback Envoy intercepts), logout path `/logout`, scope `openid` always asked.
 */
import { parseEnvoyUri } from './envoy-uri.js';
import { fieldsOf, itemsOf, valid, type FieldError, type ValidationResult } from './validation-result.js';

export interface OidcSecretRef {
  group: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** An absolute http(s) URL, split as Envoy needs it. */
export interface OidcUrl {
  url: string;
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** The host without brackets (an IPv6 literal) and without the port. */
  hostname: string;
}

export interface OidcRead {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: OidcUrl;
  clientId: string;
  clientSecret: OidcSecretRef;
  /** As written (Envoy formatters such as `%REQ(:authority)%` allowed), or the default. */
  redirectUrl: string;
  /** The redirect URL's path: the callback Envoy's oauth2 filter answers. */
  redirectPath: string;
  logoutPath: string;
  /** `openid` first, then the scopes written, without repeats. */
  scopes: string[];
  cookieNames: { accessToken?: string; idToken?: string };
}

const AT = 'spec.oidc';
export const DEFAULT_REDIRECT_URL = '%REQ(x-forwarded-proto)%://%REQ(:authority)%/oauth2/callback';
export const DEFAULT_LOGOUT_PATH = '/logout';

/** The fields of the subset; the rest of Envoy Gateway's OIDC is refused by name. */
const KNOWN = new Set(['provider', 'clientID', 'clientSecret', 'redirectURL', 'logoutPath', 'scopes', 'cookieNames']);
/** An HTTP header name (RFC 7230 token): what Envoy's HTTP_HEADER_NAME rule takes for a cookie name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

export function readOidc(value: unknown): ValidationResult<OidcRead> {
  const problems: FieldError[] = [];
  const problem = (field: string, message: string): void =>
    void problems.push({
      path: `${AT}${field ? `.${field}` : ''}`,
      message: `oidc${field ? `.${field}` : ''}${message}`,
    });
  const o = fieldsOf(value);
  if (!o) return { valid: false, errors: [{ path: AT, message: 'oidc must be an object' }] };
  for (const field of Object.keys(o)) {
    if (KNOWN.has(field) || o[field] === undefined) continue;
    if (field === 'cookieDomain') {
      problem(
        field,
        ' is not supported by Portico: the Envoy API Portico is built against has no cookie domain for the oauth2 filter (cookies stay on the request host)',
      );
    } else problem(field, ' is not supported by Portico');
  }

  const provider = fieldsOf(o.provider);
  let issuer = '';
  let authorizationEndpoint = '';
  let tokenEndpoint: OidcUrl | undefined;
  if (!provider) problem('provider', ' must be set (an object with issuer, authorizationEndpoint and tokenEndpoint)');
  else {
    for (const field of Object.keys(provider)) {
      if (!['issuer', 'authorizationEndpoint', 'tokenEndpoint'].includes(field)) {
        problem(`provider.${field}`, ' is not supported by Portico');
      }
    }
    if (typeof provider.issuer !== 'string' || parseUrl(provider.issuer) === undefined) {
      problem('provider.issuer', ' must be an http(s) URL');
    } else issuer = provider.issuer;
    const discovery =
      ' must be written: Portico does not discover endpoints from the issuer (its translation reads no network)';
    if (provider.authorizationEndpoint === undefined) problem('provider.authorizationEndpoint', discovery);
    else if (typeof provider.authorizationEndpoint !== 'string' || !parseUrl(provider.authorizationEndpoint)) {
      problem('provider.authorizationEndpoint', ' must be an http(s) URL');
    } else authorizationEndpoint = provider.authorizationEndpoint;
    if (provider.tokenEndpoint === undefined) problem('provider.tokenEndpoint', discovery);
    else {
      const url = typeof provider.tokenEndpoint === 'string' ? parseUrl(provider.tokenEndpoint) : undefined;
      if (!url) problem('provider.tokenEndpoint', ' must be an http(s) URL');
      else if (url.scheme === 'https' && isIpLiteral(url.hostname)) {
        problem(
          'provider.tokenEndpoint',
          ': an https token endpoint must name its host (its certificate is checked for that name)',
        );
      } else tokenEndpoint = url;
    }
  }

  const clientId = o.clientID;
  if (typeof clientId !== 'string' || !PRINTABLE_ASCII.test(clientId)) {
    problem('clientID', ' must be set, printable ASCII without spaces');
  }
  const clientSecret = readSecretRef(o.clientSecret, problem);

  const redirectUrl = o.redirectURL ?? DEFAULT_REDIRECT_URL;
  const redirectPath = typeof redirectUrl === 'string' ? redirectPathOf(redirectUrl) : undefined;
  if (redirectPath === undefined) {
    problem(
      'redirectURL',
      " must be an http(s) URL with a path (e.g. https://www.example.com/oauth2/callback), with no % but Envoy's %REQ(header)%",
    );
  }
  const logoutPath = o.logoutPath ?? DEFAULT_LOGOUT_PATH;
  if (typeof logoutPath !== 'string' || !/^\/[^?#\s]*$/.test(logoutPath)) {
    problem('logoutPath', ' must be a path starting with / (no query)');
  }

  const scopes = ['openid'];
  if (o.scopes !== undefined && !Array.isArray(o.scopes)) problem('scopes', ' must be a list');
  for (const [i, s] of itemsOf(o.scopes).entries()) {
    if (typeof s !== 'string' || !PRINTABLE_ASCII.test(s)) problem(`scopes[${i}]`, ' must be a scope token');
    else if (!scopes.includes(s)) scopes.push(s);
  }

  const cookieNames: OidcRead['cookieNames'] = {};
  if (o.cookieNames !== undefined) {
    const c = fieldsOf(o.cookieNames);
    if (!c) problem('cookieNames', ' must be an object');
    else {
      for (const [field, key] of [
        ['accessToken', 'accessToken'],
        ['idToken', 'idToken'],
      ] as const) {
        const name = c[field];
        if (name === undefined) continue;
        if (typeof name !== 'string' || !TOKEN.test(name)) {
          problem(`cookieNames.${field}`, " must be a cookie name (letters, digits and !#$%&'*+-.^_`|~)");
        } else cookieNames[key] = name;
      }
      for (const field of Object.keys(c)) {
        if (field !== 'accessToken' && field !== 'idToken')
          problem(`cookieNames.${field}`, ' is not supported by Portico');
      }
      if (cookieNames.accessToken !== undefined && cookieNames.accessToken === cookieNames.idToken) {
        problem('cookieNames', ': accessToken and idToken must be different cookies');
      }
    }
  }

  if (problems.length > 0) return { valid: false, errors: problems };
  return valid({
    issuer,
    authorizationEndpoint,
    tokenEndpoint: tokenEndpoint!,
    clientId: clientId as string,
    clientSecret: clientSecret!,
    redirectUrl: redirectUrl as string,
    redirectPath: redirectPath!,
    logoutPath: logoutPath as string,
    scopes,
    cookieNames,
  });
}

function readSecretRef(value: unknown, problem: (field: string, message: string) => void): OidcSecretRef | undefined {
  const r = fieldsOf(value);
  if (!r || typeof r.name !== 'string' || r.name === '') {
    return void problem('clientSecret', ' must name a Secret (its key client-secret holds the client secret)');
  }
  const group = r.group ?? '';
  const kind = r.kind ?? 'Secret';
  if (typeof group !== 'string' || typeof kind !== 'string')
    return void problem('clientSecret', ' group and kind must be strings');
  if (r.namespace !== undefined && (typeof r.namespace !== 'string' || r.namespace === '')) {
    return void problem('clientSecret.namespace', ' must be a namespace name');
  }
  return { group, kind, name: r.name, ...(typeof r.namespace === 'string' ? { namespace: r.namespace } : {}) };
}

function isIpLiteral(hostname: string): boolean {
  return /^[0-9.]+$/.test(hostname) || hostname.includes(':');
}

/** An absolute http(s) URL with a host, no credentials, no fragment. */
export function parseUrl(text: string): OidcUrl | undefined {
  // ASCII only: Envoy's URL parser does not take what WHATWG would punycode or percent-encode.
  if (!PRINTABLE_ASCII.test(text)) return undefined;
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return undefined;
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.hostname === '') return undefined;
  // Envoy's own parser decides: an endpoint it refuses would make it reject the whole listener.
  if (parseEnvoyUri(text) === undefined) return undefined;
  if (u.username !== '' || u.password !== '' || text.includes('#')) return undefined;
  const scheme = u.protocol === 'https:' ? 'https' : 'http';
  const port = u.port !== '' ? Number(u.port) : scheme === 'https' ? 443 : 80;
  const hostname = u.hostname.replace(/^\[|\]$/g, '');
  return { url: text, scheme, host: u.host, port, hostname };
}

/**
 * The path of a redirect URL, which may hold Envoy formatters in its scheme and host (the
 * default does): `scheme://host/path`, the scheme http or https once formatted.
 */
function redirectPathOf(url: string): string | undefined {
  // Envoy formats the redirect URI: %REQ(header)% takes a request header; any other % is refused
  // here rather than by Envoy (an unknown formatter makes it reject the whole listener).
  // A header name, or two alternatives (`%REQ(a?b)%`), each a token Envoy takes; anything else there
  // ("a?b?c", "a/b") makes Envoy refuse the filter, and the listener with it.
  if (!PRINTABLE_ASCII.test(url) || url.replace(/%REQ\(:?[A-Za-z0-9_-]+(\?:?[A-Za-z0-9_-]+)?\)%/g, '').includes('%')) {
    return undefined;
  }
  const m = /^([^:/?#]+):\/\/([^/?#\s]+)(\/[^?#\s]*)(\?[^#\s]*)?$/.exec(url);
  if (!m) return undefined;
  const scheme = m[1]!;
  if (scheme !== 'http' && scheme !== 'https' && !/^%[^%]+%$/.test(scheme)) return undefined;
  return m[3]!;
}
