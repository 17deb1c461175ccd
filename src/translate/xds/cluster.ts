/** Clusters: EDS over ADS, so endpoint churn only ever touches ClusterLoadAssignments. */
import type { IrCluster } from '../../ir/types.js';
import { HTTP_PROTOCOL_OPTIONS } from '../../proto/type-urls.js';
import { adsConfigSource } from './config-source.js';
import type { EnvoyMessage } from './types.js';

/** Envoy's 5s default is short for backends that are still starting; 10s matches common practice. */
const CONNECT_TIMEOUT_SECONDS = 10;

export function buildCluster(cluster: IrCluster): EnvoyMessage {
  const out: EnvoyMessage = {
    name: cluster.name,
    type: 'EDS',
    // No service_name: Envoy asks for the ClusterLoadAssignment named like the cluster.
    eds_cluster_config: { eds_config: adsConfigSource() },
    connect_timeout: { seconds: CONNECT_TIMEOUT_SECONDS },
    // lb_policy ROUND_ROBIN is the default (enum zero) and left out.
  };
  if (cluster.protocol === 'http2') {
    out.typed_extension_protocol_options = {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': HTTP_PROTOCOL_OPTIONS,
        // h2c with prior knowledge: the backend declared HTTP/2 (appProtocol), no ALPN to ask.
        explicit_http_config: { http2_protocol_options: {} },
      },
    };
  }
  return out;
}
