/**
 * Proto3 JSON of Envoy messages, printed the way Envoy's config_dump prints them: proto field
 * names (snake_case), `"@type"` on every resource and Any, Durations as `"1.5s"`, wrappers as bare
 * values, Struct as plain JSON, enums by name, bytes as base64, fields equal to their proto3
 * default omitted. 64-bit integers are decimal strings, as the proto3 JSON mapping specifies
 * (and as Envoy prints them), so values above 2^53 stay exact.
 *
 * Output is deterministic: message fields in declaration order, map and Struct keys sorted.
 * It is what `portico translate` prints and what golden files store.
 */
import protobuf from 'protobufjs';
import type { EnvoyMessage } from './xds-resources.js';
import { encodeResource } from './codec.js';
import { lookupMessageType } from './root.js';
import { isLongLike } from './long.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

const WRAPPERS = new Set(
  ['Double', 'Float', 'Int64', 'UInt64', 'Int32', 'UInt32', 'Bool', 'String', 'Bytes'].map(
    (name) => `.google.protobuf.${name}Value`,
  ),
);
/** Well-known types whose JSON is not an object: inside an Any they go under `"value"`. */
const SPECIAL_JSON = new Set([
  ...WRAPPERS,
  '.google.protobuf.Any',
  '.google.protobuf.Duration',
  '.google.protobuf.Timestamp',
  '.google.protobuf.FieldMask',
  '.google.protobuf.Struct',
  '.google.protobuf.Value',
  '.google.protobuf.ListValue',
]);
const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

type Decoded = protobuf.Message & { [field: string]: unknown };

/** Decodes `input` (bytes, or a built message which is encoded first) and prints it as proto3 JSON. */
export function toProtoJson(typeUrl: string, input: Uint8Array | EnvoyMessage): JsonValue {
  const type = lookupMessageType(typeUrl);
  if (!type) throw new Error(`message type for ${typeUrl} is not loaded in the proto root`);
  // Printing from the encoded form shows exactly what Envoy receives, not what was meant.
  const bytes = input instanceof Uint8Array ? input : encodeResource(typeUrl, input);
  return withType(typeUrl, type, printMessage(type, type.decode(bytes) as Decoded));
}

function withType(typeUrl: string, type: protobuf.Type, printed: JsonValue): JsonObject {
  if (SPECIAL_JSON.has(type.fullName) || printed === null || typeof printed !== 'object' || Array.isArray(printed)) {
    return { '@type': typeUrl, value: printed };
  }
  return { '@type': typeUrl, ...printed };
}

function has(message: Decoded, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(message, name) && message[name] !== null && message[name] !== undefined;
}

function printMessage(type: protobuf.Type, message: Decoded): JsonValue {
  switch (type.fullName) {
    case '.google.protobuf.Any':
      return printAny(message);
    case '.google.protobuf.Duration':
      return formatDuration(message.seconds, message.nanos);
    case '.google.protobuf.Timestamp':
      return formatTimestamp(message.seconds, message.nanos);
    case '.google.protobuf.Struct':
      return printStruct(message);
    case '.google.protobuf.Value':
      return printStructValue(message);
    case '.google.protobuf.ListValue':
      return ((message.values as Decoded[] | undefined) ?? []).map(printStructValue);
    case '.google.protobuf.FieldMask':
      return ((message.paths as string[] | undefined) ?? []).map(lowerCamel).join(',');
  }
  if (WRAPPERS.has(type.fullName)) {
    const field = type.fields['value'] as protobuf.Field;
    return printSingle(field, message['value'] ?? field.resolve().defaultValue);
  }
  const out: JsonObject = {};
  for (const field of type.fieldsArray) {
    if (!has(message, field.name)) continue;
    const value = message[field.name];
    if (field instanceof protobuf.MapField) {
      const entries = value as { [key: string]: unknown };
      const keys = Object.keys(entries).sort();
      if (keys.length === 0) continue;
      out[field.name] = Object.fromEntries(keys.map((key) => [key, printSingle(field, entries[key])]));
    } else if (field.repeated) {
      const list = value as unknown[];
      if (list.length === 0) continue;
      out[field.name] = list.map((element) => printSingle(field, element));
    } else {
      // Oneof members and proto3 `optional` fields have presence: print them even when default.
      if (!field.partOf && isScalarDefault(field, value)) continue;
      out[field.name] = printSingle(field, value);
    }
  }
  return out;
}

