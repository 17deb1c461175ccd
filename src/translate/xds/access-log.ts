/**
 * Access logs of a connection manager, TCP proxy or UDP proxy: Envoy's stdout or stderr logger,
 * or its OpenTelemetry logger (OTLP/gRPC to a collector's cluster).
 *
 * Portico's default format is JSON, one object per line, the fields below (README "Access
 * logs"). Values that are a single numeric operator (status, bytes, duration) are JSON numbers;
 * what a request does not have (the upstream of a direct response, headers on a TCP connection)
 * is null.
 */
import type { IrAccessLog, IrAccessLogFormat } from '../../ir/types.js';
import { OPEN_TELEMETRY_ACCESS_LOG, STDERR_ACCESS_LOG, STDOUT_ACCESS_LOG } from '../../proto/type-urls.js';
import type { envoy } from './types.js';

export const DEFAULT_ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  start_time: '%START_TIME%',
  method: '%REQ(:METHOD)%',
  // The path the client sent, before any rewrite.
  path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
  protocol: '%PROTOCOL%',
  response_code: '%RESPONSE_CODE%',
  response_flags: '%RESPONSE_FLAGS%',
  response_code_details: '%RESPONSE_CODE_DETAILS%',
  duration: '%DURATION%',
  bytes_received: '%BYTES_RECEIVED%',
  bytes_sent: '%BYTES_SENT%',
  upstream_host: '%UPSTREAM_HOST%',
  upstream_cluster: '%UPSTREAM_CLUSTER%',
  route_name: '%ROUTE_NAME%',
  // The client as Envoy decided it (X-Forwarded-For and trusted hops applied), without its port.
  client_address: '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%',
  downstream_remote_address: '%DOWNSTREAM_REMOTE_ADDRESS%',
  x_forwarded_for: '%REQ(X-FORWARDED-FOR)%',
  request_id: '%REQ(X-REQUEST-ID)%',
  user_agent: '%REQ(USER-AGENT)%',
  authority: '%REQ(:AUTHORITY)%',
  requested_server_name: '%REQUESTED_SERVER_NAME%',
};

/** The name Envoy's OpenTelemetry logger gives its log stream. */
const OTLP_LOG_NAME = 'portico-access-log';

type AccessLog = envoy.config.accesslog.v3.AccessLog;
type FormatString = envoy.config.core.v3.SubstitutionFormatString;

function logFormat(format: IrAccessLogFormat | undefined): FormatString {
  if (format?.type === 'Text') {
    const text = format.text.endsWith('\n') ? format.text : `${format.text}\n`;
    return { text_format_source: { inline_string: text } };
  }
  const json = format?.json ?? DEFAULT_ACCESS_LOG_FIELDS;
  return {
    json_format: { fields: Object.fromEntries(Object.entries(json).map(([k, v]) => [k, { stringValue: v }])) },
  };
}

export function accessLogs(logs: readonly IrAccessLog[] | undefined): AccessLog[] {
  return (logs ?? []).map((log): AccessLog => {
    const { sink } = log;
    if (sink.type === 'stdout') {
      return {
        name: 'envoy.access_loggers.stdout',
        typed_config: { '@type': STDOUT_ACCESS_LOG, log_format: logFormat(log.format) },
      };
    }
    if (sink.type === 'stderr') {
      return {
        name: 'envoy.access_loggers.stderr',
        typed_config: { '@type': STDERR_ACCESS_LOG, log_format: logFormat(log.format) },
      };
    }
    const fields = log.format?.type === 'Text' ? undefined : (log.format?.json ?? DEFAULT_ACCESS_LOG_FIELDS);
    const keyValues = (map: Readonly<Record<string, string>>) =>
      Object.entries(map).map(([key, value]) => ({ key, value: { string_value: value } }));
    return {
      name: 'envoy.access_loggers.open_telemetry',
      typed_config: {
        '@type': OPEN_TELEMETRY_ACCESS_LOG,
        common_config: {
          log_name: OTLP_LOG_NAME,
          grpc_service: { envoy_grpc: { cluster_name: sink.clusterName } },
          transport_api_version: 'V3',
        },
        ...(Object.keys(sink.resources).length > 0
          ? { resource_attributes: { values: keyValues(sink.resources) } }
          : {}),
        ...(log.format?.type === 'Text' ? { body: { string_value: log.format.text } } : {}),
        ...(fields ? { attributes: { values: keyValues(fields) } } : {}),
      },
    };
  });
}
