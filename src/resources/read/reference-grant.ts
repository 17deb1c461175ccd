/**
 * ReferenceGrant, read: the `from` and `to` entries that can match a reference.
 *
 * The CRD requires both lists and every field but `to[].name`. An entry the CRD would refuse can
 * never match (its group, kind or namespace is not a string), so it grants nothing and is left
 * out with the reason; the rest of the grant still grants. A grant without both lists grants
 * nothing.
 */
import { readOnce } from './read-once.js';
import { fieldsOf, invalid, valid, type FieldError, type ValidationResult } from './validation-result.js';

export interface GrantFrom {
  /** '' for the core group. */
  group: string;
  kind: string;
  namespace: string;
}

export interface GrantTo {
  /** '' for the core group. */
  group: string;
  kind: string;
  /** Undefined: every object of the kind in the grant's namespace. */
  name?: string;
}

export interface ValidatedReferenceGrant {
  from: GrantFrom[];
  to: GrantTo[];
  /** Entries left out, and why. */
  dropped: FieldError[];
}

export const readReferenceGrant: (grant: { spec?: unknown }) => ValidationResult<ValidatedReferenceGrant> =
  readOnce(readSpec);

function readSpec(spec: unknown): ValidationResult<ValidatedReferenceGrant> {
  const fields = fieldsOf(spec);
  if (!fields) return invalid('spec', 'Required value');
  if (!Array.isArray(fields.from)) return invalid('spec.from', 'Required value: must be a list');
  if (!Array.isArray(fields.to)) return invalid('spec.to', 'Required value: must be a list');
  const dropped: FieldError[] = [];
  const from: GrantFrom[] = [];
  fields.from.forEach((entry: unknown, i) => {
    const f = fieldsOf(entry);
    const group = f ? groupOf(f.group) : undefined;
    if (f && group !== undefined && typeof f.kind === 'string' && typeof f.namespace === 'string') {
      from.push({ group, kind: f.kind, namespace: f.namespace });
    } else dropped.push({ path: `spec.from[${i}]`, message: 'Invalid value: needs a group, kind and namespace' });
  });
  const to: GrantTo[] = [];
  fields.to.forEach((entry: unknown, i) => {
    const t = fieldsOf(entry);
    const group = t ? groupOf(t.group) : undefined;
    // An empty name, as an absent one, grants every object of the kind.
    const name = t?.name || undefined;
    if (t && group !== undefined && typeof t.kind === 'string' && (name === undefined || typeof name === 'string')) {
      to.push(name === undefined ? { group, kind: t.kind } : { group, kind: t.kind, name });
    } else dropped.push({ path: `spec.to[${i}]`, message: 'Invalid value: needs a group, a kind and a string name' });
  });
  return valid({ from, to, dropped });
}

/** An absent group is the core group. */
function groupOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : undefined;
}
