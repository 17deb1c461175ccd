/**
 * Envoy configuration as people are shown it (`portico translate`, `/debug/config_dump`): every
 * field the Envoy API marks `(udpa.annotations.sensitive)` replaced by a placeholder. That covers
 * what SecurityPolicies put in route configurations (basic_auth's htpasswd users, api_key_auth's
 * keys) and anything a later filter carries, without a list to keep in step.
 *
 * The walk follows the message types of the shared Root, into `Any` values by their `@type`, so a
 * redacted message still has the shape of its type (a DataSource stays a DataSource with an inline
 * string, a list of credentials a list of credentials).
 */
import type protobuf from 'protobufjs';
import { lookupMessageType } from '../proto/root.js';
import { isPlainObject } from '../shared/plain-object.js';

export const REDACTED_CREDENTIAL = '[redacted]';
const SENSITIVE = '(udpa.annotations.sensitive)';

/** `message` (of type `typeUrlOrName`) with its sensitive fields redacted; the same object when it has none. */
export function redactSensitiveFields<T>(typeUrlOrName: string, message: T): T {
  const type = lookupMessageType(typeUrlOrName);
  return type ? (redactMessage(type, message) as T) : message;
}

function redactMessage(type: protobuf.Type, value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  if (type.fullName === '.google.protobuf.Any') {
    const url = value['@type'];
    const packed = typeof url === 'string' ? lookupMessageType(url) : undefined;
    return packed ? redactMessage(packed, value) : value;
  }
  let out: Record<string, unknown> | undefined;
  for (const [key, v] of Object.entries(value)) {
    const field = type.fields[key];
    if (!field || v === undefined || v === null) continue;
    const redacted = field.options?.[SENSITIVE] === true ? placeholder(v) : redactField(field, v);
    if (redacted !== v) (out ??= { ...value })[key] = redacted;
  }
  return out ?? value;
}

function redactField(field: protobuf.Field, value: unknown): unknown {
  const type = field.resolvedType;
  if (!type || !('fields' in type)) return value;
  const message = type as protobuf.Type;
  if (field.map && isPlainObject(value)) {
    let out: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(value)) {
      const r = redactMessage(message, v);
      if (r !== v) (out ??= { ...value })[k] = r;
    }
    return out ?? value;
  }
  if (field.repeated && Array.isArray(value)) {
    const items = value.map((item: unknown) => redactMessage(message, item));
    return items.some((item, i) => item !== value[i]) ? items : value;
  }
  return redactMessage(message, value);
}

/** Every string (and bytes) of `value` replaced, keys and `@type` kept. */
function placeholder(value: unknown): unknown {
  if (typeof value === 'string' || value instanceof Uint8Array) return REDACTED_CREDENTIAL;
  if (Array.isArray(value)) return value.map(placeholder);
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === '@type' ? v : placeholder(v)]));
  }
  return value;
}
