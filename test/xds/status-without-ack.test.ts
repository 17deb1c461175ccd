/**
 * The Gateway's Programmed condition follows what its Envoys hold even when no ACK or NACK says
 * so (section 3 of issue 11: "status always shows the current truth"). Through the real pipeline
 * (status report) and ADS server, with raw ADS clients that order their requests as the test says:
 * - a NACK clears when the Envoy stops asking for what it rejected and holds all it asks for;
 * - a reconnecting Envoy that already has the current configuration is sent nothing, and the
 *   Gateway is Programmed;
 * - an Envoy that disconnects while rejected (or while its rejection is retried) takes its NACK
 *   with it, and the condition does not come back.
 * Before, the status was recomputed only on an ACK, a NACK, a connection change or a publish:
 * the first two cases stayed Invalid and Pending until some unrelated event.
 */
import { Subject } from 'rxjs';
import { PROXY_STATUS_INTERVAL_MS, startPipeline, type Pipeline } from '../../src/pipeline/pipeline.js';
import { silentLogger } from '../../src/shared/logger.js';
import type { ResourceEvent } from '../../src/pipeline/resource-store.js';
import { loadYaml } from '../../src/resources/load-yaml.js';
import type { Condition } from '../../src/resources/types.js';
import { AdsServer } from '../../src/xds/server.js';
import { CLUSTER, CLUSTER_LOAD_ASSIGNMENT, LISTENER, ROUTE_CONFIGURATION } from '../../src/proto/type-urls.js';
import { RawAdsClient, type DeltaResponse, type SotwResponse } from '../support/ads-client.js';
import { GATEWAY, gatewayYaml } from '../support/xds-fixtures.js';

const FIRST = 18091;
const SECOND = 18092;
const L1 = `default/public/http-${FIRST}`;
const L2 = `default/public/http-${SECOND}`;
const WEB = 'default/web/80';
const ROUTES = [{ path: '/', service: 'web', backendPort: 10001 }];

let server: AdsServer;
let port: number;
let resources: Subject<ResourceEvent>;
let pipeline: Pipeline;
/** Every status report's Programmed condition of the Gateway, as `status/reason`. */
let reports: string[];
const clients: { close(): void }[] = [];

beforeEach(async () => {
  server = new AdsServer({
    port: 0,
    logger: silentLogger,
    clusterWarmTimeoutMs: 2000,
    retryBackoff: { initialMs: 50, maxMs: 100 },
  });
  port = await server.start();
  resources = new Subject<ResourceEvent>();
  pipeline = startPipeline(
    resources,
    { publisher: server, tracker: server, logger: silentLogger },
    { quietMs: 5, maxLatencyMs: 50, listenerAddress: '127.0.0.1' },
  );
  reports = [];
  pipeline.status$.subscribe(() => {
    const c = programmed();
    if (c) reports.push(`${c.status}/${c.reason}`);
  });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  pipeline.stop();
  await server.stop(500);
  server.dispose();
});

/** Serves the Gateway with one HTTP listener per port. */
async function serveListeners(ports: number[]): Promise<void> {
  const objects = loadYaml(gatewayYaml(ports, ROUTES), 'fixture.yaml').objects;
  resources.next({ type: 'replace', source: 'fixture.yaml', objects });
  resources.next({ type: 'synced' });
  await waitUntil(() => server.gateways().includes(GATEWAY), 'the Gateway to be published');
}

function programmed(): Condition | undefined {
  const gw = pipeline.latestStatus().resources.find((r) => r.kind === 'Gateway');
  return (gw?.status as { conditions?: Condition[] } | undefined)?.conditions?.find((c) => c.type === 'Programmed');
}

async function untilProgrammed(reason: string): Promise<Condition> {
  await waitUntil(
    () => programmed()?.reason === reason,
    `Programmed reason ${reason}`,
    () => JSON.stringify(programmed()),
  );
  return programmed()!;
}

function sotw(): RawAdsClient<SotwResponse> {
  const c = RawAdsClient.sotw(port);
  clients.push(c);
  return c;
}

