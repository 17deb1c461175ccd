/**
 * Static listeners that serve one read-only admin page each to the outside while the admin
 * interface itself stays on loopback: readiness (`/ready`, kubelet's probe) and Prometheus stats
 * (`/stats/prometheus`). Each matches its one path exactly (any query string: `?usedonly`,
 * `?filter=`), for GET only; every other path and method is answered 404 by Envoy, so no admin
 * endpoint that changes or dumps anything (`/config_dump`, `/quitquitquit`, `/runtime_modify`) is
 * reachable there.
 */
import { HTTP_CONNECTION_MANAGER, ROUTER } from '../proto/type-urls.js';
import type { Cluster, Listener } from '../translate/xds/types.js';

export const ADMIN_CLUSTER_NAME = 'portico-envoy-admin';
export const STATS_LISTENER_NAME = 'portico-stats';
export const PROMETHEUS_PATH = '/stats/prometheus';
/** The stats port of a provisioned Envoy, and of the first local Envoy (`--stats-port-base`). */
export const DEFAULT_STATS_PORT = 19001;

/** A listener on `address:port` forwarding GET `path` (exactly) to the admin interface. */
export function adminPageListener(name: string, address: string, port: number, path: string): Listener {
  return {
    name,
    address: { socket_address: { address, port_value: port } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': HTTP_CONNECTION_MANAGER,
              stat_prefix: name.replace(/-/g, '_'),
              route_config: {
                name,
                virtual_hosts: [
                  {
                    name,
                    domains: ['*'],
                    routes: [
                      {
                        match: { path, headers: [{ name: ':method', string_match: { exact: 'GET' } }] },
                        route: { cluster: ADMIN_CLUSTER_NAME },
                      },
                    ],
                  },
                ],
              },
              http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
            },
          },
        ],
      },
    ],
  };
}

/** The admin interface on loopback, as a cluster the page listeners forward to. */
export function adminCluster(adminPort: number): Cluster {
  return {
    name: ADMIN_CLUSTER_NAME,
    type: 'STATIC',
    connect_timeout: { seconds: 1, nanos: 0 },
    load_assignment: {
      cluster_name: ADMIN_CLUSTER_NAME,
      endpoints: [
        {
          lb_endpoints: [
            { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: adminPort } } } },
          ],
        },
      ],
    },
  };
}
