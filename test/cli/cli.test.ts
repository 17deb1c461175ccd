/**
 * What a user sees from the command line when the input is wrong: a message naming file and line
 * and an exit status, never a stack trace; and `--version`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { EXIT_FAILURE, EXIT_OK } from '../../src/cli/command.js';

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'portico-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n'));
  return path;
}

const ROUTE = [
  'apiVersion: gateway.networking.k8s.io/v1',
  'kind: HTTPRoute',
  'metadata: {name: web}',
  'spec:',
  '  parentRefs: [{name: gw}]',
  '  rules:',
  '    - backendRef: [{name: web, port: 80}]',
];

describe('portico translate', () => {
  it('reports an object the API server would refuse, translates the rest, and exits 1', async () => {
    const path = file('in.yaml', [...ROUTE, '---', 'apiVersion: v1', 'kind: Namespace', 'metadata: {name: a}']);
    const { code, stdout, stderr } = await run(['translate', '-f', path]);
    expect(code).toBe(EXIT_FAILURE);
    expect(stderr).toBe(
      `portico translate: ${path}: document 1, line 7: HTTPRoute web: unknown field "spec.rules[0].backendRef"\n`,
    );
    expect(stdout).toContain('resources:');
    expect(stdout).not.toContain('HTTPRoute');
  });

  it('exits 0 when every object is valid', async () => {
    const path = file(
      'in.yaml',
      ROUTE.map((l) => l.replace('backendRef:', 'backendRefs:')),
    );
    const { code, stderr } = await run(['translate', '-f', path]);
    expect(stderr).toBe('');
    expect(code).toBe(EXIT_OK);
  });

  it('refuses a billion-laughs file with a message, not an internal error', async () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    let previous = 'a';
    for (const name of 'bcdefghi') {
      lines.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
      previous = name;
    }
    const path = file('bomb.yaml', lines);
    const { code, stdout, stderr } = await run(['translate', '-f', path]);
    expect(code).toBe(EXIT_FAILURE);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `portico translate: ${path}: document 1, line 1: invalid YAML: Excessive alias count indicates a resource exhaustion attack\n`,
    );
  });

  it.each([
    [
      'tab indentation',
      ['apiVersion: v1', 'kind: Namespace', 'metadata:', '\tname: a'],
      4,
      'Tabs are not allowed as indentation',
    ],
    [
      'an unclosed quote',
      ['apiVersion: v1', 'kind: Namespace', 'metadata:', '  name: "a', '  labels: {}', ''],
      4,
      'Missing closing "quote (the string opens here)',
    ],
    [
      'bad indentation',
      ['apiVersion: v1', 'kind: Namespace', 'metadata:', '  name: a', ' labels: {}'],
      5,
      'All mapping items must start at the same column',
    ],
    [
      'a duplicate key',
      ['apiVersion: v1', 'kind: Namespace', 'metadata:', '  name: a', '  name: b'],
      5,
      'Map keys must be unique',
    ],
  ])('names the line of a YAML mistake: %s', async (_what, lines, line, reason) => {
    const path = file('broken.yaml', lines);
    const { code, stderr } = await run(['translate', '-f', path]);
    expect(code).toBe(EXIT_FAILURE);
    expect(stderr).toBe(`portico translate: ${path}: document 1, line ${line}: invalid YAML: ${reason}\n`);
  });
});

describe('portico serve', () => {
  it('exits with an error when the watched directory does not exist', async () => {
    const missing = join(dir, 'nope');
    const { code, stderr } = await run(['serve', '--provider', 'file', '--watch', missing, '--no-envoy']);
    expect(code).toBe(EXIT_FAILURE);
    expect(stderr).toBe(`portico serve: --watch ${missing}: no such directory\n`);
  });
});

describe('portico --version', () => {
  it("prints package.json's version", async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(await run(['--version'])).toEqual({ code: EXIT_OK, stdout: `portico ${version}\n`, stderr: '' });
  });
});
