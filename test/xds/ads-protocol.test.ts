/**
 * Protocol-level behaviour of the ADS server, driven by a raw gRPC client whose messages are
 * (de)serialized by @grpc/proto-loader — an implementation independent of Portico's wire encoder.
 */
import type { ProxyEvent } from '../../src/xds/contract.js';
import { AdsServer } from '../../src/xds/server.js';
import { silentLogger } from '../../src/shared/logger.js';
import { CLUSTER, CLUSTER_LOAD_ASSIGNMENT, LISTENER, ROUTE_CONFIGURATION } from '../../src/proto/type-urls.js';
import type { XdsResources } from '../../src/translate/xds/types.js';
import { RawAdsClient, decodeAny, sotwNames, type DeltaResponse, type SotwResponse } from '../support/ads-client.js';
import { GATEWAY, gatewayXds } from '../support/xds-fixtures.js';

const NODE = { id: 'node-1', cluster: GATEWAY };
const LISTEN = 18081;
const ONE = [{ path: '/', service: 'web', backendPort: 10001 }];
const MOVED = [{ path: '/', service: 'web2', backendPort: 10002 }];
const TWO = [
  { path: '/v2', service: 'web2', backendPort: 10002 },
  { path: '/', service: 'web', backendPort: 10001 },
];
const LISTENER_NAME = `default/public/http-${LISTEN}`;
const WEB = 'default/web/80';
const WEB2 = 'default/web2/80';

let server: AdsServer;
let port: number;
const clients: { close(): void }[] = [];

beforeEach(async () => {
  server = new AdsServer({ port: 0, logger: silentLogger, clusterWarmTimeoutMs: 2000 });
  port = await server.start();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server.stop(500);
  server.dispose();
});

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

function xds(routes = ONE): XdsResources {
  return gatewayXds(LISTEN, routes);
}

/** ACK a SotW response, re-stating the subscription. */
function ack(c: RawAdsClient<SotwResponse>, r: SotwResponse, names: string[] = []): void {
  c.send({ type_url: r.type_url, version_info: r.version_info, response_nonce: r.nonce, resource_names: names });
}

async function expectType<R extends SotwResponse | DeltaResponse>(c: RawAdsClient<R>, typeUrl: string): Promise<R> {
  const r = await c.next(3000);
  expect(r.type_url).toBe(typeUrl);
  return r;
}

/** Envoy's initial SotW exchange: CDS, EDS, LDS, RDS, each ACKed. */
interface Handshake {
  cds: SotwResponse;
  eds: SotwResponse;
  lds: SotwResponse;
  rds: SotwResponse;
}

async function sotwHandshake(c: RawAdsClient<SotwResponse>, edsNames = [WEB]): Promise<Handshake> {
  c.send({ node: NODE, type_url: CLUSTER });
  const cds = await expectType(c, CLUSTER);
  ack(c, cds);
  c.send({ type_url: CLUSTER_LOAD_ASSIGNMENT, resource_names: edsNames });
  const eds = await expectType(c, CLUSTER_LOAD_ASSIGNMENT);
  ack(c, eds, edsNames);
  c.send({ type_url: LISTENER });
  const lds = await expectType(c, LISTENER);
  ack(c, lds);
  c.send({ type_url: ROUTE_CONFIGURATION, resource_names: [LISTENER_NAME] });
  const rds = await expectType(c, ROUTE_CONFIGURATION);
  ack(c, rds, [LISTENER_NAME]);
  return { cds, eds, lds, rds };
}

