/**
 * Portico's Node.js flags (src/infra/node-flags.ts) are written in three places that cannot
 * import them: the launcher's `#!` line, the container image's entrypoint, and (through the
 * import) the benchmarks. This keeps the first two in line with the list.
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { PORTICO_MALLOC_ENV, PORTICO_NODE_FLAGS } from '../../src/infra/node-flags.js';

const envAssignments = Object.entries(PORTICO_MALLOC_ENV).map(([k, v]) => `${k}=${v}`);

describe('Portico Node.js flags', () => {
  test('bin/portico.js runs node with them, and the malloc setting', () => {
    const shebang = readFileSync('bin/portico.js', 'utf8').split('\n')[0]!;
    expect(shebang).toBe(`#!/usr/bin/env -S ${envAssignments.join(' ')} node ${PORTICO_NODE_FLAGS.join(' ')}`);
  });

  test('the container image sets the malloc setting', () => {
    const env = [...readFileSync('Dockerfile', 'utf8').matchAll(/^ENV (.*)$/gm)].map((m) => m[1]);
    for (const assignment of envAssignments) expect(env).toContain(assignment);
  });

  test('the container entrypoint runs node with them', () => {
    const entrypoint = /^ENTRYPOINT (.*)$/m.exec(readFileSync('Dockerfile', 'utf8'))?.[1];
    expect(JSON.parse(entrypoint ?? 'null')).toEqual(['node', ...PORTICO_NODE_FLAGS, '/portico/bin/portico.js']);
  });

  test('node accepts them', () => {
    expect(
      execFileSync(process.execPath, [...PORTICO_NODE_FLAGS, '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' }),
    ).toBe('ok');
  });
});
