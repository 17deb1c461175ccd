/**
 * One long-running child process kept alive: restarted with exponential backoff when it exits
 * unexpectedly (the backoff resets once it has stayed up for a while), stopped with SIGTERM and,
 * if it does not exit in time, SIGKILL.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from '../../pipeline/logger.js';

export interface Backoff {
  initialMs: number;
  maxMs: number;
  /** A run at least this long resets the backoff. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000, resetAfterMs: 10_000 };
const STOP_TIMEOUT_MS = 5_000;

export interface SupervisedProcessOptions {
  /** Starts one run; called again for every restart. */
  spawn: () => ChildProcess;
  logger: Logger;
  backoff?: Backoff;
}

export class SupervisedProcess {
  private child: ChildProcess | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private failures = 0;
  private startedAt = 0;
  restarts = 0;

  constructor(private readonly options: SupervisedProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (this.stopping) return;
    let child: ChildProcess;
    try {
      child = this.options.spawn();
    } catch (err) {
      this.options.logger.error('cannot start process', { error: err });
      this.scheduleRestart();
      return;
    }
    this.child = child;
    this.startedAt = Date.now();
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => this.options.logger.warn('envoy', { line }));
    }
    child.once('error', (err) => this.options.logger.error('process error', { error: err }));
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (this.stopping) return;
      this.options.logger.error('process exited; restarting', { code, signal, restarts: this.restarts });
      this.scheduleRestart();
    });
  }

  /** Resolves once the process has exited (or was not running). */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const killTimer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      child.once('exit', () => {
        clearTimeout(killTimer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  private scheduleRestart(): void {
    const backoff = this.options.backoff ?? DEFAULT_BACKOFF;
    if (Date.now() - this.startedAt >= backoff.resetAfterMs) this.failures = 0;
    const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** this.failures);
    this.failures += 1;
    this.restarts += 1;
    this.restartTimer = setTimeout(() => this.start(), delay);
  }
}
