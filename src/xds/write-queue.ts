/**
 * Bounds the response bytes being written across all streams.
 *
 * grpc-js copies every response into a framed buffer of its own at `write()` and holds it until
 * HTTP/2 flow control lets it out to the socket. When a change reaches 500 Envoys at once, that is
 * one copy per stream of a response that can be most of a megabyte (a 1,000-route
 * RouteConfiguration): hundreds of MiB of native memory at once, which the allocator then keeps
 * as RSS. Writing at most `maxBytes` at a time and starting the next response when one is flushed
 * keeps that peak bounded without slowing the fan-out: the socket is the limit either way.
 *
 * Responses leave in the order they were queued, so a stream's responses keep their order.
 */
export interface QueuedCall {
  readonly writable: boolean;
  write(chunk: readonly Buffer[], callback: (error?: Error | null) => void): boolean;
}

interface Item {
  call: QueuedCall;
  parts: readonly Buffer[];
  size: number;
}

export class WriteQueue {
  private inFlight = 0;
  private readonly queue: Item[] = [];
  /** Bytes being written, per call, so that a call that goes away gives its share back. */
  private readonly byCall = new Map<QueuedCall, number>();

  constructor(private readonly maxBytes: number) {}

  write(call: QueuedCall, parts: readonly Buffer[]): void {
    let size = 0;
    for (const part of parts) size += part.length;
    const item = { call, parts, size };
    // One response always goes, however large; others wait for room, behind earlier ones.
    if (this.queue.length === 0 && (this.inFlight === 0 || this.inFlight + size <= this.maxBytes)) this.start(item);
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
    const { call, size } = item;
    if (!call.writable) return;
    this.inFlight += size;
    this.byCall.set(call, (this.byCall.get(call) ?? 0) + size);
    let done = false;
    call.write(item.parts, () => {
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
      if (this.inFlight > 0 && this.inFlight + next.size > this.maxBytes) return;
      this.queue.shift();
      this.start(next);
    }
  }
}
