/**
 * A BackendTrafficPolicy's cluster settings on the policy's copy of a backend cluster (`IrClusterTraffic`).
 *
 * Seam for the features: each setting of `IrClusterTraffic` is written here, onto the cluster
 * `buildCluster` made (its protocol options already set for HTTP/2 backends).
 */
import type { IrClusterTraffic } from '../../ir/types.js';
import { HTTP_PROTOCOL_OPTIONS } from '../../proto/type-urls.js';
import type { Cluster } from './types.js';

const PROTOCOL_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

export function applyClusterTraffic(out: Cluster, traffic: IrClusterTraffic, protocol: string): void {
  const breaker = traffic.circuitBreaker;
  if (breaker) {
    out.circuit_breakers = {
      thresholds: [
        {
          priority: 'DEFAULT',
          max_connections: { value: breaker.maxConnections },
          max_pending_requests: { value: breaker.maxPendingRequests },
          max_requests: { value: breaker.maxParallelRequests },
          max_retries: { value: breaker.maxParallelRetries },
        },
      ],
    };
    if (breaker.maxRequestsPerConnection !== undefined && (protocol === 'http1' || protocol === 'http2')) {
      httpProtocolOptions(out, protocol).common_http_protocol_options = {
        max_requests_per_connection: { value: breaker.maxRequestsPerConnection },
      };
    }
  }
}

type ProtocolOptions = NonNullable<Cluster['typed_extension_protocol_options']>[string] & {
  '@type': typeof HTTP_PROTOCOL_OPTIONS;
};

/** The cluster's HttpProtocolOptions, added (with its protocol said explicitly, which Envoy requires) when it has none. */
export function httpProtocolOptions(out: Cluster, protocol: 'http1' | 'http2'): ProtocolOptions {
  const all = (out.typed_extension_protocol_options ??= {});
  let options = all[PROTOCOL_OPTIONS_KEY] as ProtocolOptions | undefined;
  if (!options) {
    options = {
      '@type': HTTP_PROTOCOL_OPTIONS,
      explicit_http_config: protocol === 'http2' ? { http2_protocol_options: {} } : { http_protocol_options: {} },
    };
    all[PROTOCOL_OPTIONS_KEY] = options;
  }
  return options;
}