function delta(): RawAdsClient<DeltaResponse> {
  const c = RawAdsClient.delta(port);
  clients.push(c);
  return c;
}

async function expectType<R extends SotwResponse | DeltaResponse>(c: RawAdsClient<R>, typeUrl: string): Promise<R> {
  const r = await c.next(3000);
  expect(r.type_url).toBe(typeUrl);
  return r;
}

function ack(c: RawAdsClient<SotwResponse>, r: SotwResponse, names: string[] = []): void {
  c.send({ type_url: r.type_url, version_info: r.version_info, response_nonce: r.nonce, resource_names: names });
}

/** Envoy's SotW start: clusters, endpoints, listeners, each ACKed; the first listener's routes. */
async function sotwStart(c: RawAdsClient<SotwResponse>, nodeId: string): Promise<SotwResponse[]> {
  c.send({ node: { id: nodeId, cluster: GATEWAY }, type_url: CLUSTER });
  const cds = await expectType(c, CLUSTER);
  ack(c, cds);
  c.send({ type_url: CLUSTER_LOAD_ASSIGNMENT, resource_names: [WEB] });
  const eds = await expectType(c, CLUSTER_LOAD_ASSIGNMENT);
  ack(c, eds, [WEB]);
  c.send({ type_url: LISTENER });
  const lds = await expectType(c, LISTENER);
  ack(c, lds);
  c.send({ type_url: ROUTE_CONFIGURATION, resource_names: [L1] });
  const rds = await expectType(c, ROUTE_CONFIGURATION);
  ack(c, rds, [L1]);
  return [cds, eds, lds, rds];
}

describe('a NACK clears from the status with no ACK', () => {
  test('SotW: the Envoy stops asking for the route configuration it rejected', async () => {
    await serveListeners([FIRST, SECOND]);
    const c = sotw();
    const [, , , rds1] = await sotwStart(c, 'envoy-1');
    await untilProgrammed('Programmed');

    // The second listener's route configuration is asked for, and rejected.
    c.send({
      type_url: ROUTE_CONFIGURATION,
      version_info: rds1!.version_info,
      response_nonce: rds1!.nonce,
      resource_names: [L1, L2],
    });
    const rds2 = await expectType(c, ROUTE_CONFIGURATION);
    c.send({
      type_url: ROUTE_CONFIGURATION,
      version_info: rds1!.version_info,
      response_nonce: rds2.nonce,
      resource_names: [L1, L2],
      error_detail: { code: 13, message: `${L2}: rejected for the test` },
    });
    expect((await untilProgrammed('Invalid')).message).toContain('rejected for the test');

    // The Envoy drops the second listener's routes (as it does when that listener goes): it holds
    // everything it asks for. Nothing is sent, nothing is ACKed, the input does not change.
    c.send({
      type_url: ROUTE_CONFIGURATION,
      version_info: rds1!.version_info,
      response_nonce: rds2.nonce,
      resource_names: [L1],
    });
    expect(await c.quiet(300)).toBe(true);
    const cleared = await untilProgrammed('Programmed');
    expect(cleared.status).toBe('True');
  });

  test('delta: the Envoy unsubscribes from the route configuration it rejected', async () => {
    await serveListeners([FIRST, SECOND]);
    const c = delta();
    c.send({ node: { id: 'envoy-d', cluster: GATEWAY }, type_url: CLUSTER });
    const cds = await expectType(c, CLUSTER);
    c.send({ type_url: CLUSTER, response_nonce: cds.nonce });
    c.send({ type_url: CLUSTER_LOAD_ASSIGNMENT, resource_names_subscribe: [WEB] });
    const eds = await expectType(c, CLUSTER_LOAD_ASSIGNMENT);
    c.send({ type_url: CLUSTER_LOAD_ASSIGNMENT, response_nonce: eds.nonce });
    c.send({ type_url: LISTENER });
    const lds = await expectType(c, LISTENER);
    c.send({ type_url: LISTENER, response_nonce: lds.nonce });
    c.send({ type_url: ROUTE_CONFIGURATION, resource_names_subscribe: [L1] });
    const rds1 = await expectType(c, ROUTE_CONFIGURATION);
    c.send({ type_url: ROUTE_CONFIGURATION, response_nonce: rds1.nonce });
    await untilProgrammed('Programmed');

    c.send({ type_url: ROUTE_CONFIGURATION, resource_names_subscribe: [L2] });
    const rds2 = await expectType(c, ROUTE_CONFIGURATION);
    expect(rds2.resources.map((r) => r.name)).toEqual([L2]);
    c.send({
      type_url: ROUTE_CONFIGURATION,
      response_nonce: rds2.nonce,
      error_detail: { code: 13, message: `${L2}: rejected for the test` },
    });
    await untilProgrammed('Invalid');

    c.send({ type_url: ROUTE_CONFIGURATION, resource_names_unsubscribe: [L2] });
    expect(await c.quiet(300)).toBe(true);
    await untilProgrammed('Programmed');
  });
});

