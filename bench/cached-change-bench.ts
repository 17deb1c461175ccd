/**
 * The cost of one change with the translation cache, as the pipeline pays it: N HTTPRoutes
 * (`bench/generate.ts`), one `TranslationCache`, statuses fed back, the clock moving; each round
 * changes one route's spec (a new path), or one Service's EndpointSlice (a full translation, not
 * the pipeline's endpoint refresh), and times `translate()`: wall time, and the process's CPU time
 * (user + system, all threads), which a machine busy with other work disturbs less.
 *
 *   node --expose-gc dist/bench/cached-change-bench.js [--routes 3000] [--changes 40] [--policies[=security|traffic|both]]
 *
 * `--policies`: policies on every route, as `translate-bench.js --policies`.
 */
import { parseArgs } from 'node:util';
import { generateObjects, withMovedPath } from './generate.js';
import {
  describePolicies,
  integerFlag,
  machineLine,
  ms,
  nodeFlagsLine,
  policiesArgs,
  policyShape,
  printTable,
  summarize,
} from './bench-util.js';
import { buildResourceSet } from '../src/resources/resource-set.js';
import type { EndpointSlice, HTTPRoute, KubeObject } from '../src/resources/types.js';
import { LastStatusCarrier } from '../src/pipeline/translate-safely.js';
import { TranslationCache, translate, type TranslationResult } from '../src/translate/index.js';

function main(): void {
  const { values } = parseArgs({
    args: policiesArgs(process.argv.slice(2)),
    options: {
      routes: { type: 'string', default: '3000' },
      changes: { type: 'string', default: '40' },
      policies: { type: 'string' },
    },
  });
  const routes = integerFlag(values.routes, '--routes', 1);
  const changes = integerFlag(values.changes, '--changes', 1);
  const policies = policyShape(values.policies);
  const objects = generateObjects(routes, policies);
  const cache = new TranslationCache();
  const carrier = new LastStatusCarrier();
  let last: TranslationResult | undefined;
  let second = 0;
  const run = (): { wall: number; cpu: number } => {
    const now = new Date(Date.UTC(2026, 0, 1, 0, 0, second++)).toISOString().replace(/\.000Z$/, 'Z');
    const input = carrier.carry(buildResourceSet(objects), last?.resources);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    last = translate(input, { now, certificateTime: now, cache });
    const cpu = process.cpuUsage(cpuBefore);
    return { wall: performance.now() - started, cpu: (cpu.user + cpu.system) / 1000 };
  };
  for (let i = 0; i < 3; i++) run();
  const routeIndexes = objects.flatMap((o, i) => (o.kind === 'HTTPRoute' ? [i] : []));
  const sliceIndexes = objects.flatMap((o, i) => (o.kind === 'EndpointSlice' ? [i] : []));
  const routeTimes: { wall: number; cpu: number }[] = [];
  const sliceTimes: { wall: number; cpu: number }[] = [];
  for (let c = 0; c < changes; c++) {
    const r = routeIndexes[(c * 7919) % routeIndexes.length]!;
    const route = objects[r] as HTTPRoute;
    objects[r] = withMovedPath(route, c);
    routeTimes.push(run());
    const s = sliceIndexes[(c * 104729) % sliceIndexes.length]!;
    const slice = objects[s] as EndpointSlice;
    objects[s] = {
      ...slice,
      endpoints: [...(slice.endpoints ?? []), { addresses: [`10.250.${c >> 8}.${c & 255}`] }],
    } as KubeObject;
    sliceTimes.push(run());
  }
  console.log(
    `cached translate() per change: ${routes} routes${describePolicies(policies)}, ${changes} changes; ${machineLine()}`,
  );
  console.log(`node flags: ${nodeFlagsLine()}`);
  const row = (what: string, times: { wall: number; cpu: number }[]): string[] => {
    const wall = summarize(times.map((t) => t.wall));
    const cpu = summarize(times.map((t) => t.cpu));
    return [what, ms(wall.min), ms(wall.p50), ms(wall.p99), ms(cpu.min), ms(cpu.p50), ms(cpu.p99)];
  };
  printTable(
    ['change', 'min ms', 'p50 ms', 'p99 ms', 'cpu min ms', 'cpu p50 ms', 'cpu p99 ms'],
    [row('one HTTPRoute', routeTimes), row('one EndpointSlice', sliceTimes)],
  );
}

main();