describe('stream identity', () => {
  test.each([
    ['no node', {}],
    ['no node.cluster', { node: { id: 'x' } }],
    ['no node.id', { node: { cluster: GATEWAY } }],
  ])('SotW stream with %s is refused with INVALID_ARGUMENT', async (_label, extra) => {
    const c = sotw();
    c.send({ type_url: CLUSTER, ...extra });
    const status = await c.status;
    expect(status.code).toBe(3);
    expect(status.details).toContain('node.id');
    expect(status.details).toContain('node.cluster');
    expect(server.metrics.metrics().rejectedStreams).toBe(1);
  });

  test('delta stream without node is refused; a node.cluster that is not <namespace>/<name> too', async () => {
    const c = delta();
    c.send({ type_url: CLUSTER });
    expect((await c.status).code).toBe(3);
    const d = delta();
    d.send({ type_url: CLUSTER, node: { id: 'x', cluster: 'public' } });
    const status = await d.status;
    expect(status.code).toBe(3);
    expect(status.details).toContain('<namespace>/<gateway-name>');
  });

  test('a Gateway without a snapshot waits, then is served when one is published', async () => {
    const c = sotw();
    c.send({ node: NODE, type_url: CLUSTER });
    expect(await c.quiet(300)).toBe(true);
    expect(server.programmed(GATEWAY).state).toBe('pending');
    server.publish(GATEWAY, xds());
    const r = await expectType(c, CLUSTER);
    expect(sotwNames(r)).toEqual([WEB]);
    expect(r.control_plane?.identifier).toBe('portico');
  });
});