test('an Envoy that reconnects with the current configuration is sent nothing and is Programmed', async () => {
  await serveListeners([FIRST]);
  const first = sotw();
  const [cds, eds, lds, rds] = await sotwStart(first, 'envoy-1');
  await untilProgrammed('Programmed');
  first.close();
  await untilProgrammed('Pending'); // no Envoy connected
  // Past the pipeline's coalescing of proxy events (PROXY_STATUS_INTERVAL_MS), so that the
  // disconnection's report is not the one that happens to follow the reconnection.
  await new Promise((r) => setTimeout(r, 4 * PROXY_STATUS_INTERVAL_MS));

  // The same Envoy, reconnecting: every first request says which version it has.
  const again = sotw();
  again.send({ node: { id: 'envoy-1', cluster: GATEWAY }, type_url: CLUSTER, version_info: cds!.version_info });
  again.send({ type_url: CLUSTER_LOAD_ASSIGNMENT, version_info: eds!.version_info, resource_names: [WEB] });
  again.send({ type_url: LISTENER, version_info: lds!.version_info });
  again.send({ type_url: ROUTE_CONFIGURATION, version_info: rds!.version_info, resource_names: [L1] });
  expect(await again.quiet(300)).toBe(true);
  await untilProgrammed('Programmed');
});

describe.each([
  ['a lasting reason', 'listener rejected for the test', 'Invalid'],
  ['a transient reason (retried)', "cannot bind '127.0.0.1:1': Address already in use", 'Pending'],
])('an Envoy that disconnects while rejected for %s', (_label, message, reason) => {
  test('takes its NACK with it; the Gateway is Programmed by the Envoy that remains, and stays so', async () => {
    await serveListeners([FIRST]);
    const good = sotw();
    await sotwStart(good, 'envoy-good');
    await untilProgrammed('Programmed');

    const bad = sotw();
    bad.send({ node: { id: 'envoy-bad', cluster: GATEWAY }, type_url: CLUSTER });
    ack(bad, await expectType(bad, CLUSTER));
    bad.send({ type_url: CLUSTER_LOAD_ASSIGNMENT, resource_names: [WEB] });
    ack(bad, await expectType(bad, CLUSTER_LOAD_ASSIGNMENT), [WEB]);
    bad.send({ type_url: LISTENER });
    const lds = await expectType(bad, LISTENER);
    bad.send({ type_url: LISTENER, response_nonce: lds.nonce, error_detail: { code: 13, message } });
    const rejected = await untilProgrammed(reason);
    expect(rejected.message).toContain('envoy-bad');
    const since = reports.length - 1;

    bad.close();
    await untilProgrammed('Programmed');
    // Past several retry delays (50–100 ms) of the Envoy that is gone: nothing of it comes back.
    await new Promise((r) => setTimeout(r, 500));
    expect(dedupe(reports.slice(since))).toEqual([`False/${reason}`, 'True/Programmed']);
    expect(server.clients().map((c) => c.nodeId)).toEqual(['envoy-good']);
  });
});

function dedupe(items: string[]): string[] {
  return items.filter((item, i) => i === 0 || items[i - 1] !== item);
}

async function waitUntil(check: () => boolean, what: string, detail?: () => string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${detail ? `: ${detail()}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
