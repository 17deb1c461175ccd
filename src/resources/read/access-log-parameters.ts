/**
 * `spec.telemetry` of an EnvoyProxyParameters (Envoy Gateway's EnvoyProxy `spec.telemetry.accessLog`,
 * the subset Portico implements): access log formats and sinks, or a switch that turns them off.
 * Each problem names its field (`spec.telemetry.accessLog.settings[0].format.json["path"]: …`);
 * a format string Envoy would refuse is one (command-operators.ts).
 */
import { isIP } from 'node:net';
import type { IrAccessLogFormat, IrAccessLogParameters, IrAccessLogSinkSpec } from '../../ir/types.js';
import { formatStringProblem } from './command-operators.js';
import { fieldsOf } from './validation-result.js';

/** Bounds, the same as the CRD's. */
const MAX_SETTINGS = 16;
const MAX_SINKS = 8;
const MAX_JSON_FIELDS = 64;
const MAX_FORMAT = 4096;
const FILE_PATHS = ['/dev/stdout', '/dev/stderr'];
const MAX_RESOURCES = 32;
const DEFAULT_OTLP_PORT = 4317;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

type Problem = (path: string, message: string) => undefined;

/** Keeps only known fields of an object (a problem for each other one); undefined if absent or not an object. */
function objectAt(
  value: unknown,
  path: string,
  known: readonly string[],
  problem: Problem,
): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  const fields = fieldsOf(value);
  if (!fields) return problem(path, 'must be an object');
  for (const key of Object.keys(fields)) if (!known.includes(key)) problem(`${path}.${key}`, 'unknown field');
  return fields;
}

function listAt(value: unknown, path: string, min: number, max: number, problem: Problem): unknown[] | undefined {
  if (value === undefined || value === null) return min > 0 ? problem(path, `needs at least ${min} item`) : undefined;
  if (!Array.isArray(value)) return problem(path, 'must be a list');
  if (value.length < min || value.length > max) {
    return problem(path, `has ${value.length} items; from ${min} to ${max}`);
  }
  return value;
}

/** `spec.telemetry`, checked: its access log parameters, or undefined (with problems pushed). */
export function readTelemetry(value: unknown, problems: string[]): { accessLog?: IrAccessLogParameters } | undefined {
  const problem: Problem = (path, message) => {
    problems.push(`${path}: ${message}`);
    return undefined;
  };
  const telemetry = objectAt(value, 'spec.telemetry', ['accessLog'], problem);
  const accessLog = objectAt(telemetry?.accessLog, 'spec.telemetry.accessLog', ['disable', 'settings'], problem);
  if (!accessLog) return telemetry ? {} : undefined;
  const out: IrAccessLogParameters = {};
  if (accessLog.disable !== undefined && accessLog.disable !== null) {
    if (typeof accessLog.disable !== 'boolean') problem('spec.telemetry.accessLog.disable', 'must be true or false');
    else if (accessLog.disable) out.disable = true;
  }
  const settings = listAt(accessLog.settings, 'spec.telemetry.accessLog.settings', 0, MAX_SETTINGS, problem);
  if (settings && out.disable) {
    problem('spec.telemetry.accessLog.settings', 'must be empty when disable is true (no access log is written)');
  } else if (settings) {
    out.settings = [];
    settings.forEach((s, i) => {
      const path = `spec.telemetry.accessLog.settings[${i}]`;
      const setting = objectAt(s, path, ['format', 'sinks'], problem);
      if (!setting) {
        if (s === undefined || s === null) problem(path, 'must be an object');
        return;
      }
      const format = readFormat(setting.format, `${path}.format`, problem);
      const sinks = listAt(setting.sinks, `${path}.sinks`, 1, MAX_SINKS, problem) ?? [];
      const read = sinks.map((sink, j) => readSink(sink, `${path}.sinks[${j}]`, problem));
      out.settings!.push({
        ...(format ? { format } : {}),
        sinks: read.filter((sink): sink is IrAccessLogSinkSpec => sink !== undefined),
      });
    });
  }
  return { accessLog: out };
}

