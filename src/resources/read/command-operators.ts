/**
 * Envoy's access-log command operators (`%START_TIME%`, `%REQ(:PATH)%`…), checked as Envoy 1.40
 * parses them (source/common/formatter/substitution_formatter.cc): Envoy refuses a listener whose
 * access log names an operator it does not know, or gives one the wrong arguments, and with it the
 * whole listener update. Portico takes the operators below (the list was checked against Envoy
 * 1.40 itself: test/e2e/access-log.test.ts validates a format with every one of them) and refuses
 * anything else with the operator's position.
 *
 * Left out on purpose: `CEL` and `METADATA` (their arguments are expressions Portico cannot check
 * as Envoy does) and `COMMON_DURATION`, `PATH(…)` options and `FILTER_STATE` serializers beyond
 * `PLAIN`/`TYPED`.
 */

/** Operators that take neither an argument nor a length. */
const PLAIN_OPERATORS = new Set([
  'REQUEST_HEADERS_BYTES',
  'BYTES_RECEIVED',
  'BYTES_RETRANSMITTED',
  'PACKETS_RETRANSMITTED',
  'UPSTREAM_WIRE_BYTES_RECEIVED',
  'UPSTREAM_HEADER_BYTES_RECEIVED',
  'DOWNSTREAM_WIRE_BYTES_RECEIVED',
  'DOWNSTREAM_HEADER_BYTES_RECEIVED',
  'PROTOCOL',
  'UPSTREAM_PROTOCOL',
  'RESPONSE_CODE',
  'RESPONSE_CODE_DETAILS',
  'CONNECTION_TERMINATION_DETAILS',
  'RESPONSE_HEADERS_BYTES',
  'RESPONSE_TRAILERS_BYTES',
  'BYTES_SENT',
  'UPSTREAM_WIRE_BYTES_SENT',
  'UPSTREAM_HEADER_BYTES_SENT',
  'DOWNSTREAM_WIRE_BYTES_SENT',
  'DOWNSTREAM_HEADER_BYTES_SENT',
  'DURATION',
  'REQUEST_DURATION',
  'REQUEST_TX_DURATION',
  'RESPONSE_DURATION',
  'RESPONSE_TX_DURATION',
  'DOWNSTREAM_HANDSHAKE_DURATION',
  'ROUNDTRIP_DURATION',
  'UPSTREAM_CONNECTION_POOL_READY_DURATION',
  'RESPONSE_FLAGS',
  'RESPONSE_FLAGS_LONG',
  'UPSTREAM_HOST_NAME',
  'UPSTREAM_HOST_NAME_WITHOUT_PORT',
  'UPSTREAM_HOST',
  'UPSTREAM_CONNECTION_ID',
  'UPSTREAM_CLUSTER',
  'UPSTREAM_CLUSTER_RAW',
  'UPSTREAM_LOCAL_ADDRESS',
  'UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT',
  'UPSTREAM_LOCAL_PORT',
  'UPSTREAM_REMOTE_ADDRESS',
  'UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT',
  'UPSTREAM_REMOTE_PORT',
  'UPSTREAM_REQUEST_ATTEMPT_COUNT',
  'UPSTREAM_TLS_CIPHER',
  'UPSTREAM_TLS_VERSION',
  'UPSTREAM_TLS_SESSION_ID',
  'UPSTREAM_PEER_ISSUER',
  'UPSTREAM_PEER_CERT',
  'UPSTREAM_PEER_SUBJECT',
  'UPSTREAM_PEER_URI_SAN',
  'UPSTREAM_PEER_DNS_SAN',
  'UPSTREAM_PEER_IP_SAN',
  'UPSTREAM_LOCAL_URI_SAN',
  'UPSTREAM_LOCAL_DNS_SAN',
  'UPSTREAM_LOCAL_IP_SAN',
  'UPSTREAM_TRANSPORT_FAILURE_REASON',
  'UPSTREAM_LOCAL_CLOSE_REASON',
  'UPSTREAM_DETECTED_CLOSE_TYPE',
  'DOWNSTREAM_LOCAL_ADDRESS',
  'DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT',
  'DOWNSTREAM_LOCAL_PORT',
  'DOWNSTREAM_REMOTE_ADDRESS',
  'DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT',
  'DOWNSTREAM_REMOTE_PORT',
  'DOWNSTREAM_DIRECT_REMOTE_ADDRESS',
  'DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT',
  'DOWNSTREAM_DIRECT_REMOTE_PORT',
  'DOWNSTREAM_LOCAL_URI_SAN',
  'DOWNSTREAM_LOCAL_DNS_SAN',
  'DOWNSTREAM_LOCAL_IP_SAN',
  'DOWNSTREAM_LOCAL_EMAIL_SAN',
  'DOWNSTREAM_LOCAL_OTHERNAME_SAN',
  'DOWNSTREAM_PEER_URI_SAN',
  'DOWNSTREAM_PEER_DNS_SAN',
  'DOWNSTREAM_PEER_IP_SAN',
  'DOWNSTREAM_PEER_EMAIL_SAN',
  'DOWNSTREAM_PEER_OTHERNAME_SAN',
  'DOWNSTREAM_LOCAL_SUBJECT',
  'DOWNSTREAM_PEER_SUBJECT',
  'DOWNSTREAM_PEER_ISSUER',
  'DOWNSTREAM_TLS_SESSION_ID',
  'DOWNSTREAM_TLS_CIPHER',
  'DOWNSTREAM_TLS_VERSION',
  'DOWNSTREAM_PEER_FINGERPRINT_256',
  'DOWNSTREAM_PEER_FINGERPRINT_1',
  'DOWNSTREAM_PEER_SERIAL',
  'DOWNSTREAM_PEER_CERT',
  'DOWNSTREAM_PEER_CHAIN_FINGERPRINTS_256',
  'DOWNSTREAM_PEER_CHAIN_FINGERPRINTS_1',
  'DOWNSTREAM_PEER_CHAIN_SERIALS',
  'DOWNSTREAM_TRANSPORT_FAILURE_REASON',
  'DOWNSTREAM_DETECTED_CLOSE_TYPE',
  'TLS_JA3_FINGERPRINT',
  'TLS_JA4_FINGERPRINT',
  'CONNECTION_ID',
  'REQUESTED_SERVER_NAME',
  'ROUTE_NAME',
  'VIRTUAL_CLUSTER_NAME',
  'HOSTNAME',
  'LOCAL_REPLY_BODY',
  'FILTER_CHAIN_NAME',
  'ACCESS_LOG_TYPE',
  'UNIQUE_ID',
  'STREAM_ID',
  'TRACE_ID',
  'CUSTOM_FLAGS',
  'PATH',
]);

