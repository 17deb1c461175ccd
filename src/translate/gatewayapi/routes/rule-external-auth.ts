/**
 * A route rule's ExternalAuth filter (HTTPRoute, experimental, GEP-1494): "If there is any problem
 * communicating with the external service, this filter MUST fail closed." A filter whose
 * authorization server does not resolve is reported (`ResolvedRefs=False` with the backendRef's
 * reason: BackendNotFound, RefNotPermitted, InvalidKind…) and its rule answers 500 to every
 * request: the rule is never served without its authorization step.
 */
import type { IrCluster, IrRouteExtAuthz } from '../../../ir/types.js';
import type { ExternalAuthRead } from '../../../resources/read/external-auth.js';
import type { KubeObject } from '../../../resources/types.js';
import type { TranslationContext } from '../context.js';
import { resolveExternalAuth, routeExtAuthz } from '../external-auth.js';
import type { RouteTranslation } from './contract.js';

/** The rule's ext_authz filter; `unresolved` when its server does not resolve (the rule answers 500). */
export function translateRuleExternalAuth(
  ctx: TranslationContext,
  route: KubeObject,
  auth: ExternalAuthRead | undefined,
  out: RouteTranslation,
  addCluster: (c: IrCluster) => void,
): IrRouteExtAuthz | 'unresolved' | undefined {
  if (!auth) return undefined;
  const resolved = resolveExternalAuth(ctx, route, auth);
  if (!resolved.ok) {
    // A quiet failure (a BackendTLSPolicy that cannot be used) is reported on the policy.
    if (!resolved.quiet) {
      out.refProblems.push({
        reason: resolved.reason,
        message: `externalAuth.backendRef: ${resolved.message}; the rule answers 500`,
      });
    }
    return 'unresolved';
  }
  addCluster(resolved.cluster);
  return routeExtAuthz(resolved.config);
}
