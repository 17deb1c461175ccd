/**
 * Full translation benchmark: ResourceSet → IR → Envoy resources (`translate()`), at several
 * sizes. Reports wall time (min and median over several iterations after warm-up), heap retained
 * by the input and by one translation result (measured after a forced GC), and RSS.
 *
 *   node --expose-gc dist/bench/translate-bench.js [--sizes 1000,10000] [--iterations 5] [--warmup 2] [--policies[=security|traffic|both|gateway]]
 *   node --expose-gc dist/bench/translate-bench.js --ab=security,traffic,gateway [--sizes 10000] [--iterations 9]
 *
 * `--ab`: A/B in one process, alternating: each round translates the input without policies (the
 * floor) and then each named shape's input, so every shape meets the same machine load as its
 * floor; prints each one's min and median and its ratio to the floor's.
 *
 * `--policies`: a SecurityPolicy (authorization) on every route; `=traffic` a BackendTrafficPolicy
 * (circuit breaker, fault injection) instead; `=both` one of each.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { translate } from '../src/translate/index.js';
import type { TranslationResult } from '../src/translate/index.js';
import { generateResourceSet } from './generate.js';
import {
  collectGarbage,
  describePolicies,
  integerFlag,
  integerList,
  MIB,
  policiesArgs,
  policyShape,
  printTable,
} from './bench-util.js';
import type { PolicyShape } from './bench-util.js';

interface Measurement {
  routes: number;
  clusters: number;
  virtualHosts: number;
  minMs: number;
  medianMs: number;
  /** The process's CPU time (user + system, all threads) per translation: less disturbed by a busy machine. */
  cpuMinMs: number;
  cpuMedianMs: number;
  inputHeapMiB: number;
  resultHeapMiB: number;
  rssMiB: number;
  /** Peak RSS of the process so far (so it includes every smaller size run before). */
  peakRssMiB: number;
}

function heapUsed(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

function median(sorted: number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function measure(routes: number, iterations: number, warmup: number, policies: PolicyShape): Measurement {
  const baseline = heapUsed();
  const input = generateResourceSet(routes, policies);
  const withInput = heapUsed();

  for (let i = 0; i < warmup; i++) translate(input);
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let result: TranslationResult | undefined;
  for (let i = 0; i < iterations; i++) {
    result = undefined; // let the previous result be collected; measure one live result at the end
    const start = performance.now();
    const cpuBefore = process.cpuUsage();
    result = translate(input);
    const cpu = process.cpuUsage(cpuBefore);
    times.push(performance.now() - start);
    cpuTimes.push((cpu.user + cpu.system) / 1000);
  }
  const withResult = heapUsed();
  const gateway = result?.gateways[0];
  times.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  return {
    routes,
    clusters: gateway?.xds.clusters.length ?? 0,
    virtualHosts: gateway?.ir.routeConfigs.reduce((n, rc) => n + rc.virtualHosts.length, 0) ?? 0,
    minMs: times[0] ?? NaN,
    medianMs: median(times),
    cpuMinMs: cpuTimes[0] ?? NaN,
    cpuMedianMs: median(cpuTimes),
    inputHeapMiB: (withInput - baseline) / MIB,
    resultHeapMiB: (withResult - withInput) / MIB,
    rssMiB: process.memoryUsage().rss / MIB,
    peakRssMiB: (process.resourceUsage().maxRSS * 1024) / MIB,
  };
}

function printMeasurements(rows: Measurement[]): void {
  const header = [
    'routes',
    'vhosts',
    'clusters',
    'min ms',
    'median ms',
    'cpu min ms',
    'cpu median ms',
    'input heap MiB',
    'result heap MiB',
    'RSS MiB',
    'peak RSS MiB',
  ];
  const cells = rows.map((r) => [
    String(r.routes),
    String(r.virtualHosts),
    String(r.clusters),
    r.minMs.toFixed(1),
    r.medianMs.toFixed(1),
    r.cpuMinMs.toFixed(1),
    r.cpuMedianMs.toFixed(1),
    r.inputHeapMiB.toFixed(1),
    r.resultHeapMiB.toFixed(1),
    r.rssMiB.toFixed(0),
    r.peakRssMiB.toFixed(0),
  ]);
  printTable(header, cells);
}

/** Wall and CPU time of one translation of `input`. */
function timeOnce(input: ReturnType<typeof generateResourceSet>): { wall: number; cpu: number } {
  const start = performance.now();
  const cpuBefore = process.cpuUsage();
  translate(input);
  const cpu = process.cpuUsage(cpuBefore);
  return { wall: performance.now() - start, cpu: (cpu.user + cpu.system) / 1000 };
}

function abRun(routes: number, iterations: number, warmup: number, shapes: string[]): void {
  const named = ['none', ...shapes];
  const inputs = named.map((name) => generateResourceSet(routes, policyShape(name)));
  const wall = named.map((): number[] => []);
  const cpu = named.map((): number[] => []);
  for (let round = 0; round < warmup + iterations; round++) {
    inputs.forEach((input, i) => {
      collectGarbage(); // each translation starts from the same heap state
      const t = timeOnce(input);
      if (round < warmup) return;
      wall[i]!.push(t.wall);
      cpu[i]!.push(t.cpu);
    });
  }
  for (const list of [...wall, ...cpu]) list.sort((a, b) => a - b);
  const header = [
    'routes',
    'policies',
    'min ms',
    'median ms',
    'cpu min ms',
    'ratio (min)',
    'ratio (median)',
    'ratio (cpu min)',
  ];
  const cells = named.map((name, i) => [
    String(routes),
    name,
    wall[i]![0]!.toFixed(1),
    median(wall[i]!).toFixed(1),
    cpu[i]![0]!.toFixed(1),
    (wall[i]![0]! / wall[0]![0]!).toFixed(2),
    (median(wall[i]!) / median(wall[0]!)).toFixed(2),
    (cpu[i]![0]! / cpu[0]![0]!).toFixed(2),
  ]);
  printTable(header, cells);
}

function main(): void {
  const { values } = parseArgs({
    args: policiesArgs(process.argv.slice(2)),
    options: {
      sizes: { type: 'string', default: '1000,10000' },
      iterations: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '2' },
      policies: { type: 'string' },
      ab: { type: 'string' },
    },
  });
  const sizes = integerList(values.sizes, '--sizes', 1);
  const iterations = integerFlag(values.iterations, '--iterations', 1);
  const warmup = integerFlag(values.warmup, '--warmup', 0);

  if (values.ab !== undefined) {
    const shapes = values.ab.split(',').filter((s) => s !== '' && s !== 'none');
    shapes.forEach(policyShape); // refuses an unknown shape before any work
    console.log(
      `translate() A/B benchmark: node ${process.version}, ${iterations} rounds after ${warmup} warm-up, alternating none with ${shapes.join(', ')}`,
    );
    for (const size of sizes) abRun(size, iterations, warmup, shapes);
    return;
  }
  const policies = policyShape(values.policies);
  console.log(
    `translate() benchmark: node ${process.version}, ${iterations} iterations after ${warmup} warm-up${describePolicies(policies)}`,
  );
  const rows: Measurement[] = [];
  for (const size of sizes) rows.push(measure(size, iterations, warmup, policies));
  printMeasurements(rows);
}

main();