describe('state of the world', () => {
  test('initial order, ACK bookkeeping and Programmed', async () => {
    server.publish(GATEWAY, xds());
    const events: ProxyEvent[] = [];
    server.events$.subscribe((e) => events.push(e));
    const c = sotw();
    const { cds, eds, lds, rds } = await sotwHandshake(c);
    expect(sotwNames(cds)).toEqual([WEB]);
    expect(sotwNames(eds)).toEqual([WEB]);
    expect(sotwNames(lds)).toEqual([LISTENER_NAME]);
    expect(sotwNames(rds)).toEqual([LISTENER_NAME]);
    await waitUntil(() => server.programmed(GATEWAY).state === 'programmed');
    expect(events.filter((e) => e.kind === 'ack').map((e) => (e as { typeUrl: string }).typeUrl)).toEqual([
      CLUSTER,
      CLUSTER_LOAD_ASSIGNMENT,
      LISTENER,
      ROUTE_CONFIGURATION,
    ]);
    const info = server.clients()[0];
    expect(info?.types.map((t) => t.ackedVersion)).toEqual([cds, eds, lds, rds].map((r) => r.version_info));
  });

  test('listeners wait until clusters are warm (CDS and EDS ACKed)', async () => {
    server.publish(GATEWAY, xds());
    const c = sotw();
    c.send({ node: NODE, type_url: CLUSTER });
    c.send({ type_url: LISTENER });
    const cds = await expectType(c, CLUSTER);
    expect(await c.quiet(200)).toBe(true); // no LDS before CDS is ACKed
    ack(c, cds);
    expect(await c.quiet(200)).toBe(true); // nor before the EDS ACK
    c.send({ type_url: CLUSTER_LOAD_ASSIGNMENT, resource_names: [WEB] });
    const eds = await expectType(c, CLUSTER_LOAD_ASSIGNMENT);
    expect(await c.quiet(200)).toBe(true);
    ack(c, eds, [WEB]);
    await expectType(c, LISTENER);
  });

  test('make-before-break: new cluster first, old one removed only after the route ACK', async () => {
    server.publish(GATEWAY, xds());
    const c = sotw();
    await sotwHandshake(c);
    server.publish(GATEWAY, xds(MOVED));
    const cds = await expectType(c, CLUSTER);
    expect(sotwNames(cds).sort()).toEqual([WEB, WEB2]); // old one kept
    ack(c, cds);
    expect(await c.quiet(200)).toBe(true); // routes wait for the new cluster's endpoints
    c.send({ type_url: CLUSTER_LOAD_ASSIGNMENT, resource_names: [WEB, WEB2], response_nonce: cds.nonce });
    // The stale-nonce rule: the EDS request carries the CDS nonce, not an EDS one; it is ignored…
    expect(await c.quiet(200)).toBe(true);
    // …until sent the way Envoy does (with the last EDS nonce).
    const edsNonce = await lastNonce(CLUSTER_LOAD_ASSIGNMENT, c);
    c.send({ type_url: CLUSTER_LOAD_ASSIGNMENT, resource_names: [WEB, WEB2], response_nonce: edsNonce });
    const eds = await expectType(c, CLUSTER_LOAD_ASSIGNMENT);
    expect(sotwNames(eds)).toEqual([WEB2]); // Envoy has WEB's: EDS responses need not repeat it
    ack(c, eds, [WEB, WEB2]);
    const rds = await expectType(c, ROUTE_CONFIGURATION); // listener unchanged: not resent
    expect(JSON.stringify(decodeAny(rds.resources[0]!))).toContain(WEB2);
    expect(await c.quiet(200)).toBe(true); // clusters stay until the route ACK
    ack(c, rds, [LISTENER_NAME]);
    const removal = await expectType(c, CLUSTER);
    expect(sotwNames(removal)).toEqual([WEB2]);
    ack(c, removal);
    await waitUntil(() => server.programmed(GATEWAY).state === 'programmed');
  });

  test('a changed cluster is followed by its ClusterLoadAssignment, even if that did not change', async () => {
    server.publish(GATEWAY, xds());
    const c = sotw();
    const first = await sotwHandshake(c);
    const changed = xds();
    (changed.clusters[0] as Record<string, unknown>).connect_timeout = { seconds: 7 };
    server.publish(GATEWAY, changed);
    const cds = await expectType(c, CLUSTER);
    const eds = await expectType(c, CLUSTER_LOAD_ASSIGNMENT); // without a new EDS request
    expect(eds.version_info).toBe(first.eds.version_info); // same content
    expect(eds.nonce).not.toBe(first.eds.nonce);
    ack(c, cds);
    ack(c, eds, [WEB]);
    expect(await c.quiet(200)).toBe(true);
  });

  test('NACK: recorded per node and type, counted, never resent; a newer snapshot is sent', async () => {
    server.publish(GATEWAY, xds());
    const c = sotw();
    await sotwHandshake(c);
    const events: ProxyEvent[] = [];
    server.events$.subscribe((e) => events.push(e));
    server.publish(GATEWAY, xds(TWO));
    const cds = await expectType(c, CLUSTER);
    ack(c, cds);
    c.send({
      type_url: CLUSTER_LOAD_ASSIGNMENT,
      resource_names: [WEB, WEB2],
      response_nonce: await lastNonce(CLUSTER_LOAD_ASSIGNMENT, c),
    });
    const eds = await expectType(c, CLUSTER_LOAD_ASSIGNMENT);
    ack(c, eds, [WEB, WEB2]);
    const rds = await expectType(c, ROUTE_CONFIGURATION);
    const previousRds = server.clients()[0]?.types.find((t) => t.typeUrl === ROUTE_CONFIGURATION)?.ackedVersion;
    c.send({
      type_url: ROUTE_CONFIGURATION,
      version_info: previousRds,
      response_nonce: rds.nonce,
      resource_names: [LISTENER_NAME],
      error_detail: { code: 13, message: 'route rejected for the test' },
    });
    await waitUntil(() => events.some((e) => e.kind === 'nack'));
    const info = server.clients()[0]?.types.find((t) => t.typeUrl === ROUTE_CONFIGURATION);
    expect(info?.lastNack).toMatchObject({ version: rds.version_info, message: 'route rejected for the test' });
    expect(info?.nacks).toBe(1);
    expect(info?.ackedVersion).toBe(previousRds);
    expect(server.metrics.metrics().nacks[ROUTE_CONFIGURATION]).toBe(1);
    expect(server.programmed(GATEWAY)).toEqual({
      state: 'rejected',
      message: expect.stringContaining('route rejected for the test') as unknown as string,
    });
    // Envoy re-requests with the NACKed nonce: nothing is resent; the same content republished neither.
    c.send({
      type_url: ROUTE_CONFIGURATION,
      version_info: previousRds,
      response_nonce: rds.nonce,
      resource_names: [LISTENER_NAME],
    });
    server.publish(GATEWAY, xds(TWO));
    expect(await c.quiet(300)).toBe(true);
    // The old clusters stay: routes did not settle.
    expect(server.clients()[0]?.types.find((t) => t.typeUrl === CLUSTER)?.pending).toBe(false);
    // A newer snapshot is sent.
    server.publish(GATEWAY, xds(ONE));
    const next = await c.next(3000);
    expect([CLUSTER, ROUTE_CONFIGURATION]).toContain(next.type_url);
  });

  test('a name subscribed before it exists is sent when it appears', async () => {
    server.publish(GATEWAY, xds());
    const c = sotw();
    await sotwHandshake(c, [WEB, WEB2]); // WEB2 does not exist yet
    server.publish(GATEWAY, xds(TWO));
    const cds = await expectType(c, CLUSTER);
    const eds = await expectType(c, CLUSTER_LOAD_ASSIGNMENT);
    expect(sotwNames(eds)).toEqual([WEB2]);
    ack(c, cds);
    ack(c, eds, [WEB, WEB2]);
  });

  test('an endpoint change sends only that ClusterLoadAssignment, under the version of the whole set', async () => {
    server.publish(GATEWAY, xds(TWO));
    const c = sotw();
    await sotwHandshake(c, [WEB, WEB2]);
    const changed = xds(TWO);
    const cla = changed.endpoints.find((e) => e.cluster_name === WEB2) as { endpoints: { lb_endpoints: unknown[] }[] };
    cla.endpoints[0]!.lb_endpoints.push({
      endpoint: { address: { socket_address: { address: '127.0.0.2', port_value: 10002 } } },
    });
    server.publish(GATEWAY, changed);
    const eds = await expectType(c, CLUSTER_LOAD_ASSIGNMENT);
    expect(sotwNames(eds)).toEqual([WEB2]);
    ack(c, eds, [WEB, WEB2]);
    await waitUntil(() => server.programmed(GATEWAY).state === 'programmed');
    // version_info is the whole set's: a new Envoy sent both assignments gets the same one.
    const fresh = sotw();
    const all = await sotwHandshake(fresh, [WEB, WEB2]);
    expect(sotwNames(all.eds).sort()).toEqual([WEB, WEB2]);
    expect(all.eds.version_info).toBe(eds.version_info);
  });

  test('an unchanged translation is not resent; a type whose resources did not change is not resent', async () => {
    server.publish(GATEWAY, xds());
    const c = sotw();
    await sotwHandshake(c);
    server.publish(GATEWAY, xds()); // built anew, same content
    expect(await c.quiet(300)).toBe(true);
    const moved = xds();
    const cla = moved.endpoints[0] as { endpoints: { lb_endpoints: unknown[] }[] };
    cla.endpoints[0]!.lb_endpoints.push({
      endpoint: { address: { socket_address: { address: '127.0.0.2', port_value: 10001 } } },
    });
    server.publish(GATEWAY, moved);
    const eds = await expectType(c, CLUSTER_LOAD_ASSIGNMENT); // only endpoints
    ack(c, eds, [WEB]);
    expect(await c.quiet(300)).toBe(true);
  });

  test('a reconnecting Envoy that already has the current versions is sent nothing', async () => {
    server.publish(GATEWAY, xds());
    const first = sotw();
    const had = await sotwHandshake(first);
    first.close();
    const c = sotw();
    c.send({ node: NODE, type_url: CLUSTER, version_info: had.cds.version_info });
    c.send({ type_url: CLUSTER_LOAD_ASSIGNMENT, version_info: had.eds.version_info, resource_names: [WEB] });
    c.send({ type_url: LISTENER, version_info: had.lds.version_info });
    c.send({ type_url: ROUTE_CONFIGURATION, version_info: had.rds.version_info, resource_names: [LISTENER_NAME] });
    expect(await c.quiet(400)).toBe(true);
    await waitUntil(() => server.programmed(GATEWAY).state === 'programmed');
  });
});

