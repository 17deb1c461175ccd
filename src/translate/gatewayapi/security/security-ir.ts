/**
 * What a SecurityPolicy asks of the routes it applies to: its IR (`IrSecurity`), or, when it
 * cannot be applied (a section that does not read or is not implemented yet), `closed`, with
 * why: its routes then answer 500 instead of being served without the access control meant for them.
 *
 * Seam for the features: a section's typed reading (`SecurityFeatures`) becomes its IR here, one
 * function per section; a section whose references must resolve (Secrets, ConfigMaps, backends)
 * takes the context and may make the policy closed, with its reason.
 */
import type { IrAuthorization, IrSecurity } from '../../../ir/types.js';
import type { SecurityPolicy } from '../../../resources/types.js';
import { readSecurityPolicy } from '../../../resources/read/security-policy.js';
import type { AuthorizationRead } from '../../../resources/read/security-authorization.js';

export type SecurityVerdict = { type: 'applied'; ir: IrSecurity } | { type: 'closed'; message: string };

export function policyKey(policy: SecurityPolicy): string {
  return `${policy.metadata.namespace ?? 'default'}/${policy.metadata.name}`;
}

/** The policy's verdict; pure in the policy object (a translation remembers it per object). */
export function securityVerdict(policy: SecurityPolicy): SecurityVerdict {
  const features = readSecurityPolicy(policy).features;
  if (!features.valid) return { type: 'closed', message: features.errors.map((e) => e.message).join('; ') };
  const ir: IrSecurity = { policy: policyKey(policy) };
  const { authorization } = features.result;
  if (authorization) ir.authorization = authorizationIr(authorization);
  return { type: 'applied', ir };
}

function authorizationIr(read: AuthorizationRead): IrAuthorization {
  return {
    defaultAction: read.defaultAction,
    rules: read.rules.map((r) => ({
      name: r.name,
      action: r.action,
      ...(r.principal.clientCIDRs ? { clientCidrs: r.principal.clientCIDRs } : {}),
      ...(r.principal.headers ? { headers: r.principal.headers } : {}),
    })),
  };
}
