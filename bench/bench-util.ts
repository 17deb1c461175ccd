/** Small helpers shared by the benchmarks: statistics, flags, tables, GC, the machine's description. */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

import { PORTICO_MALLOC_ENV, PORTICO_NODE_FLAGS } from '../src/infra/node-flags.js';

export const MIB = 1024 * 1024;

/**
 * Runs `main` in a process with Portico's Node.js flags (node-flags.ts), so that a benchmark that
 * runs Portico's code in its own process measures it as Portico runs: without them, the benchmark
 * starts itself again with them and exits with its code.
 */
export function runWithPorticoFlags(main: () => Promise<void>): void {
  const missing = PORTICO_NODE_FLAGS.filter((flag) => !process.execArgv.includes(flag));
  // The malloc setting too, unless the environment already says something of its own (an A/B of it).
  const env = Object.entries(PORTICO_MALLOC_ENV).filter(([name]) => process.env[name] === undefined);
  if (missing.length > 0 || env.length > 0) {
    const child = spawn(process.execPath, [...process.execArgv, ...missing, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, ...Object.fromEntries(env) },
    });
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
    return;
  }
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}

/** This process's Node.js flags, for a benchmark's header. */
export const nodeFlagsLine = (): string => process.execArgv.join(' ') || '(none)';

export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run node with --expose-gc (make bench does)');
  // Twice: the first pass can leave objects that only become unreachable after finalizers ran.
  gc();
  gc();
}

/** Percentile of an ascending array, linear interpolation between closest ranks (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    min: sorted[0] ?? NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
    mean: sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1),
  };
}

export function integerFlag(value: string, flag: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag} must be an integer >= ${min}, not "${value}"`);
  return n;
}

export function integerList(value: string, flag: string, min: number): number[] {
  return value.split(',').map((s) => integerFlag(s.trim(), flag, min));
}

/** A Markdown table with right-aligned cells (the style of docs/BENCHMARKS.md). */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]): string => `| ${row.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 1) + ':').join('|')}|`);
  for (const row of rows) console.log(line(row));
}

export const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(1) : '-');

/** One line describing the machine, for the record next to every table. */
export function machineLine(envoyBin?: string): string {
  let model = cpus()[0]?.model ?? 'unknown CPU';
  try {
    model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    // not Linux: keep os.cpus()
  }
  let envoy = '';
  if (envoyBin) {
    try {
      const out = execFileSync(envoyBin, ['--version'], { encoding: 'utf8' });
      envoy = `, Envoy ${/\/(\d+\.\d+\.\d+)\//.exec(out)?.[1] ?? 'unknown'}`;
    } catch {
      envoy = ', Envoy version unknown';
    }
  }
  return `${model}, ${cpus().length} CPUs, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, node ${process.version}${envoy}`;
}

export const sleep = (msToWait: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, msToWait));

/** Wall-clock milliseconds comparable across threads and processes of one machine (sub-ms precision). */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Which policies `--policies[=security|traffic|both]` puts on every generated route (bare:
 * security); `=gateway`: one of each on the Gateway, which every route is then under.
 */
export interface PolicyShape {
  securityPolicies: boolean;
  trafficPolicies: boolean;
  gatewayPolicies?: boolean;
}

/** `--policies` alone means `--policies=security` (what the flag meant before BackendTrafficPolicy). */
export function policiesArgs(argv: readonly string[]): string[] {
  return argv.map((a) => (a === '--policies' ? '--policies=security' : a));
}

export function policyShape(value: string | undefined): PolicyShape {
  switch (value) {
    case undefined:
    case 'none':
      return { securityPolicies: false, trafficPolicies: false };
    case 'security':
      return { securityPolicies: true, trafficPolicies: false };
    case 'traffic':
      return { securityPolicies: false, trafficPolicies: true };
    case 'both':
      return { securityPolicies: true, trafficPolicies: true };
    case 'gateway':
      return { securityPolicies: false, trafficPolicies: false, gatewayPolicies: true };
    default:
      throw new Error(`--policies must be security, traffic, both or gateway, not ${value}`);
  }
}

export function describePolicies(shape: PolicyShape): string {
  const kinds = [shape.securityPolicies && 'SecurityPolicy', shape.trafficPolicies && 'BackendTrafficPolicy'];
  const named = kinds.filter((k): k is string => typeof k === 'string');
  if (shape.gatewayPolicies)
    return ', one SecurityPolicy and one BackendTrafficPolicy on the Gateway (every route under both)';
  return named.length > 0 ? `, a ${named.join(' and a ')} on every route` : '';
}
