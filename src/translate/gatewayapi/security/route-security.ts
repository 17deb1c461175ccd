/**
 * A route entry under its effective SecurityPolicy, as the Gateway's IR assembly places it in a
 * virtual host: the policy's IR on the route (Envoy's filters then enforce it per route), or, for
 * a policy that cannot be applied, a direct 500 in place of the route's action: closed, never open.
 */
import type { IrHttpFilterKind, IrRoute, IrSecurity } from '../../../ir/types.js';
import type { ListenerState } from '../listeners/listener-state.js';
import type { SecurityVerdict } from './security-ir.js';

export interface GatewaySecurity {
  /**
   * The verdict of the policy that applies to `route` on `listener`, or undefined when none does.
   * The same object for the same policy object (the IR assembly compares parts by identity).
   */
  verdictOf(listener: ListenerState, route: IrRoute): SecurityVerdict | undefined;
}

export function securedRoute(route: IrRoute, verdict: SecurityVerdict | undefined): IrRoute {
  if (!verdict) return route;
  if (verdict.type === 'closed') {
    const { name, source, match } = route;
    return { name, source, match, action: { type: 'direct', status: 500 } };
  }
  return { ...route, security: verdict.ir };
}

/** The HTTP filters a policy's routes need in their connection manager (each configured per route). */
export function securityFilterKinds(security: IrSecurity, kinds: Set<IrHttpFilterKind>): void {
  if (security.authorization) kinds.add('rbac');
  const basicAuth = security.basicAuth;
  if (basicAuth)
    kinds.add(basicAuth.forwardUsernameHeader ? `basic_auth_forward:${basicAuth.forwardUsernameHeader}` : 'basic_auth');
  if (security.apiKeyAuth) kinds.add('api_key_auth');
  if (security.jwt) kinds.add('jwt_authn');
}
