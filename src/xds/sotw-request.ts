/**
 * Decoding SotW DiscoveryRequests, with their `resource_names` lists shared.
 *
 * A SotW request restates the client's whole subscription every time, ACKs included: an Envoy
 * with 1,000 EDS clusters sends 1,000 names with every EDS ACK, and every Envoy of a Gateway sends
 * the same list. Decoding those names (one UTF-8 string each) was the largest per-request cost of
 * the ADS server in the fan-out benchmark. So the names are found as one byte range, and a range
 * seen recently gives back the same frozen array as before, without decoding it again; the stream
 * then recognises an unchanged subscription by identity (stream.ts, `resubscribeSotw`).
 *
 * Only a contiguous run of names is shared (Envoy writes fields in field-number order, so its
 * names always are); anything else is decoded as it is.
 *
 * Bounded: the remembered lists hold at most `maxBytes` of names (a flood of distinct made-up lists
 * must not stay behind after its streams closed), and a list longer than `maxNames` is not decoded
 * at all: the request comes back with `tooManyNames` set instead, and the server refuses it.
 *
 * Lazy: a shared-size list is decoded when `resource_names` is first read, not when the request
 * is. Every request carries its names count (`NAMES_COUNT`), so the server checks its bounds
 * (streams and names per namespace) before anything reads the names: a flood of streams the
 * server refuses costs it the bytes of their requests, not 20,000 strings each (200 streams
 * refused after decoding took the V8 heap to 470 MiB).
 */
import protobuf from 'protobufjs';

/** DiscoveryRequest.resource_names, length-delimited. */
const NAMES_TAG = (3 << 3) | 2;
/** Shorter lists are decoded each time: sharing them would not save anything. */
const MIN_SHARED_BYTES = 256;

interface Range {
  start: number;
  end: number;
}

/** Set on a decoded request whose `resource_names` were too many to decode (they are left out). */
export const TOO_MANY_NAMES = Symbol('tooManyNames');

/** The number of `resource_names` of a decoded request, readable without decoding them. */
export const NAMES_COUNT = Symbol('namesCount');

/** A request as `SotwRequestDecoder.decode` returns it. */
export type DecodedSotwRequest = protobuf.Message & {
  resource_names?: readonly string[];
  [TOO_MANY_NAMES]?: number;
  [NAMES_COUNT]: number;
};

/**
 * The byte range of the message's `resource_names` records (undefined unless they are one
 * contiguous run), and how many there are.
 */
function namesRange(bytes: Uint8Array): { range: Range | undefined; count: number } {
  const r = protobuf.Reader.create(bytes);
  let range: Range | undefined;
  let closed = false;
  let contiguous = true;
  let count = 0;
  while (r.pos < r.len) {
    const at = r.pos;
    const tag = r.uint32();
    if (tag === NAMES_TAG) {
      count++;
      if (closed) contiguous = false;
      r.skipType(2);
      if (range) range.end = r.pos;
      else range = { start: at, end: r.pos };
    } else {
      if (range) closed = true;
      r.skipType(tag & 7);
    }
  }
  return { range: contiguous ? range : undefined, count };
}

/** The message without its `resource_names` records. */
function withoutNames(type: protobuf.Type, bytes: Buffer): protobuf.Message {
  const r = protobuf.Reader.create(bytes);
  const kept: Buffer[] = [];
  while (r.pos < r.len) {
    const at = r.pos;
    const tag = r.uint32();
    r.skipType(tag & 7);
    if (tag !== NAMES_TAG) kept.push(bytes.subarray(at, r.pos));
  }
  return type.decode(Buffer.concat(kept));
}

function decodeNames(bytes: Uint8Array): readonly string[] {
  const r = protobuf.Reader.create(bytes);
  const names: string[] = [];
  while (r.pos < r.len) {
    r.uint32(); // NAMES_TAG: the range holds nothing else
    names.push(r.string());
  }
  return Object.freeze(names);
}

export class SotwRequestDecoder {
  /** Names lists by their bytes (as a latin1 string), least recently used first. */
  private readonly lists = new Map<string, readonly string[]>();
  /** Bytes of the keys in `lists`. */
  private bytes = 0;
  /** Names lists decoded lazily so far (those not found among the remembered ones). */
  namesDecoded = 0;

  constructor(
    private readonly type: protobuf.Type,
    private readonly capacity = 64,
    /** Lists longer than this are not decoded (TOO_MANY_NAMES). */
    private readonly maxNames = Infinity,
    /** Bytes of names remembered at most. */
    private readonly maxBytes = 4 * 1024 * 1024,
  ) {}

  decode(bytes: Buffer): DecodedSotwRequest {
    const big = bytes.length >= MIN_SHARED_BYTES;
    const { range, count } = big ? namesRange(bytes) : { range: undefined, count: 0 };
    if (count > this.maxNames) {
      const message = withoutNames(this.type, bytes) as DecodedSotwRequest;
      message[TOO_MANY_NAMES] = count;
      message[NAMES_COUNT] = count;
      return message;
    }
    if (!range || range.end - range.start < MIN_SHARED_BYTES) {
      const message = this.type.decode(bytes) as DecodedSotwRequest;
      message[NAMES_COUNT] = message.resource_names?.length ?? 0;
      return message;
    }
    const rest = Buffer.concat([bytes.subarray(0, range.start), bytes.subarray(range.end)]);
    const message = this.type.decode(rest) as DecodedSotwRequest;
    message[NAMES_COUNT] = count;
    // Decoded on first read; until then the request holds the bytes of its names only.
    let source: Buffer | undefined = bytes.subarray(range.start, range.end);
    let names: readonly string[] | undefined;
    Object.defineProperty(message, 'resource_names', {
      configurable: true,
      enumerable: true,
      get: (): readonly string[] => {
        if (names === undefined) {
          names = this.sharedNames(source!);
          source = undefined;
        }
        return names;
      },
      set: (value: readonly string[]): void => {
        names = value;
        source = undefined;
      },
    });
    return message;
  }

  /** The names list of `range` (a run of resource_names records): a remembered one, or decoded. */
  private sharedNames(range: Buffer): readonly string[] {
    const key = range.toString('latin1');
    let names = this.lists.get(key);
    if (names) {
      this.lists.delete(key);
      this.lists.set(key, names);
      return names;
    }
    names = decodeNames(range);
    this.namesDecoded++;
    if (key.length <= this.maxBytes / 4) {
      while (this.lists.size > 0 && (this.lists.size >= this.capacity || this.bytes + key.length > this.maxBytes)) {
        const oldest = this.lists.keys().next().value as string;
        this.lists.delete(oldest);
        this.bytes -= oldest.length;
      }
      this.lists.set(key, names);
      this.bytes += key.length;
    }
    return names;
  }
}
