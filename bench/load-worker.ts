/**
 * One step of bench/load-bench.ts in a fresh process, its milliseconds printed: `load` (Portico's
 * loadYamlFiles of a directory), `careful` (the yaml package parsing its files alone) or `quick`
 * (js-yaml parsing them alone, with kubectl's scalars).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseAllDocuments } from 'yaml';
import { loadYamlFiles } from '../src/resources/load-yaml.js';
import { KUBECTL_YAML_OPTIONS } from '../src/resources/kubectl-yaml.js';
import { quickDocuments } from '../src/resources/quick-yaml.js';

const [step, dir] = process.argv.slice(2);
if (!dir || !['load', 'careful', 'quick'].includes(step ?? ''))
  throw new Error('usage: load-worker load|careful|quick DIR');
const start = performance.now();
if (step === 'load') loadYamlFiles([dir]);
else {
  for (const name of readdirSync(dir).sort()) {
    const text = readFileSync(join(dir, name), 'utf8');
    if (step === 'quick') quickDocuments(text);
    else for (const doc of parseAllDocuments(text, KUBECTL_YAML_OPTIONS)) doc.toJS();
  }
}
console.log((performance.now() - start).toFixed(1));