/** Times: an optional strftime-like format (`%START_TIME(%s.%3f)%`), no length. */
const TIME_OPERATORS = new Set([
  'START_TIME',
  'START_TIME_LOCAL',
  'EMIT_TIME',
  'EMIT_TIME_LOCAL',
  'DOWNSTREAM_PEER_CERT_V_START',
  'DOWNSTREAM_PEER_CERT_V_END',
  'UPSTREAM_PEER_CERT_V_START',
  'UPSTREAM_PEER_CERT_V_END',
]);

/** Headers: `NAME` or `NAME?ALTERNATIVE`, an optional length. */
const HEADER_OPERATORS = new Set(['REQ', 'RESP', 'TRAILER', 'REQUEST_HEADER', 'RESPONSE_HEADER', 'RESPONSE_TRAILER']);

/** Metadata: `NAMESPACE[:KEY…]`; a length only for DYNAMIC_METADATA. */
const METADATA_OPERATORS = new Set(['DYNAMIC_METADATA', 'CLUSTER_METADATA', 'UPSTREAM_METADATA']);
const METADATA_WITH_LENGTH = 'DYNAMIC_METADATA';

/** One argument (a name), an optional length. */
const NAMED_OPERATORS = new Set(['ENVIRONMENT', 'QUERY_PARAM']);

/** Filter state: `KEY` or `KEY:PLAIN` / `KEY:TYPED`, an optional length. */
const FILTER_STATE_OPERATORS = new Set(['FILTER_STATE', 'UPSTREAM_FILTER_STATE']);

/** An HTTP header name as Envoy takes it in a command (a pseudo-header such as `:path` too). */
const HEADER_NAME = /^:?[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
/** What Envoy reads as a command: `%NAME%`, `%NAME(ARG)%`, `%NAME(ARG):LENGTH%`. */
const COMMAND = /^%([A-Z0-9_]+)(?:\(([^)]*)\))?(?::([0-9]+))?%/;
const MAX_LENGTH = 2 ** 31 - 1;

