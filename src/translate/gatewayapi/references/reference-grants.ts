/**
 * ReferenceGrant: a reference across namespaces is allowed only when a grant in the target's
 * namespace names the referrer's group, kind and namespace and the target's group, kind (and name).
 */
import { GATEWAY_GROUP } from '../../../resources/types.js';
import { readReferenceGrant } from '../../../resources/read/reference-grant.js';
import type { TranslationContext } from '../context.js';

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
    const read = readReferenceGrant(grant);
    if (!read.valid) return false;
    const { from, to } = read.result;
    const fromOk = from.some(
      (f) => f.group === ref.fromGroup && f.kind === ref.fromKind && f.namespace === ref.fromNamespace,
    );
    const toOk = to.some(
      (t) => t.group === ref.toGroup && t.kind === ref.toKind && (t.name === undefined || t.name === ref.toName),
    );
    return fromOk && toOk;
  });
}

/**
 * The API group a ReferenceGrant's `from` must name for this referrer: its apiVersion's
 * (gateway.networking.x-k8s.io for an XTelemetryPolicy), the Gateway API's when it has none.
 */
export function referrerGroup(referrer: { apiVersion?: unknown }): string {
  const apiVersion = typeof referrer.apiVersion === 'string' ? referrer.apiVersion : '';
  const slash = apiVersion.indexOf('/');
  return slash > 0 ? apiVersion.slice(0, slash) : GATEWAY_GROUP;
}

/** A Gateway API object referring to a core-group object (Service, Secret) by name. */
export interface CoreReference {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
}

export type CoreReferenceCheck =
  { ok: true; namespace: string; label: string } | { ok: false; problem: 'kind' | 'grant'; message: string };

/**
 * The checks every reference to a core object starts with: is it the expected kind, and is a
 * cross-namespace reference allowed by a ReferenceGrant?
 */
export function checkCoreReference(
  ctx: TranslationContext,
  from: { kind: string; namespace: string; group?: string },
  ref: CoreReference,
  expectedKind: 'Service' | 'Secret' | 'ConfigMap',
  what: string,
): CoreReferenceCheck {
  const group = ref.group ?? '';
  const kind = ref.kind ?? expectedKind;
  const namespace = ref.namespace ?? from.namespace;
  const label = `${namespace}/${ref.name}`;
  if (group !== '' || kind !== expectedKind) {
    const given = `${group ? group + '/' : ''}${kind}`;
    return {
      ok: false,
      problem: 'kind',
      message: `${what} ${label}: kind ${given} is not supported; use a core ${expectedKind}`,
    };
  }
  const refused = grantRefusal(ctx, from, { group: '', kind: expectedKind, namespace, name: ref.name }, what);
  return refused === undefined ? { ok: true, namespace, label } : { ok: false, problem: 'grant', message: refused };
}

/**
 * Undefined when `from` may refer to `to` (the same namespace, or a ReferenceGrant opens it);
 * otherwise why not, naming the ReferenceGrant to add. `what` names the reference (`backendRef`).
 */
export function grantRefusal(
  ctx: TranslationContext,
  from: { kind: string; namespace: string; group?: string },
  to: { group: string; kind: string; namespace: string; name: string },
  what: string,
): string | undefined {
  const allowed = isReferenceAllowed(ctx, {
    fromGroup: from.group ?? GATEWAY_GROUP,
    fromKind: from.kind,
    fromNamespace: from.namespace,
    toGroup: to.group,
    toKind: to.kind,
    toNamespace: to.namespace,
    toName: to.name,
  });
  if (allowed) return undefined;
  return `${what} to ${to.kind} ${to.namespace}/${to.name} is not permitted: add a ReferenceGrant in namespace ${to.namespace} from ${plural(from.kind)} in ${from.namespace}`;
}

/** `HTTPRoutes`, `SecurityPolicies`: how a kind's objects are named in a message. */
function plural(kind: string): string {
  return /[^aeiou]y$/.test(kind) ? `${kind.slice(0, -1)}ies` : `${kind}s`;
}
