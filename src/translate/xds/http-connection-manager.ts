/**
 * The HTTP connection manager of a filter chain.
 *
 * Path handling defaults follow Envoy's edge-proxy guidance, so a path cannot reach a backend in
 * a form other than the one routing matched: `normalize_path` (RFC 3986 dot segments),
 * `merge_slashes`, and `UNESCAPE_AND_REDIRECT` for `%2F`/`%5C` (the client is redirected to the
 * unescaped path, which is then matched normally). None of these changes what a Gateway API
 * conformance request matches. `use_remote_address` makes Envoy the edge for X-Forwarded-For.
 * `server_header_transformation: PASS_THROUGH`: Envoy's default overwrites the Server header after
 * the route's own header changes, so a ResponseHeaderModifier could neither set nor remove it; the
 * backend's Server header passes through, and Envoy adds none.
 */
import type { IrHttpConnectionManager } from '../../ir/types.js';
import { HTTP_CONNECTION_MANAGER } from '../../proto/type-urls.js';
import { adsConfigSource } from './config-source.js';
import { httpFilters } from './http-filters.js';
import { tracingConfig } from './tracing.js';
import { hcmClientTraffic } from './client-traffic-hcm.js';
import { accessLogs } from './access-log.js';
import type { envoy } from './types.js';

export const HTTP_CONNECTION_MANAGER_FILTER = 'envoy.filters.network.http_connection_manager';

export function httpConnectionManagerFilter(hcm: IrHttpConnectionManager): envoy.config.listener.v3.Filter {
  return {
    name: HTTP_CONNECTION_MANAGER_FILTER,
    typed_config: {
      '@type': HTTP_CONNECTION_MANAGER,
      stat_prefix: hcm.statPrefix,
      // Routes come over RDS so a route change never drains the listener's connections.
      rds: { config_source: adsConfigSource(), route_config_name: hcm.routeConfigName },
      http_filters: httpFilters(hcm),
      // Enabled for every route by default: the Gateway API has no switch for it and users expect it.
      upgrade_configs: [{ upgrade_type: 'websocket' }],
      use_remote_address: { value: true },
      normalize_path: { value: true },
      merge_slashes: true,
      path_with_escaped_slashes_action: 'UNESCAPE_AND_REDIRECT',
      server_header_transformation: 'PASS_THROUGH',
      ...(hcm.tracing ? { tracing: tracingConfig(hcm.tracing) } : {}),
      // A ClientTrafficPolicy's settings, over the defaults above.
      ...(hcm.clientTraffic ? hcmClientTraffic(hcm.clientTraffic) : {}),
      ...(hcm.accessLog?.length ? { access_log: accessLogs(hcm.accessLog) } : {}),
    },
  };
}