describe('delta', () => {
  async function deltaHandshake(c: RawAdsClient<DeltaResponse>): Promise<DeltaResponse[]> {
    const out: DeltaResponse[] = [];
    c.send({ node: NODE, type_url: CLUSTER });
    out.push(await expectType(c, CLUSTER));
    c.send({ type_url: CLUSTER, response_nonce: out[0]!.nonce });
    c.send({ type_url: CLUSTER_LOAD_ASSIGNMENT, resource_names_subscribe: [WEB] });
    out.push(await expectType(c, CLUSTER_LOAD_ASSIGNMENT));
    c.send({ type_url: CLUSTER_LOAD_ASSIGNMENT, response_nonce: out[1]!.nonce });
    c.send({ type_url: LISTENER });
    out.push(await expectType(c, LISTENER));
    c.send({ type_url: LISTENER, response_nonce: out[2]!.nonce });
    c.send({ type_url: ROUTE_CONFIGURATION, resource_names_subscribe: [LISTENER_NAME] });
    out.push(await expectType(c, ROUTE_CONFIGURATION));
    c.send({ type_url: ROUTE_CONFIGURATION, response_nonce: out[3]!.nonce });
    return out;
  }

  const names = (r: DeltaResponse): string[] => r.resources.map((x) => x.name).sort();

  test('initial exchange carries names and content versions; Programmed after the ACKs', async () => {
    server.publish(GATEWAY, xds());
    const c = delta();
    const [cds, eds, lds, rds] = await deltaHandshake(c);
    expect(names(cds!)).toEqual([WEB]);
    expect(names(eds!)).toEqual([WEB]);
    expect(names(lds!)).toEqual([LISTENER_NAME]);
    expect(names(rds!)).toEqual([LISTENER_NAME]);
    const dump = server.dump(GATEWAY, 'clusters');
    expect(cds!.resources[0]!.version).toBe(dump?.resources.clusters?.[0]?.version);
    expect(cds!.system_version_info).toBe(dump?.version);
    await waitUntil(() => server.programmed(GATEWAY).state === 'programmed');
  });

  test('sends only what changed, and removes the old cluster after the route ACK', async () => {
    server.publish(GATEWAY, xds());
    const c = delta();
    await deltaHandshake(c);
    server.publish(GATEWAY, xds(MOVED));
    const cds = await expectType(c, CLUSTER);
    expect(names(cds)).toEqual([WEB2]);
    expect(cds.removed_resources).toEqual([]);
    c.send({ type_url: CLUSTER, response_nonce: cds.nonce });
    c.send({ type_url: CLUSTER_LOAD_ASSIGNMENT, resource_names_subscribe: [WEB2] });
    const eds = await expectType(c, CLUSTER_LOAD_ASSIGNMENT);
    expect(names(eds)).toEqual([WEB2]);
    expect(await c.quiet(200)).toBe(true); // routes wait for the EDS ACK
    c.send({ type_url: CLUSTER_LOAD_ASSIGNMENT, response_nonce: eds.nonce });
    const rds = await expectType(c, ROUTE_CONFIGURATION);
    expect(names(rds)).toEqual([LISTENER_NAME]);
    expect(await c.quiet(200)).toBe(true);
    c.send({ type_url: ROUTE_CONFIGURATION, response_nonce: rds.nonce });
    const removal = await expectType(c, CLUSTER);
    expect(removal.resources).toEqual([]);
    expect(removal.removed_resources).toEqual([WEB]);
    c.send({ type_url: CLUSTER, response_nonce: removal.nonce });
    c.send({ type_url: CLUSTER_LOAD_ASSIGNMENT, resource_names_unsubscribe: [WEB] });
    await waitUntil(() => server.programmed(GATEWAY).state === 'programmed');
    server.publish(GATEWAY, xds(MOVED)); // unchanged
    expect(await c.quiet(300)).toBe(true);
  });

  test('a changed cluster is followed by its ClusterLoadAssignment', async () => {
    server.publish(GATEWAY, xds());
    const c = delta();
    const [, eds0] = await deltaHandshake(c);
    const changed = xds();
    (changed.clusters[0] as Record<string, unknown>).connect_timeout = { seconds: 7 };
    server.publish(GATEWAY, changed);
    const cds = await expectType(c, CLUSTER);
    const eds = await expectType(c, CLUSTER_LOAD_ASSIGNMENT);
    expect(names(cds)).toEqual([WEB]);
    expect(eds.resources.map((r) => [r.name, r.version])).toEqual(eds0!.resources.map((r) => [r.name, r.version]));
  });

  test('NACK is recorded and the NACKed versions are not resent', async () => {
    server.publish(GATEWAY, xds());
    const c = delta();
    await deltaHandshake(c);
    server.publish(GATEWAY, xds(TWO));
    const cds = await expectType(c, CLUSTER);
    c.send({ type_url: CLUSTER, response_nonce: cds.nonce, error_detail: { code: 3, message: 'bad cluster' } });
    await waitUntil(() => server.clients()[0]?.types.find((t) => t.typeUrl === CLUSTER)?.nacks === 1);
    expect(server.programmed(GATEWAY).state).toBe('rejected');
    c.send({ type_url: CLUSTER, response_nonce: cds.nonce });
    // The clusters are not sent again. The routes are: the refused cluster never becomes warm
    // (Envoy refused the whole response: its message names no cluster), so nothing waits for it,
    // and Envoy answers 503 for the route to it instead of keeping every route as it was.
    const rds = await expectType(c, ROUTE_CONFIGURATION);
    expect(JSON.stringify(decodeAny(rds.resources[0]!.resource!))).toContain(WEB2);
    c.send({ type_url: ROUTE_CONFIGURATION, response_nonce: rds.nonce });
    expect(await c.quiet(300)).toBe(true);
    server.publish(GATEWAY, xds(ONE));
    // The routes moved to the refused cluster, so it is removed once the routes that dropped it
    // are ACKed (make-before-break, as for any cluster).
    const back = await expectType(c, ROUTE_CONFIGURATION);
    c.send({ type_url: ROUTE_CONFIGURATION, response_nonce: back.nonce });
    const next = await expectType(c, CLUSTER);
    expect(next.resources).toEqual([]);
    expect(next.removed_resources).toEqual([WEB2]);
  });

  test('a reconnecting Envoy announcing its versions gets only what differs; unknown clusters wait for routes', async () => {
    server.publish(GATEWAY, xds());
    const first = delta();
    const [cds, eds, lds, rds] = await deltaHandshake(first);
    first.close();
    const versions = (r: DeltaResponse): Record<string, string> =>
      Object.fromEntries(r.resources.map((x) => [x.name, x.version]));
    server.publish(GATEWAY, xds(MOVED)); // the control plane's view moved on while Envoy was away
    const c = delta();
    c.send({ node: NODE, type_url: CLUSTER, initial_resource_versions: versions(cds!) });
    const cds2 = await expectType(c, CLUSTER);
    expect(names(cds2)).toEqual([WEB2]);
    expect(cds2.removed_resources).toEqual([]); // WEB is still in use by Envoy's routes
    c.send({ type_url: CLUSTER, response_nonce: cds2.nonce });
    c.send({
      type_url: CLUSTER_LOAD_ASSIGNMENT,
      resource_names_subscribe: [WEB, WEB2],
      initial_resource_versions: versions(eds!),
    });
    const eds2 = await expectType(c, CLUSTER_LOAD_ASSIGNMENT);
    expect(names(eds2)).toEqual([WEB2]);
    c.send({ type_url: CLUSTER_LOAD_ASSIGNMENT, response_nonce: eds2.nonce });
    c.send({ type_url: LISTENER, initial_resource_versions: versions(lds!) });
    c.send({
      type_url: ROUTE_CONFIGURATION,
      resource_names_subscribe: [LISTENER_NAME],
      initial_resource_versions: versions(rds!),
    });
    const rds2 = await expectType(c, ROUTE_CONFIGURATION); // the listener is unchanged: not sent
    c.send({ type_url: ROUTE_CONFIGURATION, response_nonce: rds2.nonce });
    const removal = await expectType(c, CLUSTER);
    expect(removal.removed_resources).toEqual([WEB]);
  });
});

