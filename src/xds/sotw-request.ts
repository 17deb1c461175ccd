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

/** The byte range of the message's `resource_names` records, if they are one contiguous run. */
function namesRange(bytes: Uint8Array): Range | undefined {
  const r = protobuf.Reader.create(bytes);
  let range: Range | undefined;
  let closed = false;
  while (r.pos < r.len) {
    const at = r.pos;
    const tag = r.uint32();
    if (tag === NAMES_TAG) {
      if (closed) return undefined;
      r.skipType(2);
      if (range) range.end = r.pos;
      else range = { start: at, end: r.pos };
    } else {
      if (range) closed = true;
      r.skipType(tag & 7);
    }
  }
  return range;
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

  constructor(
    private readonly type: protobuf.Type,
    private readonly capacity = 64,
  ) {}

  decode(bytes: Buffer): protobuf.Message {
    const range = bytes.length >= MIN_SHARED_BYTES ? namesRange(bytes) : undefined;
    if (!range || range.end - range.start < MIN_SHARED_BYTES) return this.type.decode(bytes);
    const key = bytes.toString('latin1', range.start, range.end);
    let names = this.lists.get(key);
    if (names) {
      this.lists.delete(key);
    } else {
      names = decodeNames(bytes.subarray(range.start, range.end));
      if (this.lists.size >= this.capacity) this.lists.delete(this.lists.keys().next().value as string);
    }
    this.lists.set(key, names);
    const rest = Buffer.concat([bytes.subarray(0, range.start), bytes.subarray(range.end)]);
    const message = this.type.decode(rest) as protobuf.Message & { resource_names?: readonly string[] };
    message.resource_names = names;
    return message;
  }
}
