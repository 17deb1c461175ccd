/**
 * Loading manifests and starting `portico translate` (issue 16's loading figures): a directory of
 * N HTTPRoutes, one file each, with their Services and EndpointSlices in one more file, as
 * `portico translate -f DIR` reads it. Each figure is a median over fresh processes, so the
 * one-time costs (the CRD schemas, compiling the kinds in use) are in it, beside its floor:
 *
 * - `node -e 0`: Node.js alone;
 * - `portico translate --help`, and `portico translate` of one Gateway and one route: Portico's start;
 * - `loadYamlFiles` of the directory in a fresh process, and parsing its files alone with the
 *   `yaml` package (the careful reading) and with js-yaml (the quick reading);
 * - `portico translate -f DIR -o json`, the whole command.
 *
 *   node dist/bench/load-bench.js [--routes 5000] [--rounds 3]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { generateObjects } from './generate.js';
import { integerFlag, machineLine, printTable } from './bench-util.js';

const { values } = parseArgs({
  options: { routes: { type: 'string', default: '5000' }, rounds: { type: 'string', default: '3' } },
});
const routes = integerFlag(values.routes, '--routes', 1);
const rounds = integerFlag(values.rounds, '--rounds', 1);

const ROOT = new URL('../../', import.meta.url).pathname;
const PORTICO = join(ROOT, 'bin/portico.js');

/** Writes the inputs: a directory of N routes, and one small file. */
function writeInputs(dir: string): { routesDir: string; small: string } {
  const routesDir = join(dir, 'routes');
  mkdirSync(routesDir);
  const objects = generateObjects(routes);
  const others = objects.filter((o) => o.kind !== 'HTTPRoute');
  writeFileSync(join(routesDir, '00-gateway-and-backends.yaml'), others.map((o) => stringify(o)).join('---\n'));
  objects
    .filter((o) => o.kind === 'HTTPRoute')
    .forEach((o, i) => writeFileSync(join(routesDir, `route-${String(i).padStart(6, '0')}.yaml`), stringify(o)));
  const small = join(dir, 'small.yaml');
  writeFileSync(
    small,
    generateObjects(1)
      .map((o) => stringify(o))
      .join('---\n'),
  );
  return { routesDir, small };
}

/** Milliseconds a child process takes, median over the rounds. */
function runMs(args: string[]): number {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    execFileSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 30 });
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

/** What a fresh process reports for one step (the worker prints milliseconds). */
function stepMs(step: string, dir: string): number {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const out = execFileSync(process.execPath, [join(ROOT, 'dist/bench/load-worker.js'), step, dir], {
      encoding: 'utf8',
    });
    times.push(Number(out.trim()));
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

console.log(`load-bench: ${machineLine()}`);
console.log(`command: node dist/bench/load-bench.js --routes ${routes} --rounds ${rounds}`);
const dir = mkdtempSync(join(tmpdir(), 'portico-load-bench-'));
try {
  const { routesDir, small } = writeInputs(dir);
  const rows: [string, number][] = [
    ['node -e 0 (the floor)', runMs(['-e', '0'])],
    ['portico translate --help (loads the command)', runMs([PORTICO, 'translate', '--help'])],
    ['portico translate, one Gateway and one route', runMs([PORTICO, 'translate', '-f', small])],
    [`parse the ${routes} routes' files alone, yaml package`, stepMs('careful', routesDir)],
    [`parse the ${routes} routes' files alone, js-yaml`, stepMs('quick', routesDir)],
    [`loadYamlFiles of the ${routes} routes (read, parse, validate)`, stepMs('load', routesDir)],
    [
      `portico translate -f of the ${routes} routes -o json`,
      runMs([PORTICO, 'translate', '-f', routesDir, '-o', 'json']),
    ],
  ];
  printTable(
    ['what (a fresh process each time)', 'median ms'],
    rows.map(([what, ms]) => [what, ms.toFixed(0)]),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
