/**
 * A configuration a real Envoy rejected heals once the input changes (state of the world and
 * delta): the Envoy converges to the new configuration whatever it rejected before, the resources
 * the rejected response carried that were fine included, and the NACK leaves the status once
 * Envoy ACKs. Section 3 of issue 11: a rejected response used to be remembered as sent, so a fix
 * that left some of its resources as they were sent nothing and the NACK stayed in the status.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProxyEvent } from '../../src/xds/contract.js';
import { buildResourceSet } from '../../src/resources/resource-set.js';
import type { KubeObject } from '../../src/resources/types.js';
import { translate } from '../../src/translate/index.js';
import { AdsServer } from '../../src/xds/server.js';
import { silentLogger } from '../../src/shared/logger.js';
import { ROUTE_CONFIGURATION, SECRET } from '../../src/proto/type-urls.js';
import type { XdsResources } from '../../src/translate/xds/types.js';
import { EnvoyAds, freePort, waitFor } from '../support/envoy-ads.js';
import * as fixtures from '../support/fixtures.js';
import { startBackend } from '../support/backends.js';
import { request } from '../support/http-client.js';
import { GATEWAY, gatewayXds, withInvalidRegexRoute, type FixtureRoute } from '../support/xds-fixtures.js';

const TIMEOUT = 90_000;

type Backend = Awaited<ReturnType<typeof startBackend>>;

describe.each([
  ['state of the world', 'GRPC'],
  ['delta', 'DELTA_GRPC'],
] as const)('after a NACK over %s ADS', (_label, apiType) => {
  let server: AdsServer;
  let envoy: EnvoyAds | undefined;
  let web: Backend;
  let web2: Backend;
  let first: number;
  let second: number;
  const nacks: Extract<ProxyEvent, { kind: 'nack' }>[] = [];

  const routes = (): FixtureRoute[] => [
    { path: '/new', service: 'web2', backendPort: web2.port },
    { path: '/', service: 'web', backendPort: web.port },
  ];
  /** A second listener whose route configuration Envoy rejects; the first listener's is fine. */
  const bad = (): XdsResources =>
    withInvalidRegexRoute(gatewayXds([first, second], routes()), `default/public/http-${second}`);
  /** The input without the second listener (a ListenerSet deleted, say). */
  const fixed = (): XdsResources => gatewayXds(first, routes());

  beforeAll(async () => {
    web = await startBackend('web');
    web2 = await startBackend('web2');
    first = await freePort();
    second = await freePort();
    server = new AdsServer({ port: 0, logger: silentLogger });
    server.events$.subscribe((e) => e.kind === 'nack' && nacks.push(e));
    const port = await server.start();
    // The Envoy starts on the bad configuration: the route configurations of both listeners are
    // asked for, and sent, together.
    server.publish(GATEWAY, bad());
    envoy = await EnvoyAds.start({ xdsPort: port, nodeId: `envoy-${apiType}`, nodeCluster: GATEWAY, apiType });
  }, TIMEOUT);

  afterAll(async () => {
    await envoy?.stop();
    await server?.stop(1000);
    server?.dispose();
    await web?.close();
    await web2?.close();
  }, TIMEOUT);

  /** GET through Envoy; the body reads `<backend> <path>` (from the echo backend's JSON reply). */
  const get = async (port: number, path: string): Promise<string> => {
    const res = await request(port, path);
    if (res.status !== 200) return `status ${res.status}`;
    const echo = JSON.parse(res.body) as { backend: string; path: string };
    return `${echo.backend} ${echo.path}`;
  };
  const routeConfig = (xds: XdsResources, port: number): unknown =>
    xds.routes.find((r) => (r as { name: string }).name === `default/public/http-${port}`);

  test(
    'a configuration rejected from the start converges once the input changes, its fine resources included',
    async () => {
      await waitFor(() => nacks.length > 0, { timeoutMs: 30_000, what: 'the NACK of the bad route configuration' });
      expect(nacks[0]?.typeUrl).toBe(ROUTE_CONFIGURATION);
      expect(server.programmed(GATEWAY).state).toBe('rejected');

      // The fix leaves the first listener's route configuration as the rejected response carried it.
      expect(routeConfig(fixed(), first)).toEqual(routeConfig(bad(), first));
      server.publish(GATEWAY, fixed());
      await waitFor(async () => (await get(first, '/new/a')) === 'web2 /new/a', {
        timeoutMs: 20_000,
        what: 'the first listener to serve its routes',
      });
      expect(await get(first, '/b')).toBe('web /b');
      await waitFor(() => server.programmed(GATEWAY).state === 'programmed', {
        timeoutMs: 20_000,
        what: `Programmed after the fix (${JSON.stringify(server.programmed(GATEWAY))})`,
      });
      // The second listener is gone.
      await waitFor(async () => (await request(second, '/').catch(() => undefined)) === undefined, {
        what: 'the second listener to be removed',
      });
    },
    TIMEOUT,
  );

  test(
    'going back to the configuration that was good before the NACK converges and clears the NACK',
    async () => {
      const before = nacks.length;
      server.publish(GATEWAY, bad());
      await waitFor(() => nacks.length > before, { timeoutMs: 20_000, what: 'the second NACK' });
      expect(server.programmed(GATEWAY).state).toBe('rejected');

      server.publish(GATEWAY, fixed());
      await waitFor(() => server.programmed(GATEWAY).state === 'programmed', {
        timeoutMs: 20_000,
        what: `Programmed after going back (${JSON.stringify(server.programmed(GATEWAY))})`,
      });
      expect(await get(first, '/new/c')).toBe('web2 /new/c');
      expect(await get(first, '/d')).toBe('web /d');
      // Each rejected configuration was sent once: one NACK each.
      expect(nacks).toHaveLength(before + 1);
    },
    TIMEOUT,
  );
});

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/tls/', import.meta.url));
const CERT = readFileSync(`${FIXTURES}example.crt`, 'utf8');
const KEY = readFileSync(`${FIXTURES}example.key`, 'utf8');

