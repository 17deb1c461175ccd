/**
 * EndpointSlice, read: what the translator takes of it to find a Service port's endpoints. Only
 * slices of IP addresses (`addressType` IPv4 or IPv6) give endpoints; any other slice reads to
 * undefined. A port entry or an endpoint that is not an object is none; an address that is not a
 * string is none (an empty one is kept: the translator skips it). A port's name or number of the
 * wrong type is kept as written (`NotOfType`): the Service port is matched by the name as
 * written, and a slice whose port number does not read serves no endpoint. An endpoint's `ready`
 * that is not a boolean is taken as absent (only `false` makes an endpoint not ready).
 *
 * EndpointSlices come by the thousand and change on every rollout: a slice written as the spec
 * says reads to itself (no copy, no memo; the check is one pass over what the translator walks
 * anyway). One with something of the wrong type, or a null for an absent field, reads to a copy.
 */
import { listInPlace } from './list-in-place.js';
import { NotOfType } from './not-of-type.js';
import { fieldsOf } from './validation-result.js';

export interface EndpointPortRead {
  readonly name?: string | NotOfType;
  readonly port?: number | NotOfType;
}

export interface EndpointConditionsRead {
  /** Absent: ready. */
  readonly ready?: boolean;
}

export interface EndpointRead {
  readonly addresses?: readonly string[];
  readonly conditions?: EndpointConditionsRead;
}

export interface EndpointSliceRead {
  readonly addressType: 'IPv4' | 'IPv6';
  readonly ports?: readonly EndpointPortRead[];
  readonly endpoints?: readonly EndpointRead[];
}

/** Reads `slice` (an EndpointSlice's top-level fields); undefined for a slice of no IP addresses. */
export function readEndpointSlice(slice: object): EndpointSliceRead | undefined {
  const fields = slice as Record<string, unknown>;
  const addressType = fields.addressType;
  if (addressType !== 'IPv4' && addressType !== 'IPv6') return undefined;
  const ports = listInPlace(fields.ports, readPort);
  const endpoints = listInPlace(fields.endpoints, readEndpoint);
  if (ports === fields.ports && endpoints === fields.endpoints) return slice as EndpointSliceRead;
  const copy: { -readonly [K in keyof EndpointSliceRead]: EndpointSliceRead[K] } = { addressType };
  if (ports !== undefined) copy.ports = ports;
  if (endpoints !== undefined) copy.endpoints = endpoints;
  return copy;
}

function readPort(item: unknown): EndpointPortRead | undefined {
  const fields = fieldsOf(item);
  if (!fields) return undefined;
  const { name, port } = fields;
  if ((name === undefined || typeof name === 'string') && (port === undefined || typeof port === 'number'))
    return fields as EndpointPortRead;
  const copy: { -readonly [K in keyof EndpointPortRead]: EndpointPortRead[K] } = {};
  if (name !== undefined && name !== null) copy.name = typeof name === 'string' ? name : new NotOfType(name);
  if (port !== undefined && port !== null) copy.port = typeof port === 'number' ? port : new NotOfType(port);
  return copy;
}

function readAddress(item: unknown): string | undefined {
  return typeof item === 'string' ? item : undefined;
}

function readEndpoint(item: unknown): EndpointRead | undefined {
  const fields = fieldsOf(item);
  if (!fields) return undefined;
  const addresses = listInPlace(fields.addresses, readAddress);
  const conditions = readConditions(fields.conditions);
  if (addresses === fields.addresses && conditions === fields.conditions) return fields as EndpointRead;
  const copy: { -readonly [K in keyof EndpointRead]: EndpointRead[K] } = {};
  if (addresses !== undefined) copy.addresses = addresses;
  if (conditions !== undefined) copy.conditions = conditions;
  return copy;
}

function readConditions(value: unknown): EndpointConditionsRead | undefined {
  const fields = fieldsOf(value);
  if (!fields) return undefined;
  const ready = fields.ready;
  if (ready === undefined || typeof ready === 'boolean') return fields;
  return {};
}