describe('a Gateway without clusters', () => {
  /** The fixture with its route turned into a redirect: a listener and routes, no cluster. */
  function redirectOnly(): XdsResources {
    const out = structuredClone(xds());
    const route = (out.routes[0] as { virtual_hosts: { routes: Record<string, unknown>[] }[] }).virtual_hosts[0]!
      .routes[0]!;
    delete route.route;
    route.redirect = { https_redirect: true };
    return { ...out, clusters: [], endpoints: [] };
  }

  test('state of the world: the Cluster subscription is answered with an empty response, then listeners follow', async () => {
    server.publish(GATEWAY, redirectOnly());
    const c = sotw();
    c.send({ node: NODE, type_url: CLUSTER });
    const cds = await expectType(c, CLUSTER);
    expect(cds.resources).toEqual([]);
    ack(c, cds);
    c.send({ type_url: LISTENER });
    const lds = await expectType(c, LISTENER);
    expect(sotwNames(lds)).toEqual([LISTENER_NAME]);
    ack(c, lds);
    c.send({ type_url: ROUTE_CONFIGURATION, resource_names: [LISTENER_NAME] });
    ack(c, await expectType(c, ROUTE_CONFIGURATION), [LISTENER_NAME]);
    await waitUntil(() => server.programmed(GATEWAY).state === 'programmed');
    // Answered once: the empty type is not sent again.
    expect(await c.quiet(300)).toBe(true);
  });

  test('delta: the Cluster subscription is answered with an empty response; a reconnecting Envoy is not', async () => {
    server.publish(GATEWAY, redirectOnly());
    const c = delta();
    c.send({ node: NODE, type_url: CLUSTER });
    const cds = await expectType(c, CLUSTER);
    expect(cds.resources).toEqual([]);
    expect(cds.removed_resources).toEqual([]);
    c.send({ type_url: CLUSTER, response_nonce: cds.nonce });
    c.send({ type_url: LISTENER });
    const lds = await expectType(c, LISTENER);
    c.send({ type_url: LISTENER, response_nonce: lds.nonce });
    c.close();
    const again = delta();
    again.send({
      node: NODE,
      type_url: LISTENER,
      initial_resource_versions: Object.fromEntries(lds.resources.map((r) => [r.name, r.version])),
    });
    again.send({ type_url: CLUSTER });
    expect(await again.quiet(300)).toBe(true);
  });
});

