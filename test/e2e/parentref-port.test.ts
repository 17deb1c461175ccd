/**
 * ParentReference.port through a real Envoy (HTTPRouteParentRefPort, HTTPRouteDestinationPortMatching):
 * a parentRef port selects the listeners on that port; a port no listener uses is
 * Accepted=False/NoMatchingParent with ResolvedRefs=True, attaches to nothing (attachedRoutes 0,
 * as the conformance test HTTPRouteInvalidParentRefNotMatchingListenerPort checks), and serves no
 * traffic on any port.
 */
import { startBackend, type Backend, type EchoReply } from '../support/backends.js';
import { request } from '../support/http-client.js';
import { freePort } from '../support/envoy-ads.js';
import type { Condition } from '../support/debug-status.js';
import { gateway, gatewayClass, httpRoute, serviceFor } from '../support/manifests.js';
import { PorticoE2E, waitFor } from '../support/portico-e2e.js';

let e2e: PorticoE2E;
let mainPort: number;
let otherPort: number;
let unusedPort: number;
const backends: Backend[] = [];

interface StatusView {
  kind: string;
  metadata: { name: string };
  status?: {
    parents?: { parentRef: { name: string; port?: number }; conditions: Condition[] }[];
    listeners?: { name: string; attachedRoutes: number }[];
  };
}

async function resources(): Promise<StatusView[]> {
  return (JSON.parse((await request(e2e.debugPort(), '/debug/status')).body) as { resources: StatusView[] }).resources;
}

async function routeConditions(name: string): Promise<Condition[]> {
  const route = (await resources()).find((r) => r.kind === 'HTTPRoute' && r.metadata.name === name);
  return route?.status?.parents?.[0]?.conditions ?? [];
}

async function backendOf(port: number, path: string): Promise<string> {
  const res = await request(port, path, { host: 'ports.example.com' });
  return res.status === 200 ? (JSON.parse(res.body) as EchoReply).backend : `status ${res.status}`;
}

const route = (name: string, port: number, path: string, backend: string) =>
  httpRoute(name, {
    parentRefs: [{ name: 'gw', port }],
    rules: [{ matches: [{ path: { type: 'PathPrefix', value: path } }], backendRefs: [{ name: backend, port: 80 }] }],
  });

beforeAll(async () => {
  for (const name of ['main', 'other']) backends.push(await startBackend(name));
  [mainPort, otherPort, unusedPort] = [await freePort(), await freePort(), await freePort()];
  e2e = await PorticoE2E.start('default/gw');
  e2e.write('all.yaml', [
    gatewayClass(),
    gateway('gw', [
      { name: 'main', protocol: 'HTTP', port: mainPort },
      { name: 'other', protocol: 'HTTP', port: otherPort },
    ]),
    ...backends.flatMap((b) => serviceFor(b.name, b.port)),
    route('on-main', mainPort, '/main', 'main'),
    route('on-other', otherPort, '/other', 'other'),
    // The conformance case: a port no listener of the Gateway uses.
    route('no-such-port', unusedPort, '/', 'main'),
  ]);
  await waitFor(async () => (await backendOf(otherPort, '/other')) === 'other', {
    timeoutMs: 30_000,
    what: 'Envoy to serve both ports',
  });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  await Promise.all(backends.map((b) => b.close()));
});

test('Envoy accepted everything (no update rejected)', async () => {
  expect(await e2e.rejectedUpdates()).toBe(0);
});

test("a parentRef port reaches only that port's listeners", async () => {
  expect(await backendOf(mainPort, '/main')).toBe('main');
  expect(await backendOf(otherPort, '/main')).toBe('status 404');
  expect(await backendOf(otherPort, '/other')).toBe('other');
  expect(await backendOf(mainPort, '/other')).toBe('status 404');
});

describe('a parentRef port no listener uses', () => {
  test('is Accepted=False/NoMatchingParent with its references resolved', async () => {
    const conditions = await routeConditions('no-such-port');
    expect(conditions.find((c) => c.type === 'Accepted')).toMatchObject({
      status: 'False',
      reason: 'NoMatchingParent',
    });
    expect(conditions.find((c) => c.type === 'ResolvedRefs')).toMatchObject({ status: 'True' });
  });
  test('attaches to no listener', async () => {
    const gw = (await resources()).find((r) => r.kind === 'Gateway' && r.metadata.name === 'gw');
    expect(gw?.status?.listeners?.map((l) => [l.name, l.attachedRoutes])).toEqual([
      ['main', 1],
      ['other', 1],
    ]);
  });
  test('serves no traffic on any port', async () => {
    // Its rule matches every path: anything but /main and /other would reach it if it were placed.
    expect(await backendOf(mainPort, '/anything')).toBe('status 404');
    expect(await backendOf(otherPort, '/anything')).toBe('status 404');
  });
});
