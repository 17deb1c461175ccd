/**
 * Batches a burst of values: emits everything buffered once the source has been quiet for
 * `quietMs`, but never later than `maxMs` after the first value of the burst.
 *
 * Plain `debounceTime` restarts its timer on every value, so a source that changes more often than
 * the quiet period (endpoints churning during a rollout) would never emit at all; the cap bounds the
 * delay. The cap is measured from the first value of the burst, not from the last emission, so an
 * idle pipeline still reacts to a lone change after `quietMs`.
 */
import { asyncScheduler, Observable } from 'rxjs';
import type { OperatorFunction, SchedulerLike, Subscription } from 'rxjs';

export const DEFAULT_QUIET_MS = 50;
export const DEFAULT_MAX_LATENCY_MS = 200;

/**
 * `quietMs` may depend on what is buffered (the pipeline waits less when a burst is only endpoint
 * changes); it is asked again at every value and kept within 0..`maxMs`.
 */
export function batchWithLatencyCap<T>(
  quietMs: number | ((buffered: readonly T[]) => number) = DEFAULT_QUIET_MS,
  maxMs: number = DEFAULT_MAX_LATENCY_MS,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<T, T[]> {
  if (typeof quietMs === 'number' && (!(quietMs >= 0) || !(maxMs >= quietMs))) {
    throw new RangeError(`batchWithLatencyCap: need 0 <= quietMs <= maxMs, got ${quietMs} and ${maxMs}`);
  }
  if (!(maxMs >= 0)) throw new RangeError(`batchWithLatencyCap: need 0 <= maxMs, got ${maxMs}`);
  const quietFor =
    typeof quietMs === 'number'
      ? () => quietMs
      : (buffered: readonly T[]) => Math.min(Math.max(quietMs(buffered), 0), maxMs);
  return (source) =>
    new Observable<T[]>((subscriber) => {
      let buffer: T[] = [];
      let quietTimer: Subscription | undefined;
      let capTimer: Subscription | undefined;

      const cancelTimers = (): void => {
        quietTimer?.unsubscribe();
        capTimer?.unsubscribe();
        quietTimer = undefined;
        capTimer = undefined;
      };
      const flush = (): void => {
        cancelTimers();
        if (buffer.length === 0) return;
        const batch = buffer;
        buffer = [];
        subscriber.next(batch);
      };

      const subscription = source.subscribe({
        next(value) {
          buffer.push(value);
          quietTimer?.unsubscribe();
          quietTimer = scheduler.schedule(flush, quietFor(buffer));
          capTimer ??= scheduler.schedule(flush, maxMs);
        },
        error(err: unknown) {
          cancelTimers();
          subscriber.error(err);
        },
        complete() {
          // What was received is still delivered: a finite source (a test, a one-shot load) loses nothing.
          flush();
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        cancelTimers();
      };
    });
}
