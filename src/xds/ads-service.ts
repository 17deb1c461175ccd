/**
 * The ADS gRPC service definition, hand-built: requests are decoded with the shared protobufjs
 * Root (SotW requests by `SotwRequestDecoder`, which shares equal names lists), and responses are
 * written as gRPC frames built from each resource's cached encoding (wire.ts, grpc-frame.ts), so
 * protobufjs never re-encodes a resource per stream.
 */
import type * as grpc from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { protoRoot } from '../proto/root.js';
import { type GrpcFrame, serializeFrame } from './grpc-frame.js';
import { SotwRequestDecoder } from './sotw-request.js';

export const ADS_SERVICE = 'envoy.service.discovery.v3.AggregatedDiscoveryService';

export interface Codec {
  sotwRequest: protobuf.Type;
  sotwResponse: protobuf.Type;
  deltaRequest: protobuf.Type;
  deltaResponse: protobuf.Type;
}

/** The request and response types of both ADS methods. */
export function codec(): Codec {
  const root = protoRoot();
  return {
    sotwRequest: root.lookupType('envoy.service.discovery.v3.DiscoveryRequest'),
    sotwResponse: root.lookupType('envoy.service.discovery.v3.DiscoveryResponse'),
    deltaRequest: root.lookupType('envoy.service.discovery.v3.DeltaDiscoveryRequest'),
    deltaResponse: root.lookupType('envoy.service.discovery.v3.DeltaDiscoveryResponse'),
  };
}

function method(
  name: string,
  request: protobuf.Type,
  response: protobuf.Type,
  decode: (bytes: Buffer) => unknown = (bytes) => request.decode(bytes),
): grpc.MethodDefinition<unknown, GrpcFrame> {
  const definition = {
    path: `/${ADS_SERVICE}/${name}`,
    requestStream: true,
    responseStream: true,
    // Server side: requests are decoded once into protobufjs messages (read field by field, no
    // toObject); responses are already framed (grpc-frame.ts), this is only the fallback.
    requestDeserialize: decode,
    responseSerialize: serializeFrame,
    // Client side (a definition can also make a client): plain protobufjs.
    requestSerialize: (value: object) => Buffer.from(request.encode(request.fromObject(value)).finish()),
    responseDeserialize: (bytes: Buffer) => response.decode(bytes),
    originalName: name,
  };
  return definition as unknown as grpc.MethodDefinition<unknown, GrpcFrame>;
}

/**
 * The ADS service definition with the custom (de)serializers. A SotW request naming more than
 * `maxNamesPerRequest` resources is not decoded (the stream is then refused).
 */
export function adsServiceDefinition(
  maxNamesPerRequest = Infinity,
  // SotW requests restate their subscription: equal names lists are decoded once and shared.
  sotw = new SotwRequestDecoder(codec().sotwRequest, undefined, maxNamesPerRequest),
): grpc.ServiceDefinition {
  const c = codec();
  return {
    StreamAggregatedResources: method('StreamAggregatedResources', c.sotwRequest, c.sotwResponse, (bytes) =>
      sotw.decode(bytes),
    ),
    DeltaAggregatedResources: method('DeltaAggregatedResources', c.deltaRequest, c.deltaResponse),
  };
}
