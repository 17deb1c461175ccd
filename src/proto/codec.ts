/**
 * Encoding Envoy messages, and the schema-aware round-trip check that proves an emitted message
 * means what it was built to mean.
 *
 * protobufjs is forgiving in ways that hide mistakes: unknown keys and unknown enum strings are
 * dropped, and an Any whose type is not loaded encodes as an empty Any, all without an error.
 * `checkRoundTrip` walks the built object against the reflection types to catch those, then
 * encodes, decodes and compares, so anything protobufjs lost shows up as a difference.
 */
import protobuf from 'protobufjs';
import type { EnvoyMessage } from './xds-resources.js';
import { lookupMessageType } from './root.js';
import { isLongLike } from './long.js';

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const UNSIGNED_LONG_TYPES = new Set(['uint64', 'fixed64']);
const INT32_RANGES: Record<string, [number, number]> = {
  int32: [-0x80000000, 0x7fffffff],
  sint32: [-0x80000000, 0x7fffffff],
  sfixed32: [-0x80000000, 0x7fffffff],
  uint32: [0, 0xffffffff],
  fixed32: [0, 0xffffffff],
};
const ANY = '.google.protobuf.Any';

/** How decoded messages are turned back into objects for comparison: the same shapes builders use. */
const TO_OBJECT_OPTIONS: protobuf.IConversionOptions = {
  longs: Number,
  enums: String,
  bytes: String,
  defaults: false,
  // `json` makes protobufjs unpack Any into `{'@type', ...fields}`, the shape builders write.
  json: true,
};

function requireType(typeUrl: string): protobuf.Type {
  const type = lookupMessageType(typeUrl);
  if (!type) throw new Error(`message type for ${typeUrl} is not loaded in the proto root`);
  return type;
}

/** Encodes a built message (protobufjs keepCase object form) to protobuf bytes. */
export function encodeResource(typeUrl: string, msg: EnvoyMessage): Uint8Array {
  const type = requireType(typeUrl);
  return type.encode(type.fromObject(msg)).finish();
}

/** Decodes protobuf bytes to the keepCase object form (the inverse of `encodeResource`). */
export function decodeResource(typeUrl: string, bytes: Uint8Array): EnvoyMessage {
  const type = requireType(typeUrl);
  return type.toObject(type.decode(bytes), TO_OBJECT_OPTIONS) as EnvoyMessage;
}

/**
 * Problems with a built message, human-readable and path-prefixed; empty means it encodes to
 * exactly what was built. Never throws.
 */
