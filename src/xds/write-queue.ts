import type { GrpcFrame } from './grpc-frame.js';

/**
 * Bounds the response bytes being written across all streams.
 *
 * A response waits in the HTTP/2 stream until flow control lets it out to the socket. Shared
 * frames are not copied per stream (grpc-frame.ts), but a response of a stream's own is, and a
 * grpc-js that frames responses itself copies every one: when a change reaches 500 Envoys at
 * once, that can be hundreds of MiB of native memory at once, which the allocator then keeps as
 * RSS. Writing at most `maxBytes` at a time and starting the next response when one is flushed
 * keeps that peak bounded without slowing the fan-out: the socket is the limit either way.
 *
 * Responses leave in the order they were queued, so a stream's responses keep their order.
 */
export interface QueuedCall {
  readonly writable: boolean;
  write(chunk: GrpcFrame, callback: (error?: Error | null) => void): boolean;
}

interface Item {
  call: QueuedCall;
  frame: GrpcFrame;
}

const sizeOf = (item: Item): number => item.frame.frame.length;

export class WriteQueue {
  private inFlight = 0;
  private readonly queue: Item[] = [];
  /** Bytes being written, per call, so that a call that goes away gives its share back. */
  private readonly byCall = new Map<QueuedCall, number>();

  constructor(private readonly maxBytes: number) {}

  write(call: QueuedCall, frame: GrpcFrame): void {
    const item = { call, frame };
    // One response always goes, however large; others wait for room, behind earlier ones.
    if (this.queue.length === 0 && (this.inFlight === 0 || this.inFlight + sizeOf(item) <= this.maxBytes))
      this.start(item);
    else this.queue.push(item);
  }

  /** The call ended: drop what it has queued and release what it had in flight. */
  forget(call: QueuedCall): void {
    const held = this.byCall.get(call);
    if (held !== undefined) {
      this.byCall.delete(call);
      this.inFlight -= held;
    }
    const kept = this.queue.filter((item) => item.call !== call);
    this.queue.splice(0, this.queue.length, ...kept);
    this.drain();
  }

  /** Bytes written and not flushed yet (for tests and metrics). */
  get pendingBytes(): number {
    return this.inFlight;
  }

  private start(item: Item): void {
    const { call } = item;
    const size = sizeOf(item);
    if (!call.writable) return;
    this.inFlight += size;
    this.byCall.set(call, (this.byCall.get(call) ?? 0) + size);
    let done = false;
    call.write(item.frame, () => {
      // grpc-js does not call back for a cancelled call: `forget` covers that case.
      if (done) return;
      done = true;
      const held = this.byCall.get(call);
      if (held === undefined) return; // forgotten already
      if (held - size <= 0) this.byCall.delete(call);
      else this.byCall.set(call, held - size);
      this.inFlight -= size;
      this.drain();
    });
  }

  private drain(): void {
    while (this.queue.length > 0) {
      const next = this.queue[0] as Item;
      if (this.inFlight > 0 && this.inFlight + sizeOf(next) > this.maxBytes) return;
      this.queue.shift();
      this.start(next);
    }
  }
}
