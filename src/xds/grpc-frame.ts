/**
 * ADS responses framed for gRPC once, and written to every stream as they are.
 *
 * On the wire a gRPC message is a 5-byte prefix (a compressed flag and the length) followed by
 * the message. grpc-js frames every response at write time: it allocates a new buffer and copies
 * the message into it. A SotW response is shared by every stream of a Gateway (views.ts), so a
 * change reaching 500 Envoys meant 500 copies of a response that can be most of a megabyte: about
 * 200 MB allocated and copied per RouteConfiguration change, and the garbage collections that
 * native memory triggers. Measured with the fan-out benchmark (500 clients, 1,000 routes), those
 * copies were about two thirds of the server's CPU for a route change.
 *
 * So responses are built with their prefix in front (`GrpcFrame`), and each call is told to send
 * a frame as it is (`sendFramesAsIs`). grpc-js has no public way to do that: the call's
 * `serializeMessage` is replaced on that call object only, and only when it has the shape of the
 * grpc-js version pinned in package.json. Otherwise nothing is replaced and grpc-js frames the
 * message itself (`serializeFrame` gives it the message without the prefix): the same bytes on the
 * wire, with one copy per stream. test/xds/grpc-frame.test.ts checks that the pinned grpc-js takes
 * the frame as is.
 */

/** Bytes of the gRPC message prefix: compressed flag (1), message length (4, big-endian). */
export const GRPC_PREFIX_BYTES = 5;

/** A protobuf message with its gRPC prefix in front, ready for the HTTP/2 stream. */
export class GrpcFrame {
  /** The message without the prefix (a view of `frame`, not a copy). */
  readonly message: Buffer;

  private constructor(readonly frame: Buffer) {
    this.message = frame.subarray(GRPC_PREFIX_BYTES);
  }

  /** One frame holding the concatenation of `parts` (copied once, here). */
  static of(parts: readonly Uint8Array[]): GrpcFrame {
    let length = 0;
    for (const part of parts) length += part.length;
    const frame = Buffer.allocUnsafe(GRPC_PREFIX_BYTES + length);
    frame.writeUInt8(0, 0); // not compressed
    frame.writeUInt32BE(length, 1);
    let offset = GRPC_PREFIX_BYTES;
    for (const part of parts) {
      frame.set(part, offset);
      offset += part.length;
    }
    return new GrpcFrame(frame);
  }
}

/** The service definition's `responseSerialize`: grpc-js frames what this returns itself. */
export function serializeFrame(value: GrpcFrame): Buffer {
  return value.message;
}

type SerializeMessage = (value: unknown) => Buffer;

/**
 * Lets `call` (a grpc-js server call as handed to a method handler) write `GrpcFrame`s without
 * copying them. Returns whether it could; when not, frames still go out correctly through
 * `serializeFrame`.
 */
export function sendFramesAsIs(call: object): boolean {
  // grpc-js 1.14: ServerDuplexStreamImpl.call is the interceptor chain, which without server
  // interceptors is the BaseServerInterceptingCall whose sendMessage calls
  // this.serializeMessage(message) and writes the result to the HTTP/2 stream.
  const inner = (call as { call?: { serializeMessage?: SerializeMessage } }).call;
  const original = inner?.serializeMessage;
  if (!inner || typeof original !== 'function' || original.length !== 1) return false;
  inner.serializeMessage = function (this: unknown, value: unknown): Buffer {
    return value instanceof GrpcFrame ? value.frame : original.call(this, value);
  };
  return true;
}