/** Every operator Portico takes, as an example of its form: what the e2e test gives Envoy. */
export function acceptedOperatorExamples(): string[] {
  return [
    ...[...PLAIN_OPERATORS].map((o) => `%${o}%`),
    ...[...TIME_OPERATORS].flatMap((o) => [`%${o}%`, `%${o}(%Y-%m-%dT%H:%M:%S.%3fZ)%`]),
    ...[...HEADER_OPERATORS].flatMap((o) => [`%${o}(:AUTHORITY)%`, `%${o}(X-A?X-B):10%`]),
    ...[...METADATA_OPERATORS].flatMap((o) => [`%${o}(ns)%`, `%${o}(ns:a:b)%`]),
    `%${METADATA_WITH_LENGTH}(ns:a):20%`,
    ...[...NAMED_OPERATORS].flatMap((o) => [`%${o}(NAME)%`, `%${o}(NAME):5%`]),
    ...[...FILTER_STATE_OPERATORS].flatMap((o) => [`%${o}(key)%`, `%${o}(key:PLAIN)%`, `%${o}(key:TYPED):8%`]),
  ];
}

/** Why Envoy would refuse this format string, or undefined when it takes it. */
export function formatStringProblem(format: string): string | undefined {
  for (let pos = 0; pos < format.length;) {
    if (format[pos] !== '%') {
      pos++;
      continue;
    }
    if (format[pos + 1] === '%') {
      pos += 2; // `%%` is a literal percent sign
      continue;
    }
    const match = COMMAND.exec(format.slice(pos));
    if (!match) {
      return `no command operator at position ${pos} (write %NAME%, %NAME(ARGUMENT)% or %NAME(ARGUMENT):LENGTH%, and %% for a percent sign)`;
    }
    const problem = operatorProblem(match[1]!, match[2], match[3]);
    if (problem) return `${match[0]}: ${problem}`;
    pos += match[0].length;
  }
  return undefined;
}

function operatorProblem(name: string, argument: string | undefined, length: string | undefined): string | undefined {
  if (length !== undefined && Number(length) > MAX_LENGTH) return `the length is above ${MAX_LENGTH}`;
  const hasArgument = argument !== undefined && argument !== '';
  if (PLAIN_OPERATORS.has(name)) {
    return argument !== undefined || length !== undefined ? `${name} takes no argument and no length` : undefined;
  }
  if (TIME_OPERATORS.has(name)) return length !== undefined ? `${name} takes no length` : undefined;
  if (!hasArgument) {
    return HEADER_OPERATORS.has(name) ||
      METADATA_OPERATORS.has(name) ||
      NAMED_OPERATORS.has(name) ||
      FILTER_STATE_OPERATORS.has(name)
      ? `${name} needs an argument, ${name}(…)`
      : unknown(name);
  }
  if (HEADER_OPERATORS.has(name)) {
    const names = argument.split('?');
    if (names.length > 2) return 'at most one alternative header (NAME?ALTERNATIVE)';
    const bad = names.find((n) => !HEADER_NAME.test(n));
    return bad === undefined ? undefined : `${JSON.stringify(bad)} is not a header name`;
  }
  if (METADATA_OPERATORS.has(name)) {
    if (length !== undefined && name !== METADATA_WITH_LENGTH) return `${name} takes no length`;
    return argument.split(':').some((part) => part === '') ? 'write NAMESPACE or NAMESPACE:KEY[:KEY…]' : undefined;
  }
  if (NAMED_OPERATORS.has(name)) return undefined;
  if (FILTER_STATE_OPERATORS.has(name)) {
    const [key, serializer, ...rest] = argument.split(':');
    if (key === '' || rest.length > 0 || (serializer !== undefined && !['PLAIN', 'TYPED'].includes(serializer))) {
      return 'write KEY, KEY:PLAIN or KEY:TYPED';
    }
    return undefined;
  }
  return unknown(name);
}

function unknown(name: string): string {
  return ['CEL', 'METADATA', 'COMMON_DURATION'].includes(name)
    ? `${name} is not supported by Portico`
    : `${name} is not an Envoy command operator`;
}
