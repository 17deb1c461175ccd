/**
 * A SecurityPolicy's reference to a Secret (Gateway API's SecretObjectReference), read: the
 * translator checks its kind, its namespace (a ReferenceGrant) and that the Secret is there.
 */
import type { FieldError } from './validation-result.js';
import { fieldsOf } from './validation-result.js';

export interface SecretRefRead {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
}

export function readSecretRef(value: unknown, path: string, problems: FieldError[]): SecretRefRead | undefined {
  const ref = fieldsOf(value);
  if (!ref) return void problems.push({ path, message: `${path.slice('spec.'.length)} must be a Secret reference` });
  const at = path.slice('spec.'.length);
  let ok = true;
  if (typeof ref.name !== 'string' || ref.name === '') {
    ok = false;
    problems.push({ path: `${path}.name`, message: `${at}.name must be set` });
  }
  for (const field of ['group', 'kind', 'namespace'] as const) {
    if (ref[field] !== undefined && typeof ref[field] !== 'string') {
      ok = false;
      problems.push({ path: `${path}.${field}`, message: `${at}.${field} must be a string` });
    }
  }
  if (!ok) return undefined;
  const out: SecretRefRead = { name: ref.name as string };
  if (typeof ref.group === 'string') out.group = ref.group;
  if (typeof ref.kind === 'string') out.kind = ref.kind;
  if (typeof ref.namespace === 'string' && ref.namespace !== '') out.namespace = ref.namespace;
  return out;
}
