/**
 * ReferenceGrant: a reference across namespaces is allowed only when a grant in the target's
 * namespace names the referrer's group, kind and namespace and the target's group, kind (and name).
 */
import type { TranslationContext } from './context.js';

export interface CrossNamespaceRef {
  fromGroup: string;
  fromKind: string;
  fromNamespace: string;
  toGroup: string;
  toKind: string;
  toNamespace: string;
  toName: string;
}

export function isReferenceAllowed(ctx: TranslationContext, ref: CrossNamespaceRef): boolean {
  if (ref.fromNamespace === ref.toNamespace) return true;
  const grants = ctx.referenceGrants.get(ref.toNamespace) ?? [];
  return grants.some((grant) => {
    const spec = grant.spec;
    if (!spec || !Array.isArray(spec.from) || !Array.isArray(spec.to)) return false;
    const fromOk = spec.from.some(
      (f) => (f.group ?? '') === ref.fromGroup && f.kind === ref.fromKind && f.namespace === ref.fromNamespace,
    );
    const toOk = spec.to.some(
      (t) => (t.group ?? '') === ref.toGroup && t.kind === ref.toKind && (!t.name || t.name === ref.toName),
    );
    return fromOk && toOk;
  });
}
