/**
 * Work that only the leader does, on the latest input only — the status writer and the Envoy
 * provisioner both run one:
 *
 *   input$ ─────┐
 *   isLeader$ ──┼─ combineLatest ─ filter(leading) ─ concatMap(run latest)
 *   retries ────┘                                    (an input superseded while queued is skipped)
 *
 * One run at a time (concatMap), so two runs never race over the same objects. A run that fails
 * is run again after a backoff, while it is still the latest input and this replica still leads;
 * losing the lease cancels the pending retry. `run` must never reject: an error in a concatMap
 * would end the worker for good (one that does anyway is logged).
 */
import { combineLatest, defer, EMPTY, Subject, Subscription } from 'rxjs';
import { concatMap, distinctUntilChanged, filter, map, startWith, tap } from 'rxjs/operators';
import type { Observable } from 'rxjs';
import type { Backoff } from './backoff.js';
import type { Logger } from './logger.js';

/** Schedules `fire` after `delayMs`; returns what cancels it. Injectable so tests hold the clock. */
export type RetryTimer = (fire: () => void, delayMs: number) => () => void;

const realTimer: RetryTimer = (fire, delayMs) => {
  const timer = setTimeout(fire, delayMs);
  timer.unref();
  return () => clearTimeout(timer);
};

export interface LatestWinsWorkerOptions<T> {
  /**
   * Does the work for `input`; resolves to whether it all succeeded. `current()` says whether
   * `input` is still the latest and this replica still leads: a long run stops early when not.
   */
  run: (input: T, current: () => boolean) => Promise<boolean>;
  backoff: Backoff;
  /** Told of every change of leadership (before anything else happens on it). */
  onLeadership?: (leading: boolean) => void;
  logger: Logger;
  timer?: RetryTimer;
}

export class LatestWinsWorker<T> {
  private readonly subscription = new Subscription();
  private readonly retries = new Subject<void>();
  private readonly timer: RetryTimer;
  private latest: T | undefined;
  private leadingNow = false;
  private cancelRetry: (() => void) | undefined;
  private idleWaiters: (() => void)[] = [];
  private busy = false;

  constructor(
    input$: Observable<T>,
    isLeader$: Observable<boolean>,
    private readonly options: LatestWinsWorkerOptions<T>,
  ) {
    this.timer = options.timer ?? realTimer;
    const leader$ = isLeader$.pipe(
      distinctUntilChanged(),
      tap((leading) => {
        this.leadingNow = leading;
        if (!leading) this.clearRetry();
        options.onLeadership?.(leading);
      }),
    );
    this.subscription.add(
      combineLatest([input$, leader$, this.retries.pipe(startWith(undefined))])
        .pipe(
          filter(([, leading]) => leading),
          map(([input]) => input),
          tap((input) => {
            this.latest = input;
            this.busy = true;
          }),
          concatMap((input) => (input === this.latest ? defer(() => this.runOnce(input)) : EMPTY)),
        )
        .subscribe({ error: (err: unknown) => options.logger.error('worker stopped', { error: err }) }),
    );
  }

  get leading(): boolean {
    return this.leadingNow;
  }

  /** Runs the latest input again (if leading), with no change of input. */
  rerun(): void {
    this.retries.next();
  }

  /** Resolves when no run is queued or running (tests). */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.leadingNow = false;
    this.clearRetry();
    this.subscription.unsubscribe();
    this.retries.complete();
  }

  private async runOnce(input: T): Promise<void> {
    const current = (): boolean => this.leadingNow && input === this.latest;
    const ok = await this.options.run(input, current);
    if (!ok && current()) {
      this.clearRetry();
      this.cancelRetry = this.timer(() => this.rerun(), this.options.backoff.next());
    } else if (ok) {
      this.options.backoff.reset();
    }
    if (input === this.latest || !this.leadingNow) {
      this.busy = false;
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private clearRetry(): void {
    this.cancelRetry?.();
    this.cancelRetry = undefined;
  }
}
