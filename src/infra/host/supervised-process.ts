/**
 * One long-running process kept alive: restarted with exponential backoff when it exits
 * unexpectedly (the backoff resets once it has stayed up for a while), stopped with SIGTERM and,
 * if it does not exit in time, SIGKILL.
 *
 * The process is either a child this Portico spawned or one it adopted (started by a Portico
 * before it, which died): a child reports its exit, an adopted process is watched by polling
 * its pid, since only a parent can wait for a process.
 */
import type { ChildProcess } from 'node:child_process';
import type { Logger } from '../../shared/logger.js';
import { isRunning } from './process-identity.js';

export interface Backoff {
  initialMs: number;
  maxMs: number;
  /** A run at least this long resets the backoff. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000, resetAfterMs: 10_000 };
const STOP_TIMEOUT_MS = 5_000;
/** How often an adopted process is checked: it is how long its death may go unnoticed. */
const ADOPTED_POLL_MS = 250;

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running process, spawned or adopted. */
export interface ProcessHandle {
  readonly pid: number | undefined;
  /** Resolves once the process has exited. */
  readonly exit: Promise<ProcessExit>;
  readonly exited: boolean;
  kill(signal: NodeJS.Signals): void;
  /** Stops watching the process (it keeps running). */
  forget?(): void;
}

export function childHandle(child: ChildProcess): ProcessHandle {
  let exited = false;
  const exit = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      resolve({ code, signal });
    });
    // A spawn that failed (no such binary) emits 'error' and never 'exit'.
    child.once('error', () => {
      if (child.pid !== undefined) return;
      exited = true;
      resolve({ code: null, signal: null });
    });
  });
  return {
    pid: child.pid,
    exit,
    get exited() {
      return exited || child.exitCode !== null || child.signalCode !== null;
    },
    kill: (signal) => {
      child.kill(signal);
    },
  };
}

/**
 * A process this Portico did not start. `stillOurs` is asked before every signal, so that a pid
 * reused by another program after the process died is never signalled.
 */
export function adoptedHandle(pid: number, stillOurs: () => boolean, pollMs = ADOPTED_POLL_MS): ProcessHandle {
  let exited = false;
  let timer: NodeJS.Timeout | undefined;
  const exit = new Promise<ProcessExit>((resolve) => {
    const check = () => {
      if (isRunning(pid) && stillOurs()) return;
      exited = true;
      clearInterval(timer);
      // Only its parent learns how it ended.
      resolve({ code: null, signal: null });
    };
    timer = setInterval(check, pollMs);
    timer.unref();
  });
  return {
    pid,
    exit,
    get exited() {
      return exited;
    },
    kill: (signal) => {
      if (exited || !isRunning(pid) || !stillOurs()) return;
      try {
        process.kill(pid, signal);
      } catch {
        // Gone meanwhile.
      }
    },
    forget: () => clearInterval(timer),
  };
}

export interface SupervisedProcessOptions {
  /** Starts one run; called again for every restart. */
  spawn: () => ProcessHandle;
  logger: Logger;
  backoff?: Backoff;
}

export class SupervisedProcess {
  private current: ProcessHandle | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private failures = 0;
  private startedAt = 0;
  restarts = 0;
  /** The current run was adopted, not spawned. */
  adopted = false;

  constructor(private readonly options: SupervisedProcessOptions) {}

  get pid(): number | undefined {
    return this.current?.pid;
  }

  /** Starts a run, or takes `adopted` (already running) as the current one. */
  start(adopted?: ProcessHandle): void {
    if (this.stopping) return;
    let handle: ProcessHandle;
    if (adopted) {
      handle = adopted;
    } else {
      try {
        handle = this.options.spawn();
      } catch (err) {
        this.options.logger.error('cannot start process', { error: err });
        this.scheduleRestart();
        return;
      }
    }
    this.current = handle;
    this.adopted = adopted !== undefined;
    this.startedAt = Date.now();
    void handle.exit.then(({ code, signal }) => {
      if (this.current === handle) this.current = undefined;
      if (this.stopping) return;
      this.options.logger.error('process exited; restarting', { code, signal, restarts: this.restarts });
      this.scheduleRestart();
    });
  }

  /** Resolves once the process has exited (or was not running). */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    if (this.current) await terminate(this.current, this.options.logger);
  }

  /** Stops supervising without stopping the process (it keeps running for a later Portico). */
  release(): void {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.current?.forget?.();
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

/**
 * SIGTERM, then SIGKILL if the process has not exited in time; resolves once it has exited, or
 * when even SIGKILL did not end it (a process stuck in the kernel must not hang Portico's shutdown).
 */
export async function terminate(handle: ProcessHandle, logger: Logger): Promise<void> {
  if (handle.exited) return;
  const killTimer = setTimeout(() => handle.kill('SIGKILL'), STOP_TIMEOUT_MS);
  let giveUp: NodeJS.Timeout | undefined;
  handle.kill('SIGTERM');
  const stuck = await Promise.race([
    handle.exit.then(() => false),
    new Promise<boolean>((resolve) => (giveUp = setTimeout(() => resolve(true), 2 * STOP_TIMEOUT_MS))),
  ]);
  clearTimeout(killTimer);
  clearTimeout(giveUp);
  if (stuck) {
    handle.forget?.();
    logger.error('process did not exit after SIGKILL', { pid: handle.pid });
  }
}
