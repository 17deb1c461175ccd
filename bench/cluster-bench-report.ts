/**
 * The side-by-side table of `make bench-cluster` (hack/bench-cluster/run.sh): reads the result
 * files bench/cluster-bench.ts wrote, one per controller, and prints one row per scenario figure
 * and route count, with each controller's value and the ratio Portico / Envoy Gateway (below 1:
 * Portico takes less).
 *
 *   node dist/bench/cluster-bench-report.js RESULTS/portico.json RESULTS/envoy-gateway.json
 */
import { readFileSync } from 'node:fs';
import { printTable } from './bench-util.js';
import type { CountResult, ResultFile } from './cluster-bench-result.js';

const FIGURES: { name: string; value: (r: CountResult) => number; digits: number }[] = [
  { name: 'route added → first 200, p50 ms', value: (r) => r.addMs.p50, digits: 0 },
  { name: 'route added → first 200, p99 ms', value: (r) => r.addMs.p99, digits: 0 },
  { name: 'route deleted → first 404, p50 ms', value: (r) => r.deleteMs.p50, digits: 0 },
  { name: 'route deleted → first 404, p99 ms', value: (r) => r.deleteMs.p99, digits: 0 },
  { name: 'controller CPU per change, ms', value: (r) => r.cpuPerChangeMs, digits: 1 },
  { name: 'controller RSS, MiB', value: (r) => r.rssMiB, digits: 0 },
  { name: 'controller idle CPU, %', value: (r) => r.idleCpuPercent, digits: 2 },
  { name: 'N routes created → all served, ms', value: (r) => r.settleMs, digits: 0 },
  { name: 'non-200 under steady load during changes', value: (r) => r.load.failed, digits: 0 },
];

function main(): void {
  const files = process.argv.slice(2).map((f) => JSON.parse(readFileSync(f, 'utf8')) as ResultFile);
  if (files.length === 0) throw new Error('give the result files (RESULTS/<controller>.json)');
  const controllers = files.map((f) => f.controller);
  const portico = files.find((f) => f.controller === 'portico');
  const eg = files.find((f) => f.controller === 'envoy-gateway');
  const counts = [...new Set(files.flatMap((f) => f.results.map((r) => r.routes)))].sort((a, b) => a - b);
  const rows: string[][] = [];
  for (const routes of counts) {
    for (const figure of FIGURES) {
      const values = files.map((f) => f.results.find((r) => r.routes === routes));
      const a = portico?.results.find((r) => r.routes === routes);
      const b = eg?.results.find((r) => r.routes === routes);
      const ratio = a && b && figure.value(b) !== 0 ? (figure.value(a) / figure.value(b)).toFixed(2) : '-';
      rows.push([
        String(routes),
        figure.name,
        ...values.map((v) => (v ? figure.value(v).toFixed(figure.digits) : '-')),
        ratio,
      ]);
    }
  }
  printTable(['routes', 'figure', ...controllers, 'Portico / Envoy Gateway'], rows);
  const sent = files.flatMap((f) => f.results.map((r) => `${f.controller} ${r.routes}: ${r.load.sent}`));
  console.log(
    `\nsamples per figure: ${files.map((f) => `${f.controller} ${f.samples}`).join(', ')}; steady-load requests: ${sent.join(', ')}`,
  );
}

main();