function readFormat(value: unknown, path: string, problem: Problem): IrAccessLogFormat | undefined {
  const format = objectAt(value, path, ['type', 'text', 'json'], problem);
  if (!format) return undefined;
  if (format.type === 'Text') {
    if (format.json !== undefined) problem(`${path}.json`, 'is only for type JSON');
    if (typeof format.text !== 'string' || format.text.length === 0 || format.text.length > MAX_FORMAT) {
      return problem(`${path}.text`, `type Text needs a format string of 1 to ${MAX_FORMAT} characters`);
    }
    const bad = formatStringProblem(format.text);
    return bad ? problem(`${path}.text`, bad) : { type: 'Text', text: format.text };
  }
  if (format.type !== 'JSON') return problem(`${path}.type`, `${JSON.stringify(format.type)} is not one of JSON, Text`);
  if (format.text !== undefined) problem(`${path}.text`, 'is only for type Text');
  const fields = fieldsOf(format.json);
  if (!fields || Object.keys(fields).length === 0) {
    return problem(`${path}.json`, 'type JSON needs a map of field names to format strings');
  }
  if (Object.keys(fields).length > MAX_JSON_FIELDS) {
    return problem(`${path}.json`, `has ${Object.keys(fields).length} fields; at most ${MAX_JSON_FIELDS}`);
  }
  const json: Record<string, string> = {};
  let ok = true;
  for (const [key, text] of Object.entries(fields)) {
    const at = `${path}.json[${JSON.stringify(key)}]`;
    const bad =
      key.length === 0
        ? 'the field name must not be empty'
        : typeof text !== 'string' || text.length > MAX_FORMAT
          ? `must be a format string of at most ${MAX_FORMAT} characters`
          : formatStringProblem(text);
    if (bad) ok = problem(at, bad) ?? false;
    else json[key] = text as string;
  }
  return ok ? { type: 'JSON', json } : undefined;
}

function readSink(value: unknown, path: string, problem: Problem): IrAccessLogSinkSpec | undefined {
  const sink = objectAt(value, path, ['type', 'file', 'openTelemetry'], problem);
  if (!sink) return value === undefined || value === null ? problem(path, 'must be an object') : undefined;
  if (sink.type === 'File') {
    if (sink.openTelemetry !== undefined) problem(`${path}.openTelemetry`, 'is only for type OpenTelemetry');
    const file = objectAt(sink.file, `${path}.file`, ['path'], problem);
    if (!file) return problem(`${path}.file`, `type File needs file.path (${FILE_PATHS.join(' or ')})`);
    const filePath = file.path;
    if (typeof filePath !== 'string' || !FILE_PATHS.includes(filePath)) {
      // Envoy refuses a whole listener whose log file it cannot open, and a provisioned Envoy's
      // filesystem is read-only: only its standard streams are sure to be there.
      return problem(
        `${path}.file.path`,
        `${JSON.stringify(filePath ?? null)}: Portico writes access logs to ${FILE_PATHS.join(' or ')} only (Envoy refuses a listener whose log file it cannot open; a provisioned Envoy's filesystem is read-only)`,
      );
    }
    return { type: 'File', path: filePath as '/dev/stdout' | '/dev/stderr' };
  }
  if (sink.type !== 'OpenTelemetry') {
    return problem(`${path}.type`, `${JSON.stringify(sink.type)} is not one of File, OpenTelemetry`);
  }
  if (sink.file !== undefined) problem(`${path}.file`, 'is only for type File');
  const otel = objectAt(sink.openTelemetry, `${path}.openTelemetry`, ['host', 'port', 'resources'], problem);
  if (!otel) return problem(`${path}.openTelemetry`, 'type OpenTelemetry needs host (and port)');
  const host = otel.host;
  if (typeof host !== 'string' || (isIP(host) === 0 && !DNS_NAME.test(host))) {
    return problem(`${path}.openTelemetry.host`, 'must be a DNS name or an IP address of the OTLP/gRPC collector');
  }
  const port = otel.port ?? DEFAULT_OTLP_PORT;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    return problem(`${path}.openTelemetry.port`, `${JSON.stringify(port)} must be a whole number from 1 to 65535`);
  }
  let resources: Record<string, string> | undefined;
  if (otel.resources !== undefined && otel.resources !== null) {
    const map = fieldsOf(otel.resources);
    const entries = Object.entries(map ?? {});
    if (!map || entries.some(([k, v]) => k === '' || typeof v !== 'string') || entries.length > MAX_RESOURCES) {
      return problem(
        `${path}.openTelemetry.resources`,
        `must be a map of at most ${MAX_RESOURCES} non-empty names to string values`,
      );
    }
    resources = map as Record<string, string>;
  }
  return { type: 'OpenTelemetry', host, port, ...(resources ? { resources } : {}) };
}
