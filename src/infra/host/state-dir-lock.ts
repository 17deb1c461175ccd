/**
 * One Portico per state directory, for as long as it lives. Two Porticos started at the same moment
 * both found the directory free, since a Portico records itself there (portico.json) only once
 * its xDS server listens; both then launched and adopted the same Envoys.
 *
 * The lock is a listening Unix socket whose name is derived from the directory, in Linux's
 * abstract namespace: binding a name is atomic (the second bind fails with EADDRINUSE), and the
 * kernel releases it with the process's last file descriptor, however the process ends (a
 * `kill -9` included). So there is no stale lock to detect, and no window between finding one
 * stale and taking it over. Node offers no flock(2); a lock file created with O_EXCL outlives a
 * killed holder, and taking over a stale one races with any other newcomer doing the same. The
 * socket is opened close-on-exec (libuv opens every socket so): the Envoys Portico launches, which
 * outlive it on purpose, do not inherit it (test/e2e/standalone-survival.test.ts restarts Portico
 * while its Envoy runs). Any local user can bind an abstract name; one who binds this one keeps
 * Portico from starting, with the refusal as the only effect.
 *
 * Where there is no abstract namespace (macOS), the lock is that O_EXCL file, `portico.lock`,
 * holding the pid; a file whose pid is no longer a live Portico is taken over (the race above is
 * left open there).
 *
 * The holder answers a connection with its pid, so the refused Portico can say who holds it.
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, realpathSync, rmSync, writeSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { commandLineOf, isRunning } from './process-identity.js';

export interface StateDirLock {
  /** Lets the next Portico in (a process that ends releases it anyway). */
  release(): Promise<void>;
  /** The lock file, when the lock is a file in the directory (it is not on Linux). */
  readonly file?: string;
}

export class StateDirBusyError extends Error {
  override readonly name = 'StateDirBusyError';

  constructor(
    readonly dir: string,
    readonly holder: number | undefined,
  ) {
    super(
      `another Portico${holder === undefined ? '' : ` (pid ${holder})`} is serving with state directory ${dir}; stop it first, or pass another --state-dir`,
    );
  }
}

const LOCK_FILE = 'portico.lock';

export async function lockStateDir(dir: string): Promise<StateDirLock> {
  return process.platform === 'linux' ? lockWithAbstractSocket(dir) : lockWithFile(dir);
}

/** The abstract socket name of a directory: one per directory and user. */
export function lockName(dir: string): string {
  const key = createHash('sha256')
    .update(`${realpathSync(dir)}\0${process.getuid?.() ?? ''}`)
    .digest('hex')
    .slice(0, 32);
  return `\0portico-state-${key}`;
}

/** The lock on Linux (exported for tests). */
export async function lockWithAbstractSocket(dir: string): Promise<StateDirLock> {
  const name = lockName(dir);
  const server = createServer((socket) => socket.end(`${process.pid}\n`));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(name, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    throw new StateDirBusyError(dir, await holderOf(name));
  }
  // Held, but not a reason to keep the process alive.
  server.unref();
  let released: Promise<void> | undefined;
  return { release: () => (released ??= closeServer(server)) };
}

/** The pid the holder of `name` answers with; undefined if it does not answer within a second. */
function holderOf(name: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect(name);
    const done = (): void => {
      socket.destroy();
      const pid = Number.parseInt(answer, 10);
      resolve(Number.isInteger(pid) && pid > 0 ? pid : undefined);
    };
    socket.setEncoding('utf8');
    socket.setTimeout(1_000, done);
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', done);
    socket.on('error', done);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The lock where there is no abstract namespace (exported for tests, which run on Linux). */
export async function lockWithFile(dir: string): Promise<StateDirLock> {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let held = true;
      return {
        file: path,
        release: () => {
          if (held) rmSync(path, { force: true });
          held = false;
          return Promise.resolve();
        },
      };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && attempt === 0) {
        // The Portico before this one removed its (empty) directory just now.
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        continue;
      }
      if (code !== 'EEXIST') throw err;
    }
    let holder: number | undefined;
    try {
      holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
    } catch {
      holder = undefined; // removed meanwhile: try again
    }
    // This process, or a live Portico (a pid reused by another program does not hold it).
    const live =
      holder !== undefined &&
      Number.isInteger(holder) &&
      (holder === process.pid || (isRunning(holder) && isPortico(holder)));
    if (live || attempt > 0) throw new StateDirBusyError(dir, live ? holder : undefined);
    rmSync(path, { force: true }); // left by a Portico that was killed
  }
}

/** A live process that looks like Portico (a reused pid of some other program does not). */
export function isPortico(pid: number): boolean {
  return (commandLineOf(pid) ?? []).some((arg) => /portico/i.test(arg));
}
