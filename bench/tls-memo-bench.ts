/**
 * What remembering TLS checks per input object saves (a Secret's key pair, a ConfigMap's CA
 * certificates): N HTTPRoutes (`bench/generate.ts`) behind a Gateway that also has L HTTPS
 * listeners sharing one Secret, and a BackendTLSPolicy (one ConfigMap CA) on every tenth Service.
 * Times, in CPU milliseconds (user + system), a full translation without a cache, and with one
 * `TranslationCache` (statuses fed back, clock moving) a route change and a Gateway change (the
 * Gateway side, hence every listener's certificate, is evaluated again).
 *
 *   node --expose-gc dist/bench/tls-memo-bench.js [--routes 2000] [--listeners 30] [--rounds 20]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { generateObjects, withMovedPath } from './generate.js';
import { integerFlag, machineLine } from './bench-util.js';
import { loadYaml } from '../src/resources/load-yaml.js';
import { buildResourceSet } from '../src/resources/resource-set.js';
import type { Gateway, HTTPRoute, KubeObject } from '../src/resources/types.js';
import { LastStatusCarrier } from '../src/pipeline/translate-safely.js';
import { TranslationCache, translate, type TranslationResult } from '../src/translate/index.js';

const NAMESPACE = 'bench';

function goldenObject(file: string, kind: string, name: string): KubeObject {
  const loaded = loadYaml(readFileSync(file, 'utf8'), file);
  const found = loaded.objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${file}: no ${kind} ${name}`);
  return found;
}

function objectsFor(routes: number, listeners: number): KubeObject[] {
  const objects = generateObjects(routes);
  const secret = goldenObject('test/golden/https-cross-namespace-cert-with-grant.in.yaml', 'Secret', 'shared-cert');
  const ca = goldenObject('test/golden/backendtlspolicy-validation.in.yaml', 'ConfigMap', 'ca');
  objects.push(
    { ...secret, metadata: { ...secret.metadata, name: 'cert', namespace: NAMESPACE } },
    { ...ca, metadata: { ...ca.metadata, namespace: NAMESPACE } },
  );
  const g = objects.findIndex((o) => o.kind === 'Gateway');
  const gateway = objects[g] as Gateway;
  const https = Array.from({ length: listeners }, (_, i) => ({
    name: `https-${i}`,
    hostname: `h${i}.example.com`,
    port: 443,
    protocol: 'HTTPS',
    tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'cert' }] },
  }));
  objects[g] = {
    ...gateway,
    spec: { ...gateway.spec!, listeners: [...gateway.spec!.listeners!, ...https] },
  } as Gateway;
  const services = objects.filter((o) => o.kind === 'Service');
  services.forEach((service, i) => {
    if (i % 10 !== 0) return;
    objects.push({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'BackendTLSPolicy',
      metadata: { name: `tls-${i}`, namespace: NAMESPACE, generation: 1, creationTimestamp: '2024-01-01T00:00:00Z' },
      spec: {
        targetRefs: [{ group: '', kind: 'Service', name: service.metadata.name }],
        validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }], hostname: 'foo.example.com' },
      },
    } as KubeObject);
  });
  return objects;
}

function cpu<T>(run: () => T): number {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      routes: { type: 'string', default: '2000' },
      listeners: { type: 'string', default: '30' },
      rounds: { type: 'string', default: '20' },
    },
  });
  const routes = integerFlag(values.routes, '--routes', 1);
  const listeners = integerFlag(values.listeners, '--listeners', 1);
  const rounds = integerFlag(values.rounds, '--rounds', 1);
  const objects = objectsFor(routes, listeners);
  const gc = (globalThis as { gc?: () => void }).gc;

  const uncached: number[] = [];
  for (let i = 0; i < rounds / 4 + 2; i++) {
    gc?.();
    const input = buildResourceSet(objects);
    const t = cpu(() => translate(input, {}));
    if (i >= 2) uncached.push(t);
  }

  const cache = new TranslationCache();
  const carrier = new LastStatusCarrier();
  let last: TranslationResult | undefined;
  let second = 0;
  const run = (): number => {
    const now = new Date(Date.UTC(2026, 0, 1, 0, 0, second++)).toISOString().replace(/\.000Z$/, 'Z');
    const input = carrier.carry(buildResourceSet(objects), last?.resources);
    return cpu(() => (last = translate(input, { now, certificateTime: now, cache })));
  };
  for (let i = 0; i < 3; i++) run();
  const routeIndexes = objects.flatMap((o, i) => (o.kind === 'HTTPRoute' ? [i] : []));
  const g = objects.findIndex((o) => o.kind === 'Gateway');
  const routeChange: number[] = [];
  const gatewayChange: number[] = [];
  for (let c = 0; c < rounds; c++) {
    const r = routeIndexes[(c * 7919) % routeIndexes.length]!;
    const route = objects[r] as HTTPRoute;
    objects[r] = withMovedPath(route, c);
    routeChange.push(run());
    const gateway = objects[g] as Gateway;
    objects[g] = { ...gateway, metadata: { ...gateway.metadata, generation: c + 2 }, spec: { ...gateway.spec! } };
    gatewayChange.push(run());
  }
  console.log(`tls-memo-bench: ${routes} routes, ${listeners} HTTPS listeners, ${rounds} rounds; ${machineLine()}`);
  console.log(
    `CPU ms median (min): uncached ${median(uncached).toFixed(1)} (${Math.min(...uncached).toFixed(1)}); ` +
      `cached route change ${median(routeChange).toFixed(1)} (${Math.min(...routeChange).toFixed(1)}); ` +
      `cached Gateway change ${median(gatewayChange).toFixed(1)} (${Math.min(...gatewayChange).toFixed(1)})`,
  );
}

main();
