/**
 * Cold start (issue 11, section 4: an Envoy's start to its first ACK of every type in under a
 * second): for every golden case's Gateway, a fresh Envoy is started three times, one after
 * another: on a static bootstrap of the same resources (the floor: Envoy's own start, nothing to
 * fetch), over state-of-the-world ADS and over delta ADS from a Portico ADS server in this process.
 * Times run from spawning Envoy: for ADS, to Portico's receipt of the first ACK of every type the
 * Envoy subscribed to, and to Envoy's `/ready` answering LIVE (polled every 5 ms); for the static
 * bootstrap, to LIVE. It also counts the starts in which Envoy gave up waiting for a subscription
 * (`*init_fetch_timeout` counters): each is a 15 s start.
 *
 *   node dist/bench/cold-start-bench.js [--every 1] [--first 0]
 *
 * `--every N` takes every Nth Gateway (a quicker sample); the Envoys run with the flags Portico's
 * Envoys run with (`ENVOY_RUNTIME_FLAGS`) and `--concurrency 1`.
 */
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { ENVOY_RUNTIME_FLAGS } from '../src/infra/envoy-flags.js';
import { findEnvoy } from '../src/infra/envoy-binary.js';
import { kindName } from '../src/xds/snapshot.js';
import { AdsServer } from '../src/xds/index.js';
import { silentLogger } from '../src/shared/logger.js';
import { coldStartOverAds, coldStartStatic, goldenGateways } from '../test/support/cold-start.js';
import { integerFlag, machineLine, ms, printTable, summarize } from './bench-util.js';

const { values } = parseArgs({
  options: {
    every: { type: 'string', default: '1' },
    first: { type: 'string', default: '0' },
  },
});
const every = integerFlag(values.every, '--every', 1);
const first = integerFlag(values.first, '--first', 0);

interface Row {
  label: string;
  staticLive: number;
  sotwAcked: number;
  sotwLive: number;
  deltaAcked: number;
  deltaLive: number;
  timeouts: string[];
  unanswered: string[];
}

async function main(): Promise<void> {
  console.log(`machine: ${machineLine(findEnvoy())}`);
  console.log(`command: node dist/bench/cold-start-bench.js --every ${every} --first ${first}`);
  const gateways = goldenGateways().filter((_, i) => i >= first && (i - first) % every === 0);
  const server = new AdsServer({ port: 0, logger: silentLogger });
  await server.start();
  const rows: Row[] = [];
  const perType = new Map<string, number[]>();
  const load: number[] = [];
  try {
    for (const [i, g] of gateways.entries()) {
      const label = `${g.file.replace('.in.yaml', '')} ${g.gateway}`;
      const staticLive = await coldStartStatic(g.json, { extraArgs: ENVOY_RUNTIME_FLAGS });
      const sotw = await coldStartOverAds(server, `cold/sotw-${i}`, g.xds, 'GRPC', { extraArgs: ENVOY_RUNTIME_FLAGS });
      const delta = await coldStartOverAds(server, `cold/delta-${i}`, g.xds, 'DELTA_GRPC', {
        extraArgs: ENVOY_RUNTIME_FLAGS,
      });
      load.push(loadavg()[0]!);
      for (const run of [sotw, delta]) {
        for (const [typeUrl, t] of run.firstAckMs) {
          const kind = kindName(typeUrl);
          perType.set(kind, [...(perType.get(kind) ?? []), t]);
        }
      }
      rows.push({
        label,
        staticLive,
        sotwAcked: sotw.allAckedMs,
        sotwLive: sotw.liveMs,
        deltaAcked: delta.allAckedMs,
        deltaLive: delta.liveMs,
        timeouts: [...sotw.initFetchTimeouts, ...delta.initFetchTimeouts].map(([name]) => name),
        unanswered: [...sotw.unanswered, ...delta.unanswered].map(kindName),
      });
      process.stderr.write(
        `${i + 1}/${gateways.length} ${label}: static ${ms(staticLive)}, sotw ${ms(sotw.allAckedMs)}, delta ${ms(delta.allAckedMs)} ms\n`,
      );
    }
  } finally {
    await server.stop(100);
    server.dispose();
  }

  console.log(
    `\n${rows.length} Gateways of the golden cases; load average during the run ${ms(Math.min(...load))}–${ms(Math.max(...load))}\n`,
  );
  const series: [string, (r: Row) => number][] = [
    ['static bootstrap → LIVE (floor)', (r) => r.staticLive],
    ['SotW ADS → first ACK of every type', (r) => r.sotwAcked],
    ['SotW ADS → LIVE', (r) => r.sotwLive],
    ['delta ADS → first ACK of every type', (r) => r.deltaAcked],
    ['delta ADS → LIVE', (r) => r.deltaLive],
    ['SotW ACKs − floor (same Gateway)', (r) => r.sotwAcked - r.staticLive],
    ['delta ACKs − floor (same Gateway)', (r) => r.deltaAcked - r.staticLive],
  ];
  printTable(
    ['from Envoy spawn (ms)', 'p50', 'p90', 'max'],
    series.map(([name, f]) => {
      const s = summarize(rows.map(f));
      return [name, ms(s.p50), ms(s.p90), ms(s.max)];
    }),
  );
  console.log('\nFirst ACK of each type, both protocols (ms from spawn):\n');
  printTable(
    ['type', 'n', 'p50', 'max'],
    [...perType].map(([kind, times]) => {
      const s = summarize(times);
      return [kind, String(s.n), ms(s.p50), ms(s.max)];
    }),
  );
  const slowest = [...rows].sort((a, b) => Math.max(b.sotwAcked, b.deltaAcked) - Math.max(a.sotwAcked, a.deltaAcked));
  console.log('\nSlowest (ms: static, SotW ACKs, delta ACKs):');
  for (const r of slowest.slice(0, 5)) {
    console.log(`  ${r.label}: ${ms(r.staticLive)}, ${ms(r.sotwAcked)}, ${ms(r.deltaAcked)}`);
  }
  const waited = rows.filter((r) => r.timeouts.length > 0);
  console.log(
    `\nStarts in which Envoy waited out an initial-fetch timeout: ${waited.length} of ${rows.length} Gateways`,
  );
  for (const r of waited.slice(0, 10)) console.log(`  ${r.label}: ${r.timeouts.join(', ')}`);
  const unanswered = rows.filter((r) => r.unanswered.length > 0);
  console.log(`Gateways with a type Portico never answered (SotW or delta): ${unanswered.length}`);
  for (const r of unanswered.slice(0, 10)) console.log(`  ${r.label}: ${r.unanswered.join(', ')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
