/**
 * Bounds per namespace, with xDS TLS and one certificate per Gateway as in a cluster: a tenant
 * gets one identity per Gateway it creates, so the per-identity bounds alone do not bound a
 * tenant (one identity at the default per-stream bounds held 526 MiB RSS, past the Deployment's
 * 512 Mi limit). The streams of all Gateways of one namespace share a bound on streams and on
 * subscribed names; reaching it refuses that namespace's streams only, and another namespace's
 * Gateway is still served.
 */
import * as grpc from '@grpc/grpc-js';
import { issueGatewayCertificate, issueXdsCertificates, type TlsBundle } from '../../src/infra/kubernetes/certs.js';
import { AdsServer } from '../../src/xds/server.js';
import { RecordingLogger } from '../support/recording-logger.js';
import { CLUSTER, CLUSTER_LOAD_ASSIGNMENT } from '../../src/proto/type-urls.js';
import { RawAdsClient, type SotwResponse } from '../support/ads-client.js';
import { freePort } from '../support/envoy-ads.js';
import { gatewayXds } from '../support/xds-fixtures.js';

const SERVER_NAME = 'portico-xds';
const TENANT_1 = 'tenant/gw-1';
const TENANT_2 = 'tenant/gw-2';
const VICTIM = 'other/victim';

let server: AdsServer;
let port: number;
let caCert: string;
const bundles = new Map<string, TlsBundle>();
const open: { close(): void }[] = [];
const logger = new RecordingLogger();

beforeAll(async () => {
  const issued = await issueXdsCertificates({ dnsNames: [SERVER_NAME] });
  caCert = issued.ca['tls.crt'];
  const ca = { cert: issued.ca['tls.crt'], key: issued.ca['tls.key'] };
  for (const gateway of [TENANT_1, TENANT_2, VICTIM]) bundles.set(gateway, await issueGatewayCertificate(ca, gateway));
  server = new AdsServer({
    port: 0,
    logger,
    credentials: grpc.ServerCredentials.createSsl(
      Buffer.from(caCert),
      [{ cert_chain: Buffer.from(issued.server['tls.crt']), private_key: Buffer.from(issued.server['tls.key']) }],
      true,
    ),
    requirePeerIdentity: true,
    limits: {
      maxStreamsPerIdentity: 2,
      maxNamesPerSubscription: 100,
      maxNamesPerStream: 200,
      maxStreamsPerNamespace: 3,
      maxNamesPerNamespace: 150,
    },
  });
  port = await server.start();
  const xds = gatewayXds(await freePort(), [{ path: '/', service: 'web', backendPort: 9 }]);
  for (const gateway of [TENANT_1, TENANT_2, VICTIM]) server.publish(gateway, xds);
}, 60_000);

afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

afterAll(async () => {
  await server?.stop(500);
  server?.dispose();
});

/** A SotW stream holding `gateway`'s certificate, served (its first CDS response received). */
async function served(gateway: string, id: string): Promise<RawAdsClient<SotwResponse>> {
  const bundle = bundles.get(gateway)!;
  const c = RawAdsClient.sotw(
    port,
    grpc.credentials.createSsl(Buffer.from(caCert), Buffer.from(bundle['tls.key']), Buffer.from(bundle['tls.crt'])),
    { 'grpc.ssl_target_name_override': SERVER_NAME, 'grpc.default_authority': SERVER_NAME },
  );
  open.push(c);
  c.send({ node: { id, cluster: gateway }, type_url: CLUSTER });
  expect((await c.next()).type_url).toBe(CLUSTER);
  return c;
}

