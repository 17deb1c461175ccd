/**
 * Hand-written protobuf wire encoding for the two ADS response messages.
 *
 * Protobuf fields concatenate: a message is the sequence of its encoded fields, in any order, and
 * a repeated field is just its elements each written as a field. So a DiscoveryResponse is built
 * as `version_info` + the cached `resources` entries (each already a complete field-2 record, an
 * Any around the resource bytes encoded once per content) + `type_url` + `nonce` +
 * `control_plane`, without protobufjs touching the resources again. The same holds for
 * DeltaDiscoveryResponse, whose cached entries are complete field-2 `Resource` records.
 *
 * Field numbers (envoy/service/discovery/v3/discovery.proto):
 *   DiscoveryResponse:      version_info=1 resources=2 (Any) type_url=4 nonce=5 control_plane=6
 *   DeltaDiscoveryResponse: system_version_info=1 resources=2 (Resource) type_url=4 nonce=5
 *                           removed_resources=6 control_plane=7
 *   Resource:               version=1 resource=2 (Any) name=3
 *   Any:                    type_url=1 value=2
 *   ControlPlane:           identifier=1
 */
import { GrpcFrame } from './grpc-frame.js';

const WIRE_LEN = 2;

function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, offset: number, value: number): number {
  while (value >= 0x80) {
    buf[offset++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  buf[offset++] = value;
  return offset;
}

/** One length-delimited field (`tag`, length, payload) as bytes. */
export function lengthDelimited(field: number, payload: Uint8Array): Buffer {
  const tag = (field << 3) | WIRE_LEN;
  const out = Buffer.allocUnsafe(varintSize(tag) + varintSize(payload.length) + payload.length);
  let offset = writeVarint(out, 0, tag);
  offset = writeVarint(out, offset, payload.length);
  out.set(payload, offset);
  return out;
}

/** A string field; empty strings are omitted (the proto3 default), as protobufjs does. */
export function stringField(field: number, value: string): Buffer {
  if (value === '') return Buffer.alloc(0);
  return lengthDelimited(field, Buffer.from(value, 'utf8'));
}

/** A `google.protobuf.Any` message (not a field): type_url=1, value=2. */
export function encodeAny(typeUrl: string, value: Uint8Array): Buffer {
  return Buffer.concat([stringField(1, typeUrl), lengthDelimited(2, value)]);
}

/** The `resources` record of a DiscoveryResponse for one resource: field 2 holding an Any. */
export function sotwResourceEntry(typeUrl: string, value: Uint8Array): Buffer {
  return lengthDelimited(2, encodeAny(typeUrl, value));
}

/** The `resources` record of a DeltaDiscoveryResponse: field 2 holding a `Resource`. */
export function deltaResourceEntry(typeUrl: string, name: string, version: string, value: Uint8Array): Buffer {
  const resource = Buffer.concat([
    stringField(1, version),
    lengthDelimited(2, encodeAny(typeUrl, value)),
    stringField(3, name),
  ]);
  return lengthDelimited(2, resource);
}

function controlPlane(field: number, identifier: string): Buffer {
  return identifier === '' ? Buffer.alloc(0) : lengthDelimited(field, stringField(1, identifier));
}

export interface SotwResponseParts {
  versionInfo: string;
  typeUrl: string;
  nonce: string;
  /** Cached `sotwResourceEntry` records. */
  entries: readonly Uint8Array[];
  controlPlane?: string;
}

/** A complete DiscoveryResponse, framed for the stream. */
export function encodeSotwResponse(parts: SotwResponseParts): GrpcFrame {
  return GrpcFrame.of([
    stringField(1, parts.versionInfo),
    ...parts.entries,
    stringField(4, parts.typeUrl),
    stringField(5, parts.nonce),
    controlPlane(6, parts.controlPlane ?? ''),
  ]);
}

/**
 * A DiscoveryResponse `nonce` field on its own. Appended to a shared, complete response it
 * overrides the nonce in there: for a singular field, the last value on the wire wins.
 */
export function nonceField(nonce: string): Buffer {
  return stringField(5, nonce);
}

export interface DeltaResponseParts {
  systemVersionInfo: string;
  typeUrl: string;
  nonce: string;
  /** Cached `deltaResourceEntry` records. */
  entries: readonly Uint8Array[];
  removed: readonly string[];
  controlPlane?: string;
}

/** A complete DeltaDiscoveryResponse, framed for the stream. */
export function encodeDeltaResponse(parts: DeltaResponseParts): GrpcFrame {
  return GrpcFrame.of([
    stringField(1, parts.systemVersionInfo),
    ...parts.entries,
    stringField(4, parts.typeUrl),
    stringField(5, parts.nonce),
    ...parts.removed.map((name) => lengthDelimited(6, Buffer.from(name, 'utf8'))),
    controlPlane(7, parts.controlPlane ?? ''),
  ]);
}
