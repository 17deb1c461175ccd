/**
 * The state directory's lock, both kinds: Linux's abstract socket (what Portico uses there) and
 * the O_EXCL lock file (what it uses without an abstract namespace). A held lock refuses the next
 * taker, naming the holder's pid; released, it lets the next one in. A lock file left by a dead
 * process is taken over; a kill -9 of a holder frees the socket lock (test/e2e/standalone-state-lock
 * does that with real Porticos).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockWithAbstractSocket, lockWithFile, StateDirBusyError } from '../../src/infra/host/state-dir-lock.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'portico-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe.each([
  ['abstract socket', lockWithAbstractSocket],
  ['lock file', lockWithFile],
])('the %s', (_kind, lock) => {
  it('refuses a second holder, naming the first, until released', async () => {
    const first = await lock(dir);
    await expect(lock(dir)).rejects.toThrow(
      new StateDirBusyError(dir, process.pid).message, // "another Portico (pid N) is serving with state directory …"
    );
    await first.release();
    await first.release(); // idempotent
    const second = await lock(dir);
    await second.release();
  });
});

it('the lock file of a process that is gone is taken over', async () => {
  // A pid that was certainly a process and is certainly gone: a child that has exited.
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  writeFileSync(join(dir, 'portico.lock'), `${child.pid}\n`);
  const taken = await lock();
  expect(existsSync(join(dir, 'portico.lock'))).toBe(true);
  await taken.release();
  expect(existsSync(join(dir, 'portico.lock'))).toBe(false);

  function lock(): ReturnType<typeof lockWithFile> {
    return lockWithFile(dir);
  }
});

it('the socket lock of a process killed with SIGKILL is free at once', async () => {
  const moduleUrl = new URL('../../src/infra/host/state-dir-lock.js', import.meta.url).href;
  const holder = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { lockWithAbstractSocket } = await import(${JSON.stringify(moduleUrl)});
       await lockWithAbstractSocket(${JSON.stringify(dir)});
       process.stdout.write('held\\n');
       setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
  await expect(lockWithAbstractSocket(dir)).rejects.toThrow(`another Portico (pid ${holder.pid})`);
  holder.kill('SIGKILL');
  await new Promise((resolve) => holder.once('exit', resolve));
  const next = await lockWithAbstractSocket(dir);
  await next.release();
});
