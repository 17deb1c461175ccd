/** A local Envoy's log file is followed line by line, and emptied once read past its limit. */
import { appendFileSync, closeSync, constants, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogTail } from '../../src/infra/host/log-tail.js';

test('emptied once everything is read and it is over the limit; lines written after go on from its start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portico-log-tail-'));
  const path = join(dir, 'envoy.log');
  // As the launcher opens it for Envoy: append mode.
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_APPEND, 0o600);
  const lines: string[] = [];
  const tail = new LogTail(path, (line) => lines.push(line), 'start', 100);
  try {
    writeSync(fd, 'first line\n');
    tail.read();
    expect(lines).toEqual(['first line']);
    expect(statSync(path).size).toBe(11); // under the limit: kept
    writeSync(fd, `${'x'.repeat(120)}\n`);
    tail.read();
    expect(lines).toHaveLength(2);
    expect(statSync(path).size).toBe(0); // read past the limit: emptied
    writeSync(fd, 'after\n');
    expect(statSync(path).size).toBe(6); // the writer's next line is at the start
    tail.read();
    expect(lines[2]).toBe('after');
    appendFileSync(path, 'partial');
    tail.read();
    expect(lines).toHaveLength(3); // a line without its end waits
  } finally {
    tail.stop();
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
});
