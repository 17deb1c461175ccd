/**
 * Time as a stream sees it: passed in, so that the cluster-warm gate and the retries of transient
 * rejections can be driven by a fake clock in tests instead of by real waiting.
 */
export interface Timer {
  cancel(): void;
}

export interface StreamClock {
  /** Wall-clock milliseconds (like `Date.now()`). */
  now(): number;
  /** Runs `fire` once after `delayMs`; the timer does not keep the process alive. */
  after(delayMs: number, fire: () => void): Timer;
}

export const systemClock: StreamClock = {
  now: () => Date.now(),
  after(delayMs, fire) {
    const handle = setTimeout(fire, delayMs);
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};