function isScalarDefault(field: protobuf.Field, value: unknown): boolean {
  if (field.resolvedType instanceof protobuf.Type) return false;
  if (isLongLike(value)) return value.low === 0 && value.high === 0;
  if (value instanceof Uint8Array) return value.length === 0;
  return value === 0 || value === false || value === '';
}

function printSingle(field: protobuf.Field, value: unknown): JsonValue {
  const resolved = field.resolve().resolvedType;
  if (resolved instanceof protobuf.Type) return printMessage(resolved, value as Decoded);
  if (resolved instanceof protobuf.Enum) {
    if (resolved.fullName === '.google.protobuf.NullValue') return null;
    return resolved.valuesById[value as number] ?? (value as number);
  }
  if (LONG_TYPES.has(field.type)) return String(value);
  if (field.type === 'bytes') return Buffer.from(value as Uint8Array).toString('base64');
  if (field.type === 'float' || field.type === 'double') return printFloat(value as number, field.type === 'float');
  return value as JsonValue;
}

function printFloat(value: number, single: boolean): JsonValue {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (!single) return value;
  // The shortest decimal that reads back as the same float32, as other proto3 printers do.
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}

function printAny(message: Decoded): JsonValue {
  const typeUrl = message.type_url as string | undefined;
  if (!typeUrl) return {};
  const inner = lookupMessageType(typeUrl);
  const value = (message.value as Uint8Array | undefined) ?? new Uint8Array();
  // An Any of a type we do not know cannot be printed as proto3 JSON; keep the raw bytes visible.
  if (!inner) return { '@type': typeUrl, value: Buffer.from(value).toString('base64') };
  return withType(typeUrl, inner, printMessage(inner, inner.decode(value) as Decoded));
}

function printStruct(message: Decoded): JsonValue {
  const fields = (message.fields as { [key: string]: Decoded } | undefined) ?? {};
  return Object.fromEntries(
    Object.keys(fields)
      .sort()
      .map((key) => [key, printStructValue(fields[key] as Decoded)]),
  );
}

function printStructValue(value: Decoded): JsonValue {
  if (has(value, 'structValue')) return printStruct(value.structValue as Decoded);
  if (has(value, 'listValue')) return ((value.listValue as Decoded).values as Decoded[]).map(printStructValue);
  if (has(value, 'stringValue')) return value.stringValue as string;
  if (has(value, 'numberValue')) return value.numberValue as number;
  if (has(value, 'boolValue')) return value.boolValue as boolean;
  return null;
}

function toBigInt(value: unknown): bigint {
  if (isLongLike(value)) return BigInt(value.toString());
  return BigInt((value as number | undefined) ?? 0);
}

function fraction(nanos: number): string {
  if (nanos === 0) return '';
  const digits = String(nanos).padStart(9, '0');
  // Proto3 JSON prints 0, 3, 6 or 9 fractional digits.
  if (digits.endsWith('000000')) return `.${digits.slice(0, 3)}`;
  if (digits.endsWith('000')) return `.${digits.slice(0, 6)}`;
  return `.${digits}`;
}

export function formatDuration(secondsValue: unknown, nanosValue: unknown): string {
  const seconds = toBigInt(secondsValue);
  const nanos = Number(nanosValue ?? 0);
  const negative = seconds < 0n || nanos < 0;
  const abs = seconds < 0n ? -seconds : seconds;
  return `${negative ? '-' : ''}${abs}${fraction(Math.abs(nanos))}s`;
}

function formatTimestamp(secondsValue: unknown, nanosValue: unknown): string {
  const seconds = Number(toBigInt(secondsValue));
  const nanos = Number(nanosValue ?? 0);
  const iso = new Date(seconds * 1000).toISOString(); // yyyy-mm-ddThh:mm:ss.000Z
  return `${iso.slice(0, 19)}${fraction(nanos)}Z`;
}

function lowerCamel(path: string): string {
  return path.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}