describe('Gateway removal', () => {
  test('proxies receive empty sets: listeners go first, clusters after the listener removal is ACKed', async () => {
    server.publish(GATEWAY, xds());
    const c = delta();
    c.send({ node: NODE, type_url: CLUSTER });
    const cds = await expectType(c, CLUSTER);
    c.send({ type_url: CLUSTER, response_nonce: cds.nonce });
    c.send({ type_url: CLUSTER_LOAD_ASSIGNMENT, resource_names_subscribe: [WEB] });
    const eds = await expectType(c, CLUSTER_LOAD_ASSIGNMENT);
    c.send({ type_url: CLUSTER_LOAD_ASSIGNMENT, response_nonce: eds.nonce });
    c.send({ type_url: LISTENER });
    const lds = await expectType(c, LISTENER);
    c.send({ type_url: LISTENER, response_nonce: lds.nonce });
    c.send({ type_url: ROUTE_CONFIGURATION, resource_names_subscribe: [LISTENER_NAME] });
    const rds = await expectType(c, ROUTE_CONFIGURATION);
    c.send({ type_url: ROUTE_CONFIGURATION, response_nonce: rds.nonce });
    await waitUntil(() => server.programmed(GATEWAY).state === 'programmed');

    server.remove(GATEWAY);
    expect(server.gateways()).toEqual([]);
    expect(server.dump(GATEWAY)).toBeUndefined();
    const ldsRemoval = await expectType(c, LISTENER);
    expect(ldsRemoval.removed_resources).toEqual([LISTENER_NAME]);
    expect(await c.quiet(200)).toBe(true);
    c.send({ type_url: LISTENER, response_nonce: ldsRemoval.nonce });
    c.send({ type_url: ROUTE_CONFIGURATION, resource_names_unsubscribe: [LISTENER_NAME] });
    const cdsRemoval = await expectType(c, CLUSTER);
    expect(cdsRemoval.removed_resources).toEqual([WEB]);
  });
});

describe('encoding', () => {
  test('each distinct resource is encoded once, whatever the number of Gateways and publishes', () => {
    const resources = xds(TWO);
    const before = server.cache.encoder.stats().encoded;
    server.publish('default/a', resources);
    const afterFirst = server.cache.encoder.stats().encoded;
    expect(afterFirst - before).toBe(6); // 2 clusters, 2 assignments, 1 listener, 1 route configuration
    server.publish('default/b', xds(TWO)); // equal content built anew
    server.publish('default/a', xds(TWO));
    expect(server.cache.encoder.stats().encoded).toBe(afterFirst);
    expect(server.gateways()).toEqual(['default/a', 'default/b']);
  });
});

async function waitUntil(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The nonce of the last response of a type the client received. */
async function lastNonce(typeUrl: string, c: RawAdsClient<SotwResponse>): Promise<string> {
  const last = [...c.received].reverse().find((r) => r.type_url === typeUrl);
  if (!last) throw new Error(`no ${typeUrl} response received`);
  return last.nonce;
}
