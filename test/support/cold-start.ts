/**
 * An Envoy's cold start, measured: a fresh Envoy is started on one Gateway's translated resources,
 * over ADS from a Portico ADS server or from a static bootstrap of the same resources (the floor:
 * Envoy's own start time with nothing to fetch). What is recorded: when Portico received the first
 * ACK of each type Envoy subscribed to, when Envoy said it was LIVE (initialization done), and
 * Envoy's `*init_fetch_timeout` counters, which count the subscriptions Envoy gave up waiting for.
 * Used by the golden cold start test (counters only) and by bench/cold-start-bench.ts (times).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTranslationDocument } from '../../src/translate/translation-document.js';
import { loadYaml } from '../../src/resources/load-yaml.js';
import { buildResourceSet } from '../../src/resources/resource-set.js';
import { translate } from '../../src/translate/index.js';
import type { XdsResources } from '../../src/translate/xds/types.js';
import type { AdsServer } from '../../src/xds/server.js';
import type { GatewayKey } from '../../src/xds/contract.js';
import { EnvoyAds, waitFor } from './envoy-ads.js';
import { staticBootstrap, type GatewayXdsJson } from './static-bootstrap.js';

const GOLDEN_DIR = fileURLToPath(new URL('../../../test/golden/', import.meta.url));

export interface GoldenGateway {
  /** The golden input file. */
  file: string;
  gateway: GatewayKey;
  xds: XdsResources;
  /** The same resources in proto JSON (what the static bootstrap is built from). */
  json: GatewayXdsJson;
}

/** Every Gateway of every golden case, translated as the golden test does. */
export function goldenGateways(): GoldenGateway[] {
  const out: GoldenGateway[] = [];
  const files = readdirSync(GOLDEN_DIR)
    .filter((f) => f.endsWith('.in.yaml'))
    .sort();
  for (const file of files) {
    const path = join(GOLDEN_DIR, file);
    const result = translate(buildResourceSet(loadYaml(readFileSync(path, 'utf8'), path).objects), {
      listenerAddress: '127.0.0.1',
    });
    const document = buildTranslationDocument(result, { showSecrets: true });
    for (const gw of result.gateways) {
      out.push({ file, gateway: gw.name, xds: gw.xds, json: document.xds[gw.name] as GatewayXdsJson });
    }
  }
  return out;
}

export interface AdsColdStart {
  /** Type URLs Envoy subscribed to, each with the milliseconds from spawn to its first ACK. */
  firstAckMs: Map<string, number>;
  /** Spawn to the last of those first ACKs (infinite when a type was never answered). */
  allAckedMs: number;
  /** Types Envoy subscribed to that Portico never answered (so never got an ACK of). */
  unanswered: string[];
  /** Spawn to Envoy's admin `/ready` answering LIVE (polled). */
  liveMs: number;
  /** `*init_fetch_timeout` counters that are not zero (a subscription Envoy gave up waiting for). */
  initFetchTimeouts: [string, number][];
  /** Envoy's warming gauges once LIVE (all zero when nothing is left warming). */
  warming: [string, number][];
}

const POLL_MS = 5;

/**
 * Starts a fresh Envoy on `xds` over ADS (`server` serves it under `key`, which should be new),
 * waits until it is LIVE and Portico has an ACK of every type it subscribed to, then stops it.
 * `liveTimeoutMs` bounds the wait (an Envoy that waits out a 15 s initial-fetch timeout is LIVE
 * after it).
 */
export async function coldStartOverAds(
  server: AdsServer,
  key: GatewayKey,
  xds: XdsResources,
  apiType: 'GRPC' | 'DELTA_GRPC',
  { liveTimeoutMs = 40_000, extraArgs = [] as readonly string[] } = {},
): Promise<AdsColdStart> {
  server.publish(key, xds);
  const firstAck = new Map<string, number>();
  const nodeId = `${key}/cold`;
  let t0 = 0;
  const sub = server.events$.subscribe((e) => {
    if (e.kind === 'ack' && e.nodeId === nodeId && !firstAck.has(e.typeUrl))
      firstAck.set(e.typeUrl, performance.now() - t0);
  });
  t0 = performance.now();
  const envoy = await EnvoyAds.start({ xdsPort: server.address()!.port, nodeId, nodeCluster: key, apiType, extraArgs });
  try {
    const liveMs = await untilLive(envoy, t0, liveTimeoutMs);
    // Once LIVE, Envoy has subscribed to every type it will; each is ACKed, unless Portico never
    // answered it (the ACK of the last response applied is on its way: wait a little for it).
    const requested = (): string[] =>
      server
        .clients()
        .find((c) => c.nodeId === nodeId)
        ?.types.map((t) => t.typeUrl) ?? [];
    await waitFor(() => requested().length > 0 && requested().every((t) => firstAck.has(t)), {
      timeoutMs: 1_000,
      intervalMs: POLL_MS,
      what: `ACKs of every type from ${key}`,
    }).catch(() => undefined);
    const types = requested();
    const firstAckMs = new Map(types.filter((t) => firstAck.has(t)).map((t) => [t, firstAck.get(t)!] as const));
    const unanswered = types.filter((t) => !firstAck.has(t));
    return {
      firstAckMs,
      allAckedMs: unanswered.length > 0 ? Infinity : Math.max(...firstAckMs.values()),
      unanswered,
      liveMs,
      initFetchTimeouts: [...(await envoy.stats('init_fetch_timeout'))].filter(
        ([name, value]) => name.endsWith('init_fetch_timeout') && value > 0,
      ),
      warming: [
        ...(await envoy.stats('cluster_manager.warming_clusters')),
        ...(await envoy.stats('listener_manager.total_listeners_warming')),
      ].filter(([, value]) => value > 0),
    };
  } finally {
    sub.unsubscribe();
    await envoy.stop();
    server.remove(key);
  }
}

/** Starts a fresh Envoy on a static bootstrap of `json` and returns spawn → LIVE in milliseconds. */
export async function coldStartStatic(
  json: GatewayXdsJson,
  { liveTimeoutMs = 40_000, extraArgs = [] as readonly string[] } = {},
): Promise<number> {
  const t0 = performance.now();
  const envoy = await EnvoyAds.start({
    xdsPort: 0,
    nodeId: 'static',
    nodeCluster: 'static/static',
    apiType: 'GRPC',
    bootstrap: staticBootstrap(json),
    extraArgs,
  });
  try {
    return await untilLive(envoy, t0, liveTimeoutMs);
  } finally {
    await envoy.stop();
  }
}

async function untilLive(envoy: EnvoyAds, t0: number, timeoutMs: number): Promise<number> {
  await waitFor(async () => (await envoy.admin('/ready')).trim() === 'LIVE', {
    timeoutMs,
    intervalMs: POLL_MS,
    what: 'Envoy to be LIVE',
  });
  return performance.now() - t0;
}