const names = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}/cluster-${i}/80`);

/** The fixture's one EDS name: a subscription holding it is answered. */
const REAL_EDS_NAME = 'default/web/80';

/** Subscribes `n` EDS names (made up but one), and waits for the answer: the stream is still served. */
async function subscribeAndStillServed(c: RawAdsClient<SotwResponse>, n: number, prefix: string): Promise<void> {
  c.send({ type_url: CLUSTER_LOAD_ASSIGNMENT, resource_names: [...names(n - 1, prefix), REAL_EDS_NAME] });
  for (;;) if ((await c.next()).type_url === CLUSTER_LOAD_ASSIGNMENT) return;
}

test("the names of all Gateways of a namespace are bounded together; another namespace's Gateway is still served", async () => {
  const first = await served(TENANT_1, 'tenant-1');
  await subscribeAndStillServed(first, 100, 'one');
  // Within every per-stream bound, but past the namespace's: refused.
  const second = await served(TENANT_2, 'tenant-2');
  second.send({ type_url: CLUSTER_LOAD_ASSIGNMENT, resource_names: names(60, 'two') });
  const refused = await second.status;
  expect(refused.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  expect(refused.details).toContain('--xds-max-names-per-namespace');
  expect(refused.details).toContain('namespace tenant');

  // The other namespace has its own bound.
  const victim = await served(VICTIM, 'victim');
  await subscribeAndStillServed(victim, 100, 'victim');

  // A closed stream gives its names back to its namespace.
  first.close();
  await first.status;
  let again = false;
  for (let i = 0; i < 50 && !again; i++) {
    const next = await served(TENANT_2, `tenant-2-again-${i}`);
    again = await Promise.race([
      subscribeAndStillServed(next, 60, 'two').then(
        () => true,
        () => false,
      ),
      next.status.then(() => false),
    ]);
  }
  expect(again).toBe(true);
  expect(server.metrics.metrics().deniedStreams.too_many_names_in_namespace).toBeGreaterThanOrEqual(1);
}, 60_000);

test("a request past its namespace's names bound is refused before its names are decoded", async () => {
  for (let i = 0; i < 100 && server.clients().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
  const first = await served(TENANT_1, 'decoded-1');
  const before = server.sotwDecoder.namesDecoded;
  await subscribeAndStillServed(first, 100, 'decoded-one');
  // The admitted subscription was decoded.
  expect(server.sotwDecoder.namesDecoded).toBe(before + 1);
  const second = await served(TENANT_2, 'decoded-2');
  second.send({ type_url: CLUSTER_LOAD_ASSIGNMENT, resource_names: names(60, 'decoded-two') });
  const refused = await second.status;
  expect(refused.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  expect(refused.details).toContain('--xds-max-names-per-namespace');
  // The refused one was not: a flood of refused requests costs their bytes, not their strings.
  expect(server.sotwDecoder.namesDecoded).toBe(before + 1);
}, 60_000);

test("the streams of all Gateways of a namespace are bounded together; another namespace's Gateway is still served", async () => {
  // Wait until the previous test's streams are gone from the server.
  for (let i = 0; i < 100 && server.clients().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
  await served(TENANT_1, 'a');
  await served(TENANT_1, 'b');
  await served(TENANT_2, 'c');
  const bundle = bundles.get(TENANT_2)!;
  const fourth = RawAdsClient.sotw(
    port,
    grpc.credentials.createSsl(Buffer.from(caCert), Buffer.from(bundle['tls.key']), Buffer.from(bundle['tls.crt'])),
    { 'grpc.ssl_target_name_override': SERVER_NAME, 'grpc.default_authority': SERVER_NAME },
  );
  open.push(fourth);
  fourth.send({ node: { id: 'd', cluster: TENANT_2 }, type_url: CLUSTER });
  const refused = await fourth.status;
  expect(refused.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  expect(refused.details).toContain('--xds-max-streams-per-namespace');
  expect(fourth.received).toHaveLength(0);
  await served(VICTIM, 'victim-1');
  await served(VICTIM, 'victim-2');
  expect(server.metrics.metrics().deniedStreams.too_many_streams_in_namespace).toBe(1);
}, 60_000);

test('a client that varies the Gateway it claims is refused each time and logged once', async () => {
  const bundle = bundles.get(TENANT_1)!;
  const before = logger.lines.filter((l) => l.fields.reason === 'gateway_mismatch').length;
  for (let i = 0; i < 20; i++) {
    const c = RawAdsClient.sotw(
      port,
      grpc.credentials.createSsl(Buffer.from(caCert), Buffer.from(bundle['tls.key']), Buffer.from(bundle['tls.crt'])),
      { 'grpc.ssl_target_name_override': SERVER_NAME, 'grpc.default_authority': SERVER_NAME },
    );
    open.push(c);
    c.send({ node: { id: `liar-${i}`, cluster: `other/made-up-${i}` }, type_url: CLUSTER });
    expect((await c.status).code).toBe(grpc.status.PERMISSION_DENIED);
  }
  expect(server.metrics.metrics().deniedStreams.gateway_mismatch).toBe(20);
  expect(logger.lines.filter((l) => l.fields.reason === 'gateway_mismatch').length - before).toBe(1);
}, 60_000);