export function checkRoundTrip(typeUrl: string, msg: EnvoyMessage): string[] {
  const type = lookupMessageType(typeUrl);
  if (!type) return [`${typeUrl}: message type is not loaded in the proto root`];
  const problems: string[] = [];
  checkMessage(type, msg, '', problems);
  // Schema problems already explain the differences a round trip would show.
  if (problems.length > 0) return problems;
  let decoded: unknown;
  try {
    decoded = decodeResource(typeUrl, encodeResource(typeUrl, msg));
  } catch (err) {
    return [`encode/decode failed: ${err instanceof Error ? err.message : String(err)}`];
  }
  diff('', normalizeMessage(type, msg), normalizeMessage(type, decoded), problems);
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Schema walk

type Obj = { [key: string]: unknown };

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function at(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : `${typeof value} ${JSON.stringify(value)}`;
}

function checkMessage(type: protobuf.Type, value: unknown, path: string, problems: string[]): void {
  if (!isObject(value)) {
    problems.push(`${path || '<root>'}: expected a ${type.fullName.slice(1)} object, got ${describe(value)}`);
    return;
  }
  if (type.fullName === ANY && '@type' in value) {
    checkPackedAny(value, path, problems);
    return;
  }
  const oneofMembers = new Map<string, string>();
  for (const [key, fieldValue] of Object.entries(value)) {
    const field = type.fields[key];
    const fieldPath = at(path, key);
    if (!field) {
      problems.push(`${fieldPath}: unknown field`);
      continue;
    }
    // protobufjs treats null/undefined as unset, which is what a builder means by them.
    if (fieldValue === undefined || fieldValue === null) continue;
    if (field.partOf) {
      const other = oneofMembers.get(field.partOf.name);
      if (other) problems.push(`${fieldPath}: oneof ${field.partOf.name} is already set by ${other}`);
      else oneofMembers.set(field.partOf.name, key);
    }
    if (field instanceof protobuf.MapField) {
      if (!isObject(fieldValue)) {
        problems.push(`${fieldPath}: expected an object for map field, got ${describe(fieldValue)}`);
        continue;
      }
      for (const [mapKey, entry] of Object.entries(fieldValue)) {
        checkMapKey(field.keyType, mapKey, `${fieldPath}['${mapKey}']`, problems);
        checkFieldValue(field, entry, `${fieldPath}['${mapKey}']`, problems);
      }
    } else if (field.repeated) {
      if (!Array.isArray(fieldValue)) {
        problems.push(`${fieldPath}: expected a list, got ${describe(fieldValue)}`);
        continue;
      }
      fieldValue.forEach((element, i) => checkFieldValue(field, element, `${fieldPath}[${i}]`, problems));
    } else {
      checkFieldValue(field, fieldValue, fieldPath, problems);
    }
  }
}

function checkPackedAny(value: Obj, path: string, problems: string[]): void {
  const { '@type': typeUrl, ...fields } = value;
  if (typeof typeUrl !== 'string' || !typeUrl.includes('/')) {
    problems.push(`${at(path, '@type')}: expected a type URL, got ${describe(typeUrl)}`);
    return;
  }
  const inner = lookupMessageType(typeUrl);
  if (!inner) {
    problems.push(
      `${at(path, '@type')}: Any type ${typeUrl} is not loaded in the proto root (it would encode as an empty Any)`,
    );
    return;
  }
  checkMessage(inner, fields, path, problems);
}

function checkFieldValue(field: protobuf.Field, value: unknown, path: string, problems: string[]): void {
  const resolved = field.resolve().resolvedType;
  if (resolved instanceof protobuf.Type) {
    checkMessage(resolved, value, path, problems);
  } else if (resolved instanceof protobuf.Enum) {
    checkEnum(resolved, value, path, problems);
  } else {
    checkScalar(field.type, value, path, problems);
  }
}

function checkEnum(enumType: protobuf.Enum, value: unknown, path: string, problems: string[]): void {
  const name = enumType.fullName.slice(1);
  if (typeof value === 'string') {
    if (!(value in enumType.values)) problems.push(`${path}: ${JSON.stringify(value)} is not a value of enum ${name}`);
  } else if (typeof value === 'number') {
    // Proto3 enums are open on the wire, but Envoy validates `defined_only`: an unknown number is a bug.
    if (!(value in enumType.valuesById)) problems.push(`${path}: ${value} is not a value of enum ${name}`);
  } else {
    problems.push(`${path}: expected a ${name} name, got ${describe(value)}`);
  }
}

function checkScalar(scalarType: string, value: unknown, path: string, problems: string[]): void {
  const expect = (what: string): void => {
    problems.push(`${path}: expected ${what} (${scalarType}), got ${describe(value)}`);
  };
  switch (scalarType) {
    case 'string':
      if (typeof value !== 'string') expect('a string');
      return;
    case 'bool':
      if (typeof value !== 'boolean') expect('a boolean');
      return;
    case 'double':
    case 'float':
      if (typeof value !== 'number') expect('a number');
      return;
    case 'bytes':
      if (typeof value !== 'string' && !(value instanceof Uint8Array)) expect('base64 text or bytes');
      return;
  }
  const range = INT32_RANGES[scalarType];
  if (range) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < range[0] || value > range[1]) {
      expect('an integer in range');
    }
    return;
  }
  if (LONG_TYPES.has(scalarType)) {
    const unsigned = UNSIGNED_LONG_TYPES.has(scalarType);
    const ok =
      (typeof value === 'number' && Number.isSafeInteger(value) && (!unsigned || value >= 0)) ||
      (typeof value === 'string' && (unsigned ? /^\d+$/ : /^-?\d+$/).test(value)) ||
      isLongLike(value);
    if (!ok) expect('a safe integer or decimal string');
    return;
  }
  problems.push(`${path}: unsupported scalar type ${scalarType}`);
}

