/**
 * A SecurityPolicy's `authorization` (Envoy Gateway's Authorization), read: the default action and
 * the ordered rules, each with its action and principal. Every problem is kept with its path, in
 * the order of the fields; the section is valid or not as a whole (a policy whose rules cannot all
 * be enforced is not applied with some of them: its targets are closed instead).
 *
 * Principals: `clientCIDRs` (any range matches), `headers` (every header, each with any of its
 * values, exactly) and `jwt` (the claims and scopes of the token a provider of the policy's `jwt`
 * verified: every claim with any of its values, every scope; `readJwtPrincipal`). That the
 * provider is one of the policy's is checked with the whole policy (security-ir).
 */
import { parseCidr } from '../../shared/cidr.js';
import { isHeaderName } from './header-name.js';
import { readJwtPrincipal, type JwtPrincipalRead } from './security-jwt-principal.js';
import { fieldsOf, itemsOf, valid, type FieldError, type ValidationResult } from './validation-result.js';

export type AuthorizationAction = 'Allow' | 'Deny';

/** An IP range: the address as written (Envoy masks the host bits) and the prefix length. */
export interface CidrRead {
  address: string;
  prefixLength: number;
}

export interface AuthorizationPrincipalRead {
  /** Absent: any client. */
  clientCIDRs?: CidrRead[];
  /** Every header must carry one of its values; names lowercase. Absent: no header condition. */
  headers?: { name: string; values: string[] }[];
  /** The verified token's claims and scopes. Absent: no token condition. */
  jwt?: JwtPrincipalRead;
}

export interface AuthorizationRuleRead {
  /** The rule's `name`, or `rule-<index>`. */
  name: string;
  action: AuthorizationAction;
  principal: AuthorizationPrincipalRead;
}

export interface AuthorizationRead {
  /** Deny when not written (Envoy Gateway's default). */
  defaultAction: AuthorizationAction;
  rules: AuthorizationRuleRead[];
}

const ACTIONS: readonly AuthorizationAction[] = ['Allow', 'Deny'];
const AT = 'spec.authorization';

export function readAuthorization(value: unknown): ValidationResult<AuthorizationRead> {
  const problems: FieldError[] = [];
  const problem = (path: string, message: string): void => void problems.push({ path, message });
  const a = fieldsOf(value);
  if (!a) return { valid: false, errors: [{ path: AT, message: 'authorization must be an object' }] };
  const written = a.defaultAction ?? 'Deny';
  const defaultAction = ACTIONS.find((x) => x === written);
  if (defaultAction === undefined) {
    problem(`${AT}.defaultAction`, `authorization.defaultAction ${JSON.stringify(written)} is not Allow or Deny`);
  }
  if (a.rules !== undefined && !Array.isArray(a.rules)) problem(`${AT}.rules`, 'authorization.rules must be a list');
  const rules: AuthorizationRuleRead[] = [];
  const names = new Set<string>();
  for (const [i, item] of itemsOf(a.rules).entries()) {
    const rule = readRule(item, i, problem);
    if (!rule) continue;
    if (names.has(rule.name)) {
      problem(`${AT}.rules[${i}].name`, `authorization.rules[${i}]: rule name ${rule.name} is used more than once`);
      continue;
    }
    names.add(rule.name);
    rules.push(rule);
  }
  if (problems.length > 0) return { valid: false, errors: problems };
  return valid({ defaultAction: defaultAction!, rules });
}

type Problem = (path: string, message: string) => void;

function readRule(value: unknown, i: number, problem: Problem): AuthorizationRuleRead | undefined {
  const at = `authorization.rules[${i}]`;
  const path = `spec.${at}`;
  const r = fieldsOf(value);
  if (!r) return void problem(path, `${at} must be an object`);
  let ok = true;
  const fail = (field: string, message: string): void => {
    ok = false;
    problem(`${path}${field ? `.${field}` : ''}`, `${at}${field ? `.${field}` : ''}${message}`);
  };
  const name = r.name ?? `rule-${i}`;
  if (typeof name !== 'string' || name.length < 1 || name.length > 253) fail('name', ' must be 1 to 253 characters');
  const action = ACTIONS.find((x) => x === r.action);
  if (action === undefined) fail('action', ` ${JSON.stringify(r.action)} is not Allow or Deny`);
  for (const field of ['operation', 'cel']) {
    if (r[field] !== undefined) fail(field, ' is not supported by Portico');
  }
  const principal = readPrincipal(r.principal, fail);
  if (!ok || !principal) return undefined;
  return { name: name as string, action: action!, principal };
}

function readPrincipal(
  value: unknown,
  fail: (field: string, message: string) => void,
): AuthorizationPrincipalRead | undefined {
  const p = fieldsOf(value);
  if (!p) return void fail('principal', ' must be set (an object)');
  if (p.clientCIDRs === undefined && p.headers === undefined && p.jwt === undefined) {
    return void fail('principal', ': at least one of clientCIDRs, jwt or headers must be specified');
  }
  const out: AuthorizationPrincipalRead = {};
  let ok = true;
  if (p.jwt !== undefined) {
    const jwt = readJwtPrincipal(p.jwt, fail);
    if (jwt) out.jwt = jwt;
    else ok = false;
  }
  if (p.clientGeoLocations !== undefined || p.clientIPGeoLocations !== undefined) {
    ok = false;
    fail('principal.clientIPGeoLocations', ' is not supported by Portico');
  }
  if (p.clientCIDRs !== undefined) {
    const cidrs = Array.isArray(p.clientCIDRs) ? p.clientCIDRs : undefined;
    if (!cidrs || cidrs.length === 0) {
      ok = false;
      fail('principal.clientCIDRs', ' must be a non-empty list');
    } else {
      out.clientCIDRs = [];
      for (const [j, c] of cidrs.entries()) {
        const cidr = readCidr(c);
        if (cidr) out.clientCIDRs.push(cidr);
        else {
          ok = false;
          fail(`principal.clientCIDRs[${j}]`, ` ${JSON.stringify(c)} is not a CIDR (192.168.1.0/24, 2001:db8::/64)`);
        }
      }
    }
  }
  if (p.headers !== undefined) {
    const headers = Array.isArray(p.headers) ? p.headers : undefined;
    if (!headers || headers.length === 0) {
      ok = false;
      fail('principal.headers', ' must be a non-empty list');
    } else {
      out.headers = [];
      for (const [j, h] of headers.entries()) {
        const header = readHeader(h);
        if (typeof header === 'string') {
          ok = false;
          fail(`principal.headers[${j}]`, header);
        } else out.headers.push(header);
      }
    }
  }
  return ok ? out : undefined;
}

/** `<address>/<prefix>`, as the API server's `isCIDR` reads it (`src/shared/cidr.ts`). */
export function readCidr(value: unknown): CidrRead | undefined {
  return typeof value === 'string' ? parseCidr(value) : undefined;
}

/** Control characters no header value can carry (a value with one could never match). */
const BAD_VALUE_RE = /[\0\r\n]/;

function readHeader(value: unknown): { name: string; values: string[] } | string {
  const h = fieldsOf(value);
  if (!h) return ' must be an object';
  if (!isHeaderName(h.name) || h.name.length > 256) return `.name ${JSON.stringify(h.name)} is not a header name`;
  const values = Array.isArray(h.values) ? h.values : undefined;
  if (!values || values.length === 0) return '.values must be a non-empty list';
  if (!values.every((v): v is string => typeof v === 'string' && !BAD_VALUE_RE.test(v))) {
    return '.values must be strings without CR, LF or NUL';
  }
  return { name: h.name.toLowerCase(), values };
}
