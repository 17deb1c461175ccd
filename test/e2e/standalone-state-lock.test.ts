/**
 * One Portico per state directory. Several `portico serve --provider file` started at the same
 * moment on one directory (and so one state directory): exactly one serves, the others exit at
 * once with an error naming the one that holds it. After a `kill -9` of that one, a new Portico
 * starts: the lock died with its holder. Before the lock, each of them could find the directory
 * free, since a Portico records itself there only once its xDS server listens: whether they did
 * depends on how close their starts are, so a second test holds a state directory open in that
 * window itself (as a Portico that has not recorded itself yet) and starts one against it.
 *
 * Real processes (bin/portico.js), each able to launch Envoy; the watched directory has no
 * Gateway, so none is launched. Portico gets a TMPDIR of its own, where its state directory is.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateDir } from '../../src/infra/host/state-dir.js';
import { waitFor } from '../support/envoy-ads.js';
import { PorticoProcess } from '../support/portico-process.js';

const TOGETHER = 3;
let root: string;
let watchDir: string;
let porticoTmp: string;
const started: PorticoProcess[] = [];

function startPortico(...more: string[]): PorticoProcess {
  const portico = PorticoProcess.start(
    [
      ...more,
      '--provider',
      'file',
      '--watch',
      watchDir,
      '--xds-address',
      '127.0.0.1:0',
      '--debug-address',
      '127.0.0.1:0',
      '--log-level',
      'info',
    ],
    { TMPDIR: porticoTmp },
  );
  started.push(portico);
  return portico;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'portico-state-lock-'));
  watchDir = join(root, 'manifests');
  porticoTmp = join(root, 'tmp');
  mkdirSync(watchDir);
  mkdirSync(porticoTmp);
});

afterAll(() => {
  for (const portico of started) portico.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

test('of Porticos started together on one directory exactly one serves; after its kill -9 a new one starts', async () => {
  const together = Array.from({ length: TOGETHER }, () => startPortico());
  const exited = new Set<PorticoProcess>();
  for (const portico of together) void portico.exited.then(() => exited.add(portico));
  await waitFor(() => exited.size >= TOGETHER - 1, { timeoutMs: 60_000, what: 'all but one Portico to exit' });

  const [holder, ...more] = together.filter((p) => !exited.has(p));
  expect(more).toEqual([]);
  await holder!.debugPort(); // it serves ("serving" logged, and it has not exited)
  for (const refused of together.filter((p) => p !== holder)) {
    expect(await refused.exited).toEqual({ code: 1, signal: null });
    expect(refused.logs.join('\n')).toMatch(
      new RegExp(
        `another Portico \\(pid ${holder!.pid}\\) is serving with state directory ${porticoTmp}/portico-standalone-`,
      ),
    );
  }

  holder!.kill('SIGKILL');
  await holder!.exited;
  const next = startPortico();
  await next.debugPort();
  next.kill('SIGTERM');
  expect(await next.exited).toEqual({ code: 0, signal: null });
  // Its graceful stop removed the state directory (the lock leaves no file behind).
  expect(readdirSync(porticoTmp)).toEqual([]);
}, 120_000);

test('a Portico that opened its state directory and has not recorded itself yet holds it already', async () => {
  const stateDir = join(root, 'state');
  const opened = await StateDir.open(stateDir); // this test process, between open and claim
  try {
    const refused = startPortico('--state-dir', stateDir);
    expect(await refused.exited).toEqual({ code: 1, signal: null });
    expect(refused.logs.join('\n')).toContain(
      `another Portico (pid ${process.pid}) is serving with state directory ${stateDir}; stop it first`,
    );
  } finally {
    await opened.release();
  }
  // Released: the next one serves.
  const next = startPortico('--state-dir', stateDir);
  await next.debugPort();
  next.kill('SIGTERM');
  expect(await next.exited).toEqual({ code: 0, signal: null });
}, 60_000);
