/**
 * The leader-gated, latest-wins worker of the status writer and the provisioner, driven by hand:
 * runs finish when the test resolves them, retries fire when the test fires the fake timer.
 */
import { BehaviorSubject, Subject } from 'rxjs';
import { Backoff } from '../../src/shared/backoff.js';
import { LatestWinsWorker } from '../../src/shared/latest-wins-worker.js';
import type { RetryTimer } from '../../src/shared/latest-wins-worker.js';
import { silentLogger } from '../../src/shared/logger.js';

interface Run {
  input: string;
  current: () => boolean;
  finish: (ok: boolean) => void;
}

function harness() {
  const input$ = new Subject<string>();
  const leader$ = new BehaviorSubject(false);
  const runs: Run[] = [];
  const scheduled: { fire: () => void; delayMs: number; cancelled: boolean }[] = [];
  const timer: RetryTimer = (fire, delayMs) => {
    const entry = { fire, delayMs, cancelled: false };
    scheduled.push(entry);
    return () => {
      entry.cancelled = true;
    };
  };
  const leadership: boolean[] = [];
  const backoff = new Backoff({ initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 });
  const worker = new LatestWinsWorker(input$, leader$, {
    run: (input, current) => new Promise<boolean>((finish) => runs.push({ input, current, finish })),
    backoff,
    onLeadership: (leading) => leadership.push(leading),
    logger: silentLogger,
    timer,
  });
  return { input$, leader$, runs, scheduled, leadership, backoff, worker };
}

/** Lets the worker's promise continuations run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('LatestWinsWorker', () => {
  it('runs nothing until it leads, then the latest input', async () => {
    const h = harness();
    h.input$.next('a');
    h.input$.next('b');
    expect(h.runs).toHaveLength(0);
    h.leader$.next(true);
    expect(h.runs.map((r) => r.input)).toEqual(['b']);
    expect(h.leadership).toEqual([false, true]);
    h.worker.stop();
  });

  it('skips inputs superseded while a run is in progress', async () => {
    const h = harness();
    h.leader$.next(true);
    h.input$.next('a');
    h.input$.next('b');
    h.input$.next('c');
    expect(h.runs.map((r) => r.input)).toEqual(['a']);
    expect(h.runs[0]!.current()).toBe(false);
    h.runs[0]!.finish(true);
    await settle();
    expect(h.runs.map((r) => r.input)).toEqual(['a', 'c']);
    expect(h.runs[1]!.current()).toBe(true);
    const idle = h.worker.idle();
    h.runs[1]!.finish(true);
    await idle;
    h.worker.stop();
  });

  it('runs a failed input again after the backoff, and a success resets the backoff', async () => {
    const h = harness();
    h.leader$.next(true);
    h.input$.next('a');
    h.runs[0]!.finish(false);
    await settle();
    expect(h.scheduled.map((s) => s.delayMs)).toEqual([100]);
    h.scheduled[0]!.fire();
    expect(h.runs.map((r) => r.input)).toEqual(['a', 'a']);
    h.runs[1]!.finish(false);
    await settle();
    expect(h.scheduled.map((s) => s.delayMs)).toEqual([100, 200]);
    h.scheduled[1]!.fire();
    h.runs[2]!.finish(true);
    await settle();
    expect(h.backoff.failures).toBe(0);
    expect(h.scheduled).toHaveLength(2);
    h.worker.stop();
  });

  it('on losing the lease: no retry, and the running input is no longer current', async () => {
    const h = harness();
    h.leader$.next(true);
    h.input$.next('a');
    h.runs[0]!.finish(false);
    await settle();
    h.leader$.next(false);
    expect(h.scheduled[0]!.cancelled).toBe(true);
    expect(h.worker.leading).toBe(false);

    h.leader$.next(true);
    expect(h.runs.map((r) => r.input)).toEqual(['a', 'a']);
    h.leader$.next(false);
    expect(h.runs[1]!.current()).toBe(false);
    h.runs[1]!.finish(false);
    await settle();
    expect(h.scheduled).toHaveLength(1);
    await h.worker.idle();
    h.worker.stop();
  });

  it('reruns the latest input on request, only while leading', async () => {
    const h = harness();
    h.input$.next('a');
    h.worker.rerun();
    expect(h.runs).toHaveLength(0);
    h.leader$.next(true);
    h.runs[0]!.finish(true);
    await settle();
    h.worker.rerun();
    expect(h.runs.map((r) => r.input)).toEqual(['a', 'a']);
    h.worker.stop();
  });
});