/** A self-signed certificate with a 1024-bit RSA key, which Envoy refuses. */
function weakCertificate(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'portico-weak-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:1024',
        '-nodes',
        '-days',
        '30',
        '-subj',
        '/CN=foo.example.com',
        '-keyout',
        join(dir, 'k.pem'),
        '-out',
        join(dir, 'c.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { cert: readFileSync(join(dir, 'c.pem'), 'utf8'), key: readFileSync(join(dir, 'k.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The case: a second HTTPS listener (a ListenerSet's, say) brings a certificate Envoy
 * refuses; it arrives in the same secrets response as the `www` listener's. Once it is gone, `www`
 * must be served: its certificate, carried by the rejected response, is sent again.
 */
describe.each([
  ['state of the world', 'GRPC'],
  ['delta', 'DELTA_GRPC'],
] as const)('after a NACKed certificate over %s ADS', (_label, apiType) => {
  let server: AdsServer;
  let envoy: EnvoyAds | undefined;
  let web: Backend;
  let www: number;
  let other: number;
  const nacks: Extract<ProxyEvent, { kind: 'nack' }>[] = [];

  const objects = (withOther: boolean): KubeObject[] => {
    const secret = (name: string) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: 'default' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': Buffer.from(CERT).toString('base64'), 'tls.key': Buffer.from(KEY).toString('base64') },
    });
    const listener = (name: string, port: number, hostname: string) =>
      fixtures.listener(name, port, { protocol: 'HTTPS', hostname, tls: { certificateRefs: [{ name }] } });
    return [
      fixtures.gatewayClass(),
      fixtures.gateway({
        name: 'public',
        generation: 1,
        listeners: [
          listener('www', www, 'www.example.com'),
          ...(withOther ? [listener('other', other, 'foo.example.com')] : []),
        ],
      }),
      secret('www'),
      ...(withOther ? [secret('other')] : []),
      fixtures.httpRoute({ name: 'web', generation: 1, parentRefs: [{ name: 'public' }] }),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: 'default' },
        spec: { ports: [{ name: 'http', port: 80, targetPort: web.port }] },
      },
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'web-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
        addressType: 'IPv4',
        ports: [{ name: 'http', port: web.port, protocol: 'TCP' }],
        endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
      },
    ] as unknown as KubeObject[];
  };
  const xdsOf = (withOther: boolean): XdsResources => {
    const gw = translate(buildResourceSet(objects(withOther)), { listenerAddress: '127.0.0.1' }).gateways[0]!;
    return gw.xds;
  };
  /** Both listeners, the second one's certificate replaced by one Envoy refuses. */
  const bad = (): XdsResources => {
    const xds = structuredClone(xdsOf(true));
    const weak = weakCertificate();
    const secret = xds.secrets.find((s) => (s as { name: string }).name === 'default/other') as {
      tls_certificate: { certificate_chain: { inline_string: string }; private_key: { inline_string: string } };
    };
    secret.tls_certificate.certificate_chain.inline_string = weak.cert;
    secret.tls_certificate.private_key.inline_string = weak.key;
    return xds;
  };

  beforeAll(async () => {
    web = await startBackend('web');
    www = await freePort();
    other = await freePort();
    server = new AdsServer({ port: 0, logger: silentLogger });
    server.events$.subscribe((e) => e.kind === 'nack' && nacks.push(e));
    const port = await server.start();
    server.publish(GATEWAY, bad());
    envoy = await EnvoyAds.start({ xdsPort: port, nodeId: `envoy-${apiType}`, nodeCluster: GATEWAY, apiType });
  }, TIMEOUT);

  afterAll(async () => {
    await envoy?.stop();
    await server?.stop(1000);
    server?.dispose();
    await web?.close();
  }, TIMEOUT);

  test(
    'www is served once the listener that brought the refused certificate is gone',
    async () => {
      await waitFor(() => nacks.some((n) => n.typeUrl === SECRET), {
        timeoutMs: 30_000,
        what: 'the NACK of the secrets',
      });
      server.publish(GATEWAY, xdsOf(false));
      const https = () =>
        request(www, '/', { host: 'www.example.com', tls: { servername: 'www.example.com', ca: CERT } }).then(
          (r) => (r.status === 200 ? (JSON.parse(r.body) as { backend: string }).backend : `status ${r.status}`),
          (err: Error) => err.message,
        );
      await waitFor(async () => (await https()) === 'web', { timeoutMs: 20_000, what: 'www over HTTPS' });
      await waitFor(() => server.programmed(GATEWAY).state === 'programmed', {
        timeoutMs: 20_000,
        what: `Programmed (${JSON.stringify(server.programmed(GATEWAY))})`,
      });
    },
    TIMEOUT,
  );
});
