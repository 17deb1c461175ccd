/**
 * SecurityPolicy `extAuth` → Envoy's ext_authz, built by the one builder HTTPRoute ExternalAuth
 * filters use (`pre-routing-filters.ts`): one filter per configuration in the connection manager
 * (`security/extauthz/<cluster>/<digest>`), off by default and turned on by the routes of the
 * policies that carry it.
 */
import type { IrRouteExtAuthz } from '../../ir/types.js';
import { enableRouteExtAuthz, routeExtAuthzFilter } from './pre-routing-filters.js';
import type { envoy, PerFilterConfig } from './types.js';

export function securityExtAuthzFilters(
  filters: readonly IrRouteExtAuthz[],
): envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter[] {
  return filters.map(routeExtAuthzFilter);
}

/** Turns the policy's ext_authz filter on for a route. */
export function securityExtAuthzPerRoute(f: IrRouteExtAuthz, config: PerFilterConfig): void {
  Object.assign(config, enableRouteExtAuthz(f));
}
