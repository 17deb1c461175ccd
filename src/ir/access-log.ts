/**
 * Access logs (EnvoyProxyParameters `spec.telemetry.accessLog`, README "Observability"): what a
 * Gateway's parameters ask for, and what goes on each of its connection managers, TCP and UDP
 * proxies.
 */

/** A log line's format: a JSON object whose values are format strings, or a line of text. */
export type IrAccessLogFormat = { type: 'JSON'; json: Record<string, string> } | { type: 'Text'; text: string };

/** Where log lines go: Envoy's standard output or error, or an OTLP/gRPC collector. */
export type IrAccessLogSinkSpec =
  | { type: 'File'; path: '/dev/stdout' | '/dev/stderr' }
  | { type: 'OpenTelemetry'; host: string; port: number; resources?: Record<string, string> };

/** `spec.telemetry.accessLog` of EnvoyProxyParameters, checked. */
export interface IrAccessLogParameters {
  /** No access log at all. */
  disable?: boolean;
  /** Each: one format, written to each of its sinks. Absent: Portico's default (JSON on stdout). */
  settings?: { format?: IrAccessLogFormat; sinks: IrAccessLogSinkSpec[] }[];
}

/**
 * One access log of a connection manager or proxy. `format` absent: Portico's default JSON
 * (`DEFAULT_ACCESS_LOG_FIELDS` in src/translate/xds/access-log.ts).
 */
export interface IrAccessLog {
  format?: IrAccessLogFormat;
  sink:
    | { type: 'stdout' }
    | { type: 'stderr' }
    /** OTLP/gRPC to the collector's `IrCluster` (HTTP/2, DNS), with these resource attributes. */
    | { type: 'openTelemetry'; clusterName: string; resources: Record<string, string> };
}
