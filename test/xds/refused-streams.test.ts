/**
 * A replica that does not hold the leader Lease serves no xDS (`AdsServer.refuseStreams`): new
 * streams are refused with UNAVAILABLE and receive nothing, open ones are ended (their Envoy
 * reconnects through the xDS Service), their connections are closed so that a retry goes through
 * the Service again, and the server serves again once it may.
 */
import * as grpc from '@grpc/grpc-js';
import { AdsServer } from '../../src/xds/server.js';
import { silentLogger } from '../../src/shared/logger.js';
import { CLUSTER } from '../../src/proto/type-urls.js';
import { RawAdsClient, type SotwResponse } from '../support/ads-client.js';
import { freePort, waitFor } from '../support/envoy-ads.js';
import { GATEWAY, gatewayXds } from '../support/xds-fixtures.js';

let server: AdsServer;
let port: number;
const open: { close(): void }[] = [];
const NOT_LEADER = 'this Portico replica does not hold the leader Lease';

beforeAll(async () => {
  server = new AdsServer({ port: 0, logger: silentLogger });
  port = await server.start();
  server.publish(GATEWAY, gatewayXds(await freePort(), [{ path: '/', service: 'web', backendPort: 9 }]));
});

afterEach(() => {
  for (const c of open.splice(0)) c.close();
  server.refuseStreams(undefined);
});

afterAll(async () => {
  await server.stop(500);
  server.dispose();
});

function sotw(): RawAdsClient<SotwResponse> {
  const c = RawAdsClient.sotw(port);
  open.push(c);
  return c;
}

const node = (id: string) => ({ id, cluster: GATEWAY });

test('a new stream is refused with UNAVAILABLE and learns nothing while streams are refused', async () => {
  server.refuseStreams(NOT_LEADER);
  const c = sotw();
  c.send({ node: node('envoy-0'), type_url: CLUSTER });
  const status = await c.status;
  expect(status.code).toBe(grpc.status.UNAVAILABLE);
  expect(status.details).toContain(NOT_LEADER);
  expect(c.received).toHaveLength(0);
  expect(server.clients()).toHaveLength(0);
  // Its connection is closed too: retried on the same connection, the stream would reach the same
  // replica for ever; a new connection goes through the xDS Service again.
  await waitFor(async () => c.connectivity() !== grpc.connectivityState.READY, {
    timeoutMs: 5_000,
    what: 'the refused connection to close',
  });
});

test('open streams are ended when refusing starts, and streams are served again after it ends', async () => {
  const before = sotw();
  before.send({ node: node('envoy-1'), type_url: CLUSTER });
  expect((await before.next()).type_url).toBe(CLUSTER);
  expect(server.clients()).toHaveLength(1);

  server.refuseStreams(NOT_LEADER);
  const ended = await before.status;
  expect(ended.code).toBe(grpc.status.UNAVAILABLE);
  expect(server.clients()).toHaveLength(0);

  server.refuseStreams(undefined);
  const after = sotw();
  after.send({ node: node('envoy-2'), type_url: CLUSTER });
  expect((await after.next()).type_url).toBe(CLUSTER);
});