function checkMapKey(keyType: string, key: string, path: string, problems: string[]): void {
  if (keyType === 'bool' && key !== 'true' && key !== 'false') problems.push(`${path}: map key is not a bool`);
  if (keyType !== 'string' && keyType !== 'bool' && !/^-?\d+$/.test(key))
    problems.push(`${path}: map key is not an integer`);
}

// ---------------------------------------------------------------------------------------------
// Normalization: the canonical form both sides are compared in

/**
 * Drops fields equal to their proto3 default (which do not survive a round trip) and brings
 * enums, longs, bytes and floats to one representation. Message-typed fields are kept even when
 * empty: their presence is meaning (`timeout: {}` disables a timeout; absent means the default).
 * Oneof members (and proto3 `optional`) have presence too and are kept even when default.
 */
function normalizeMessage(type: protobuf.Type, value: unknown): unknown {
  if (!isObject(value)) return value;
  if (type.fullName === ANY && typeof value['@type'] === 'string') {
    const { '@type': typeUrl, ...fields } = value;
    const inner = lookupMessageType(typeUrl as string);
    return inner ? { '@type': typeUrl, ...(normalizeMessage(inner, fields) as Obj) } : value;
  }
  const out: Obj = {};
  for (const field of type.fieldsArray) {
    const fieldValue = value[field.name];
    if (fieldValue === undefined || fieldValue === null) continue;
    if (field instanceof protobuf.MapField) {
      if (!isObject(fieldValue)) continue;
      const keys = Object.keys(fieldValue).sort();
      if (keys.length === 0) continue;
      out[field.name] = Object.fromEntries(keys.map((k) => [k, normalizeValue(field, fieldValue[k])]));
    } else if (field.repeated) {
      if (!Array.isArray(fieldValue) || fieldValue.length === 0) continue;
      out[field.name] = fieldValue.map((element) => normalizeValue(field, element));
    } else {
      const normalized = normalizeValue(field, fieldValue);
      if (!field.partOf && isProto3Default(field, normalized)) continue;
      out[field.name] = normalized;
    }
  }
  return out;
}

function normalizeValue(field: protobuf.Field, value: unknown): unknown {
  const resolved = field.resolve().resolvedType;
  if (resolved instanceof protobuf.Type) return normalizeMessage(resolved, value);
  if (resolved instanceof protobuf.Enum) {
    const number = typeof value === 'string' ? resolved.values[value] : value;
    return typeof number === 'number' ? (resolved.valuesById[number] ?? number) : value;
  }
  if (LONG_TYPES.has(field.type)) {
    if (typeof value === 'string') return Number(value);
    if (isLongLike(value)) return protobuf.util.LongBits.from(value).toNumber(value.unsigned);
    return value;
  }
  if (field.type === 'bytes' && value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (field.type === 'float' && typeof value === 'number') return Math.fround(value);
  return value;
}

function isProto3Default(field: protobuf.Field, normalized: unknown): boolean {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return false;
  if (resolved instanceof protobuf.Enum) return normalized === resolved.valuesById[0] || normalized === 0;
  return normalized === 0 || normalized === false || normalized === '';
}

// ---------------------------------------------------------------------------------------------
// Structural difference

function diff(path: string, built: unknown, decoded: unknown, problems: string[]): void {
  if (Array.isArray(built) && Array.isArray(decoded)) {
    if (built.length !== decoded.length) {
      problems.push(`${path}: built ${built.length} elements, decoded ${decoded.length}`);
      return;
    }
    built.forEach((element, i) => diff(`${path}[${i}]`, element, decoded[i], problems));
    return;
  }
  if (isObject(built) && isObject(decoded)) {
    const keys = new Set([...Object.keys(built), ...Object.keys(decoded)]);
    for (const key of keys) {
      const keyPath = at(path, key);
      if (!(key in decoded)) problems.push(`${keyPath}: lost in round trip (built ${JSON.stringify(built[key])})`);
      else if (!(key in built))
        problems.push(`${keyPath}: appeared in round trip (decoded ${JSON.stringify(decoded[key])})`);
      else diff(keyPath, built[key], decoded[key], problems);
    }
    return;
  }
  if (!Object.is(built, decoded)) {
    problems.push(`${path || '<root>'}: built ${JSON.stringify(built)}, decoded ${JSON.stringify(decoded)}`);
  }
}
