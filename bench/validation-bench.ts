/**
 * What validating Gateway API objects against their CRDs costs (`src/schema`): reading the
 * vendored CRDs, compiling one apiVersion/kind's schema (done once per process, on first use), and
 * validating one object (schema, defaults, CEL rules), per kind; then loading a file of N
 * HTTPRoutes from YAML, and parsing it alone with each of the two readings (`load-yaml.ts`).
 *
 *   node --expose-gc dist/bench/validation-bench.js [--objects 2000] [--rounds 5]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { loadYaml } from '../src/resources/load-yaml.js';
import type { KubeObject } from '../src/resources/types.js';
import { crdSchemasOf, readCrdSchemas } from '../src/schema/crd-schemas.js';
import { quickDocuments } from '../src/resources/quick-yaml.js';
import { ObjectValidator } from '../src/schema/validator.js';
import { packageInfo } from '../src/package-json.js';
import { generateObjects } from './generate.js';
import { collectGarbage, integerFlag, machineLine, printTable } from './bench-util.js';

const { values } = parseArgs({
  options: { objects: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '5' } },
});
const count = integerFlag(values.objects, '--objects', 1);
const rounds = integerFlag(values.rounds, '--rounds', 1);

const time = (fn: () => void): number => {
  const start = performance.now();
  fn();
  return performance.now() - start;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`validation-bench: ${machineLine()}`);
console.log(
  `command: node ${process.execArgv.join(' ')} dist/bench/validation-bench.js --objects ${count} --rounds ${rounds}`,
);

// --- reading the CRDs, compiling each kind's schema (fresh each round: what a process pays once) ---
const dir = packageInfo().gatewayApiCrdDir;
const readMs: number[] = [];
let schemas = readCrdSchemas(dir);
for (let r = 0; r < rounds; r++) readMs.push(time(() => (schemas = readCrdSchemas(dir))));
console.log(`\nreading the vendored CRDs (${schemas.size} served versions): median ${median(readMs).toFixed(1)} ms`);
const cachedMs: number[] = [];
for (let r = 0; r < rounds; r++) cachedMs.push(time(() => crdSchemasOf(dir)));
console.log(
  `the same through the build's JSON copy (crdSchemasOf, the YAML when make build did not write it): median ${median(cachedMs).toFixed(1)} ms\n`,
);

const objects = generateObjects(count);
const route = objects.find((o) => o.kind === 'HTTPRoute')!;
const gateway = objects.find((o) => o.kind === 'Gateway')!;
const samples: [string, KubeObject][] = [
  ['HTTPRoute v1 (1 rule, 3 matches, 2 backends)', route],
  [
    'HTTPRoute v1 (16 rules)',
    {
      ...route,
      spec: { ...(route.spec as object), rules: Array(16).fill((route.spec as { rules: unknown[] }).rules[0]) },
    },
  ],
  ['Gateway v1 (1 listener)', gateway],
  ['GatewayClass v1', objects.find((o) => o.kind === 'GatewayClass')!],
];

const rows: string[][] = [];
for (const [label, object] of samples) {
  const compileMs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const validator = new ObjectValidator(() => schemas);
    compileMs.push(time(() => validator.compile(object.apiVersion, object.kind)));
  }
  const validator = new ObjectValidator(() => schemas);
  validator.compile(object.apiVersion, object.kind);
  const copies = Array.from({ length: count }, () => JSON.parse(JSON.stringify(object)) as Record<string, unknown>);
  for (const copy of copies.slice(0, 200))
    validator.validate(JSON.parse(JSON.stringify(copy)) as Record<string, unknown>); // warm-up
  const perObject: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const batch = copies.map((c) => JSON.parse(JSON.stringify(c)) as Record<string, unknown>);
    collectGarbage();
    let problems = 0;
    const ms = time(() => {
      for (const copy of batch) problems += validator.validate(copy).length;
    });
    if (problems > 0) throw new Error(`${label}: the sample is invalid`);
    perObject.push((ms * 1000) / count);
  }
  rows.push([label, median(compileMs).toFixed(0), median(perObject).toFixed(1)]);
}
printTable(['object', 'compile schema (ms, once)', 'validate one object (µs)'], rows);

// --- a file of N HTTPRoutes: loading it, of which validation ---
const routes = objects.filter((o) => o.kind === 'HTTPRoute');
const text = routes.map((o) => stringify(o)).join('---\n');
loadYaml(text, 'warm.yaml');
const loadMs: number[] = [];
for (let r = 0; r < rounds; r++) {
  collectGarbage();
  loadMs.push(time(() => loadYaml(text, 'routes.yaml')));
}
const parseMs: number[] = [];
for (let r = 0; r < rounds; r++) {
  collectGarbage();
  parseMs.push(time(() => parseAllDocuments(text).forEach((d) => d.toJS())));
}
const quickMs: number[] = [];
for (let r = 0; r < rounds; r++) {
  collectGarbage();
  quickMs.push(time(() => quickDocuments(text)));
}
console.log(
  `\nYAML parsing alone, the careful reading (parseAllDocuments + toJS): median ${median(parseMs).toFixed(0)} ms`,
);
console.log(`YAML parsing alone, the quick reading (quickDocuments, js-yaml): median ${median(quickMs).toFixed(0)} ms`);
console.log(
  `loadYaml of ${routes.length} HTTPRoutes (${(text.length / 1024).toFixed(0)} KiB): median ${median(loadMs).toFixed(0)} ms, ` +
    `${((median(loadMs) * 1000) / routes.length).toFixed(0)} µs a route, YAML parsing and validation together`,
);
