/**
 * The cluster-warm gate's clock: listeners and route configurations wait until the clusters they
 * may use are warm (`cluster-warmth.ts`), but at most `timeoutMs` from when the waiting began.
 * Envoy itself gives up waiting for a cluster's assignment after its initial-fetch timeout; the
 * gate must not hold configuration back for longer than that indefinitely.
 */
import type { StreamClock, Timer } from './clock.js';

export class ClusterWarmGate {
  private waitSince: number | undefined;
  private timer: Timer | undefined;

  constructor(
    private readonly clock: StreamClock,
    private readonly timeoutMs: number,
    /** Called once the timeout has passed with the gate still shut: ask `open` again. */
    private readonly onTimeout: () => void,
    /** Told when the gate opens because waiting took too long. */
    private readonly onGaveUp: (waitedMs: number) => void,
  ) {}

  /** Whether listeners and routes may go out now, given whether the clusters are warm. */
  open(warm: boolean): boolean {
    if (warm) {
      this.waitSince = undefined;
      return true;
    }
    const now = this.clock.now();
    this.waitSince ??= now;
    const waited = now - this.waitSince;
    if (waited >= this.timeoutMs) {
      this.onGaveUp(waited);
      return true;
    }
    this.timer ??= this.clock.after(this.timeoutMs - waited + 1, () => {
      this.timer = undefined;
      this.onTimeout();
    });
    return false;
  }

  /** A new snapshot: waiting for its clusters starts afresh. */
  restart(): void {
    this.waitSince = undefined;
  }

  close(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}
