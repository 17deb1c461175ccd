/**
 * An authorization rule's `principal.jwt` (Envoy Gateway's JWTPrincipal), read: the provider whose
 * verified token is looked at, the claims it must carry (every claim, each with one of its values;
 * a nested claim by its dotted path) and the scopes it must grant (every one, in `scope` or `scp`).
 */
import { fieldsOf } from './validation-result.js';

export interface JwtClaimRead {
  /** The claim's path: `org.name` is the claim `name` in the object claim `org`. */
  path: string[];
  /** String: the claim equals one of the values; StringArray: one of its items does. */
  valueType: 'String' | 'StringArray';
  values: string[];
}

export interface JwtPrincipalRead {
  provider: string;
  claims: JwtClaimRead[];
  scopes: string[];
}

const FIELDS: ReadonlySet<string> = new Set(['provider', 'claims', 'scopes']);

export function readJwtPrincipal(
  value: unknown,
  fail: (field: string, message: string) => void,
): JwtPrincipalRead | undefined {
  const at = 'principal.jwt';
  const j = fieldsOf(value);
  if (!j) return void fail(at, ' must be an object');
  let ok = true;
  const bad = (field: string, message: string): void => {
    ok = false;
    fail(`${at}${field ? `.${field}` : ''}`, message);
  };
  for (const field of Object.keys(j)) if (!FIELDS.has(field)) bad(field, ' is not a field Portico supports');
  if (typeof j.provider !== 'string' || j.provider.length < 1 || j.provider.length > 253) {
    bad('provider', ' must be the name of one of the policy’s jwt providers');
  }
  if (j.claims === undefined && j.scopes === undefined) bad('', ': at least one of claims or scopes must be specified');
  const claims: JwtClaimRead[] = [];
  if (j.claims !== undefined) {
    if (!Array.isArray(j.claims) || j.claims.length < 1 || j.claims.length > 16) {
      bad('claims', ' must be a list of 1 to 16 claims');
    } else {
      for (const [k, item] of j.claims.entries()) {
        const c = fieldsOf(item);
        const name = c?.name;
        const path = typeof name === 'string' && name.length <= 253 ? name.split('.') : [];
        if (path.length === 0 || path.some((s) => s === '')) {
          bad(`claims[${k}].name`, ` ${JSON.stringify(name)} is not a claim name (dot-separated, no empty part)`);
          continue;
        }
        const valueType = c!.valueType ?? 'String';
        if (valueType !== 'String' && valueType !== 'StringArray') {
          bad(`claims[${k}].valueType`, ` ${JSON.stringify(valueType)} is not String or StringArray`);
          continue;
        }
        const values = c!.values;
        if (
          !Array.isArray(values) ||
          values.length < 1 ||
          values.length > 128 ||
          !values.every((v): v is string => typeof v === 'string')
        ) {
          bad(`claims[${k}].values`, ' must be a list of 1 to 128 strings');
          continue;
        }
        claims.push({ path, valueType, values });
      }
    }
  }
  const scopes: string[] = [];
  if (j.scopes !== undefined) {
    if (
      !Array.isArray(j.scopes) ||
      j.scopes.length < 1 ||
      j.scopes.length > 16 ||
      !j.scopes.every((s): s is string => typeof s === 'string' && s.length >= 1 && s.length <= 253)
    ) {
      bad('scopes', ' must be a list of 1 to 16 non-empty scopes');
    } else scopes.push(...j.scopes);
  }
  return ok ? { provider: j.provider as string, claims, scopes } : undefined;
}
