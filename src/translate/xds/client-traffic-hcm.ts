/**
 * A ClientTrafficPolicy's connection manager settings, laid over Portico's defaults
 * (`http-connection-manager.ts`). Only the fields a policy sets change.
 *
 * The client's address: with `xff_num_trusted_hops` N (and `use_remote_address`), the Nth address
 * from the right of X-Forwarded-For; with a custom header, the original IP detection extension,
 * which Envoy refuses beside `use_remote_address` (so that is turned off there). Envoy's rbac
 * filter (SecurityPolicy clientCIDRs: `remote_ip`), access logs and x-envoy-external-address all
 * use this address.
 */
import type { IrHcmClientTraffic } from '../../ir/types.js';
import { CUSTOM_HEADER_IP_DETECTION, EARLY_HEADER_MUTATION } from '../../proto/type-urls.js';
import { durationFromMs } from './duration.js';
import type { envoy } from './types.js';

type Hcm = envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
type Mutation = envoy.config.common.mutation_rules.v3.HeaderMutation;

function earlyMutations(headers: NonNullable<IrHcmClientTraffic['earlyRequestHeaders']>): Mutation[] {
  return [
    ...headers.set.map((h): Mutation => ({
      append: { header: { key: h.name, value: h.value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
    })),
    ...headers.add.map((h): Mutation => ({
      append: { header: { key: h.name, value: h.value }, append_action: 'APPEND_IF_EXISTS_OR_ADD' },
    })),
    ...headers.remove.map((name): Mutation => ({ remove: name })),
  ];
}

/** The connection manager's fields a policy sets (spread over Portico's defaults). */
export function hcmClientTraffic(ct: IrHcmClientTraffic): Partial<Hcm> {
  const out: Partial<Hcm> = {};
  const address = ct.clientAddress;
  if (address && 'xffNumTrustedHops' in address) out.xff_num_trusted_hops = address.xffNumTrustedHops;
  if (address && 'header' in address) {
    out.use_remote_address = { value: false };
    out.original_ip_detection_extensions = [
      {
        name: 'envoy.http.original_ip_detection.custom_header',
        typed_config: {
          '@type': CUSTOM_HEADER_IP_DETECTION,
          header_name: address.header,
          ...(address.failClosed ? { reject_with_status: { code: 'Forbidden' as const } } : {}),
        },
      },
    ];
  }
  if (ct.requestTimeoutMs !== undefined) out.request_timeout = durationFromMs(ct.requestTimeoutMs);
  if (ct.streamIdleTimeoutMs !== undefined) out.stream_idle_timeout = durationFromMs(ct.streamIdleTimeoutMs);
  const common: envoy.config.core.v3.HttpProtocolOptions = {};
  if (ct.idleTimeoutMs !== undefined) common.idle_timeout = durationFromMs(ct.idleTimeoutMs);
  if (ct.headersWithUnderscores) common.headers_with_underscores_action = ct.headersWithUnderscores;
  if (Object.keys(common).length > 0) out.common_http_protocol_options = common;
  if (ct.requestId) {
    if (ct.requestId.preserve) out.preserve_external_request_id = true;
    if (!ct.requestId.generate) out.generate_request_id = { value: false };
  }
  if (ct.earlyRequestHeaders && earlyMutations(ct.earlyRequestHeaders).length > 0) {
    out.early_header_mutation_extensions = [
      {
        name: 'envoy.http.early_header_mutation.header_mutation',
        typed_config: { '@type': EARLY_HEADER_MUTATION, mutations: earlyMutations(ct.earlyRequestHeaders) },
      },
    ];
  }
  if (ct.http1) {
    const h = ct.http1;
    out.http_protocol_options = {
      ...(h.enableTrailers !== undefined ? { enable_trailers: h.enableTrailers } : {}),
      ...(h.acceptHttp10 ? { accept_http_10: true } : {}),
      ...(h.defaultHostForHttp10 !== undefined ? { default_host_for_http_10: h.defaultHostForHttp10 } : {}),
    };
  }
  if (ct.http2) {
    const h = ct.http2;
    out.http2_protocol_options = {
      ...(h.maxConcurrentStreams !== undefined ? { max_concurrent_streams: { value: h.maxConcurrentStreams } } : {}),
      ...(h.initialStreamWindowSize !== undefined
        ? { initial_stream_window_size: { value: h.initialStreamWindowSize } }
        : {}),
      ...(h.initialConnectionWindowSize !== undefined
        ? { initial_connection_window_size: { value: h.initialConnectionWindowSize } }
        : {}),
    };
  }
  if (ct.escapedSlashesAction) out.path_with_escaped_slashes_action = ct.escapedSlashesAction;
  if (ct.mergeSlashes !== undefined) out.merge_slashes = ct.mergeSlashes;
  return out;
}
