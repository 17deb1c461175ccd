/**
 * A reference to parameters (a GatewayClass's `spec.parametersRef`, a Gateway's
 * `spec.infrastructure.parametersRef`), read: group, kind and name are strings (the CRDs require
 * them); whether it names Portico's parameters kind, and an object that exists, is the
 * translator's to say (parameters-ref.ts).
 */
import { fieldsOf, invalid, valid, type ValidationResult } from './validation-result.js';

export interface ParametersReference {
  group: string;
  kind: string;
  name: string;
  /** A GatewayClass's ref only; undefined when not given (or empty). */
  namespace: string | undefined;
}

/** Undefined when no ref is given; `path` names the field in the reason. */
export function readParametersRef(value: unknown, path: string): ValidationResult<ParametersReference> | undefined {
  if (value === undefined || value === null) return undefined;
  const ref = fieldsOf(value);
  if (!ref) return invalid(path, `${path} must be an object`);
  const { group, kind, name, namespace } = ref;
  if (typeof group !== 'string' || typeof kind !== 'string' || typeof name !== 'string') {
    return invalid(path, `${path} must give its group, kind and name as strings`);
  }
  return valid({
    group,
    kind,
    name,
    namespace: typeof namespace === 'string' && namespace !== '' ? namespace : undefined,
  });
}
