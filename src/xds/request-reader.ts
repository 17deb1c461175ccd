/**
 * ADS requests gathered into one buffer each as they arrive, so that a request being received
 * holds its own bytes and not the socket's read buffers.
 *
 * Node.js hands HTTP/2 DATA to grpc-js as slices of the buffer it read the socket into (64 KiB
 * allocated per read; 16 KiB of clear text per read with TLS), and grpc-js keeps those slices
 * until a request is complete, then copies them into one. A request arriving over many reads
 * (a SotW request restating 20,000 names is about 600 KiB) therefore holds every read buffer it
 * touched, each mostly holding other frames or nothing. These buffers are malloc's, in glibc's main
 * arena: a flood of 200 such streams held about 150 MiB of them at once, and glibc kept the arena
 * after they were freed (malloc_info: 148 MiB of free chunks; RSS 235 MiB after the streams
 * closed, 95 MiB after malloc_trim). A bare grpc-js server reading the same flood and holding
 * nothing kept as much (docs/BENCHMARKS.md, the xDS flood).
 *
 * `readRequestsWhole` replaces a call's decoder (grpc-js's `StreamDecoder`) by `RequestGatherer`:
 * when the 5-byte gRPC prefix of a request has arrived, it allocates the request's buffer, of the
 * size the prefix gives (bounded by the server's max receive message length, refused past it as
 * grpc-js refuses it), and copies each DATA slice into it at once. The read buffers are then
 * free as soon as Node.js is done with them; a large request is one large allocation, which glibc
 * maps on its own (Portico's malloc setting, src/infra/node-flags.ts) and gives back when freed.
 *
 * grpc-js has no public way to do this: the decoder is replaced on that call object only, before
 * anything was read, and only when it has the shape of the grpc-js version pinned in package.json
 * (1.14: BaseServerInterceptingCall.decoder, written to by handleDataFrame). Otherwise nothing is
 * replaced and requests are read as grpc-js reads them. test/xds/request-reader.test.ts checks that
 * the pinned grpc-js takes it.
 */

/** Bytes of the gRPC message prefix: compressed flag (1), message length (4, big-endian). */
const PREFIX_BYTES = 5;

/** What grpc-js's server call asks of its decoder: bytes in, complete framed messages out. */
interface FrameDecoder {
  write(data: Buffer): Buffer[];
}

/** gRPC length-prefixed messages, each gathered into one buffer of its size (prefix included). */
export class RequestGatherer implements FrameDecoder {
  private readonly prefix = Buffer.alloc(PREFIX_BYTES);
  private prefixHave = 0;
  private message: Buffer | undefined;
  private have = 0;

  /** `maxBytes`: longest message accepted (-1: no bound, as in grpc-js). */
  constructor(private readonly maxBytes: number) {}

  /** Bytes held for the message being received (0 between messages). */
  get pendingBytes(): number {
    return this.message ? this.message.length : this.prefixHave;
  }

  write(data: Buffer): Buffer[] {
    const complete: Buffer[] = [];
    let at = 0;
    while (at < data.length) {
      if (!this.message) {
        const n = Math.min(PREFIX_BYTES - this.prefixHave, data.length - at);
        data.copy(this.prefix, this.prefixHave, at, at + n);
        this.prefixHave += n;
        at += n;
        if (this.prefixHave < PREFIX_BYTES) break;
        const length = this.prefix.readUInt32BE(1);
        if (this.maxBytes !== -1 && length > this.maxBytes) {
          // grpc-js's wording: the call ends with RESOURCE_EXHAUSTED and this message.
          throw new Error(`Received message larger than max (${length} vs ${this.maxBytes})`);
        }
        this.message = Buffer.allocUnsafe(PREFIX_BYTES + length);
        this.prefix.copy(this.message, 0);
        this.have = PREFIX_BYTES;
        this.prefixHave = 0;
      }
      const n = Math.min(this.message.length - this.have, data.length - at);
      data.copy(this.message, this.have, at, at + n);
      this.have += n;
      at += n;
      if (this.have === this.message.length) {
        complete.push(this.message);
        this.message = undefined;
      }
    }
    return complete;
  }
}

/**
 * Makes `call` (a grpc-js server call as handed to a method handler, before it is read) gather
 * each request into one buffer. Returns whether it could; when not, grpc-js reads requests itself.
 */
export function readRequestsWhole(call: object): boolean {
  const inner = (call as { call?: { decoder?: unknown } }).call;
  const decoder = inner?.decoder as
    { write?: unknown; maxReadMessageLength?: unknown; readState?: unknown; readPartialMessage?: unknown } | undefined;
  if (
    !inner ||
    !decoder ||
    typeof decoder.write !== 'function' ||
    typeof decoder.maxReadMessageLength !== 'number' ||
    // Nothing read yet: grpc-js's NO_DATA state, no partial message.
    decoder.readState !== 0 ||
    !Array.isArray(decoder.readPartialMessage) ||
    decoder.readPartialMessage.length !== 0
  ) {
    return false;
  }
  inner.decoder = new RequestGatherer(decoder.maxReadMessageLength);
  return true;
}
