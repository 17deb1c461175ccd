/**
 * Which rejections (NACKs) are worth sending again unchanged, and when.
 *
 * Most NACKs are about content: Envoy would reject the same bytes again, so a stream waits for
 * different content (an input change). A few are about the host Envoy runs on and go away by
 * themselves: a listener's port held by another process (the bind fails), an address not (yet)
 * configured on the host, file descriptors exhausted for a moment. Those are retried with a
 * capped exponential backoff, so a listener comes up once its port is free, with no input change.
 */

/** Envoy's messages for rejections whose cause is on the host and may go away by itself. */
const TRANSIENT: readonly RegExp[] = [
  // bind(2) failed: EADDRINUSE ("cannot bind '127.0.0.1:8080': Address already in use").
  /address already in use/i,
  // EADDRNOTAVAIL: the listener's address is not on an interface yet.
  /cannot assign requested address/i,
  // EMFILE/ENFILE while opening the listener's socket.
  /too many open files/i,
];

export function isTransientRejection(message: string): boolean {
  return TRANSIENT.some((pattern) => pattern.test(message));
}

export interface RetryBackoff {
  /** Delay before the first retry. */
  readonly initialMs: number;
  /** The cap: retries never wait longer than this. */
  readonly maxMs: number;
}

export const DEFAULT_RETRY_BACKOFF: RetryBackoff = { initialMs: 500, maxMs: 10_000 };

/**
 * The delay before retry number `attempt` (1, 2, …): doubling from `initialMs` up to `maxMs`,
 * less up to a fifth at random so that the Envoys of a host that all failed at once (one port
 * taken on a node running many Gateways) do not retry in lockstep.
 */
export function retryDelayMs(attempt: number, backoff: RetryBackoff, random: () => number = Math.random): number {
  const exponential = backoff.initialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30);
  const capped = Math.min(backoff.maxMs, exponential);
  return Math.round(capped * (1 - 0.2 * random()));
}
