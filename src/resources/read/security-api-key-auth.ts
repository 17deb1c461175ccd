/**
 * A SecurityPolicy's `apiKeyAuth` (Envoy Gateway's APIKeyAuth), read: the Secrets holding the keys
 * (each data key a client id, its value that client's API key), where a request's key is looked
 * for (`extractFrom`, in order: each entry names headers, query parameters or cookies, exactly one
 * of them), the header the client id is forwarded in, and whether the key is removed before the
 * request is forwarded (`sanitize`). The Secrets' content is checked by the translator.
 */
import { isHeaderName } from './header-name.js';
import { readSecretRef, type SecretRefRead } from './security-secret-ref.js';
import { fieldsOf, itemsOf, valid, type FieldError, type ValidationResult } from './validation-result.js';

export type ApiKeySourceKind = 'headers' | 'params' | 'cookies';

export interface ApiKeySourceRead {
  kind: ApiKeySourceKind;
  /** Headers lowercase; parameters and cookies as written. */
  names: string[];
}

export interface ApiKeyAuthRead {
  credentialRefs: SecretRefRead[];
  extractFrom: ApiKeySourceRead[];
  /** Lowercase. */
  forwardClientIDHeader?: string;
  sanitize: boolean;
}

const AT = 'spec.apiKeyAuth';
const KINDS: readonly ApiKeySourceKind[] = ['headers', 'params', 'cookies'];
/** Envoy's limit on a key source's name (KeySource's max_len). */
const MAX_NAME = 1024;
/** A cookie name is an RFC 6265 token, as a header name is. */
const isCookieName = isHeaderName;
/** A query parameter's name, as Envoy compares it: any characters but the query's own separators. */
const isParamName = (name: string): boolean => !/[&=#\s]/.test(name);

export function readApiKeyAuth(value: unknown): ValidationResult<ApiKeyAuthRead> {
  const a = fieldsOf(value);
  if (!a) return { valid: false, errors: [{ path: AT, message: 'apiKeyAuth must be an object' }] };
  const problems: FieldError[] = [];
  const problem = (path: string, message: string): void => void problems.push({ path, message });
  if (!Array.isArray(a.credentialRefs) || a.credentialRefs.length === 0) {
    problem(`${AT}.credentialRefs`, 'apiKeyAuth.credentialRefs must list at least one Secret');
  }
  const credentialRefs: SecretRefRead[] = [];
  for (const [i, item] of itemsOf(a.credentialRefs).entries()) {
    const ref = readSecretRef(item, `${AT}.credentialRefs[${i}]`, problems);
    if (ref) credentialRefs.push(ref);
  }
  if (!Array.isArray(a.extractFrom) || a.extractFrom.length === 0) {
    problem(`${AT}.extractFrom`, 'apiKeyAuth.extractFrom must list at least one place to read the key from');
  }
  const extractFrom: ApiKeySourceRead[] = [];
  for (const [i, item] of itemsOf(a.extractFrom).entries()) {
    const source = readSource(item, `${AT}.extractFrom[${i}]`, problem);
    if (source) extractFrom.push(source);
  }
  const header = a.forwardClientIDHeader;
  if (header !== undefined && (!isHeaderName(header) || header.length > MAX_NAME)) {
    problem(
      `${AT}.forwardClientIDHeader`,
      `apiKeyAuth.forwardClientIDHeader ${JSON.stringify(header)} is not a valid header name`,
    );
  }
  if (a.sanitize !== undefined && typeof a.sanitize !== 'boolean') {
    problem(`${AT}.sanitize`, 'apiKeyAuth.sanitize must be true or false');
  }
  if (problems.length > 0) return { valid: false, errors: problems };
  return valid({
    credentialRefs,
    extractFrom,
    ...(typeof header === 'string' ? { forwardClientIDHeader: header.toLowerCase() } : {}),
    sanitize: a.sanitize === true,
  });
}

function readSource(
  value: unknown,
  path: string,
  problem: (path: string, message: string) => void,
): ApiKeySourceRead | undefined {
  const at = path.slice('spec.'.length);
  const e = fieldsOf(value);
  if (!e) return void problem(path, `${at} must be an object`);
  const set = KINDS.filter((k) => e[k] !== undefined && e[k] !== null);
  if (set.length !== 1)
    return void problem(path, `${at}: exactly one of headers, params, or cookies must be specified`);
  const kind = set[0]!;
  const list = e[kind];
  if (!Array.isArray(list) || list.length === 0) {
    return void problem(`${path}.${kind}`, `${at}.${kind} must list at least one name`);
  }
  const names: string[] = [];
  let ok = true;
  for (const [j, name] of list.entries()) {
    const valid =
      typeof name === 'string' &&
      name.length > 0 &&
      name.length <= MAX_NAME &&
      (kind === 'headers' ? isHeaderName(name) : kind === 'cookies' ? isCookieName(name) : isParamName(name));
    if (!valid) {
      ok = false;
      problem(`${path}.${kind}[${j}]`, `${at}.${kind}[${j}] ${JSON.stringify(name)} is not a valid ${NOUN[kind]}`);
      continue;
    }
    names.push(kind === 'headers' ? name.toLowerCase() : name);
  }
  return ok ? { kind, names } : undefined;
}

const NOUN: Record<ApiKeySourceKind, string> = {
  headers: 'header name',
  params: 'query parameter name',
  cookies: 'cookie name',
};
