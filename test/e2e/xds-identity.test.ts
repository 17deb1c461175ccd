/**
 * The xDS channel is a tenant boundary, through real Envoys: standalone Portico with xDS TLS on
 * launches an Envoy per Gateway, each with its own certificate (signed with the CA certgen kept).
 * A second client holding Gateway B's certificate but claiming Gateway A, one holding a CA-signed
 * certificate that names no Gateway (what every Envoy shared before), and one holding none are
 * refused before anything is sent; A's Envoy keeps serving, A's status does not move, and the
 * denials are counted in /metrics and logged once.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { runCertgenCommand } from '../../src/cli/certgen-command.js';
import { startServe } from '../../src/serve/serve.js';
import type { RunningServe } from '../../src/serve/serve-config.js';
import { issueGatewayCertificate } from '../../src/infra/kubernetes/certs.js';
import { createJsonLogger } from '../../src/shared/logger.js';
import { LISTENER } from '../../src/proto/type-urls.js';
import { adsClientConstructor } from '../support/ads-client.js';
import { startBackend, type Backend, type EchoReply } from '../support/backends.js';
import { freePort, freePortRange, waitFor } from '../support/envoy-ads.js';
import { request } from '../support/http-client.js';
import { gateway, gatewayClass, httpRoute, serviceFor, writeManifests } from '../support/manifests.js';

const HOST = 'a.example.com';
const SERVER_NAME = 'portico-xds';
const GATEWAY_A = 'default/gw-a';
const GATEWAY_B = 'default/gw-b';

let dir: string;
let certs: string;
let serve: RunningServe;
let backend: Backend;
let portA: number;
let logs = '';

const write = (file: string, objects: unknown[]) => writeManifests(dir, file, objects);

const ca = () => ({
  cert: readFileSync(join(certs, 'portico-xds-ca', 'tls.crt'), 'utf8'),
  key: readFileSync(join(certs, 'portico-xds-ca', 'tls.key'), 'utf8'),
});

/** A CA-signed client certificate without any URI SAN: the shared `portico-xds-client` of old. */
function sharedStyleCertificate(): { cert: Buffer; key: Buffer } {
  const d = join(certs, 'shared');
  mkdirSync(d, { recursive: true });
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: d, stdio: 'pipe' });
  ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'tls.key');
  ssl('req', '-new', '-key', 'tls.key', '-subj', '/CN=portico-envoy', '-out', 'tls.csr');
  writeFileSync(join(d, 'ext'), 'extendedKeyUsage=clientAuth\nsubjectAltName=DNS:portico-envoy\n');
  ssl(
    'x509',
    '-req',
    '-in',
    'tls.csr',
    '-CA',
    join(certs, 'portico-xds-ca', 'tls.crt'),
    '-CAkey',
    join(certs, 'portico-xds-ca', 'tls.key'),
    '-set_serial',
    '7',
    '-days',
    '2',
    '-extfile',
    'ext',
    '-out',
    'tls.crt',
  );
  return { cert: readFileSync(join(d, 'tls.crt')), key: readFileSync(join(d, 'tls.key')) };
}

interface Attempt {
  code: number;
  details: string;
  received: number;
}

/** Opens a SotW stream claiming `claimed` with `credentials`, asks for listeners, and waits for its end. */
async function attempt(credentials: grpc.ChannelCredentials, claimed: string, who = 'intruder'): Promise<Attempt> {
  const Ctor = adsClientConstructor();
  const client = new Ctor(`127.0.0.1:${serve.xdsAddress()!.port}`, credentials, {
    'grpc.ssl_target_name_override': SERVER_NAME,
    'grpc.default_authority': SERVER_NAME,
  });
  const call = (
    client as unknown as { StreamAggregatedResources(): grpc.ClientDuplexStream<unknown, unknown> }
  ).StreamAggregatedResources();
  let received = 0;
  call.on('data', () => received++);
  call.on('error', () => {});
  const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
  call.write({ node: { id: `${claimed}/${who}`, cluster: claimed }, type_url: LISTENER });
  // A stream that is served stays open: end it after the first response.
  const first = new Promise<void>((resolve) => call.once('data', () => resolve()));
  const outcome = await Promise.race([status, first.then(() => undefined)]);
  if (!outcome) call.cancel();
  const s = outcome ?? (await status);
  client.close();
  return { code: s.code, details: s.details, received };
}

function clientCredentials(
  bundle: { cert: Buffer | string; key: Buffer | string } | undefined,
): grpc.ChannelCredentials {
  const root = readFileSync(join(certs, 'portico-xds-server', 'ca.crt'));
  if (!bundle) return grpc.credentials.createSsl(root);
  return grpc.credentials.createSsl(root, Buffer.from(bundle.key), Buffer.from(bundle.cert));
}

async function debugJson<T>(path: string): Promise<T> {
  return JSON.parse((await request(serve.debugAddress().port, path)).body) as T;
}

async function programmedA(): Promise<{ status: string; lastTransitionTime: string } | undefined> {
  const status = await debugJson<{
    resources: {
      kind: string;
      metadata: { name: string };
      status?: { conditions?: { type: string; status: string; lastTransitionTime: string }[] };
    }[];
  }>('/debug/status');
  const gw = status.resources.find((r) => r.kind === 'Gateway' && r.metadata.name === 'gw-a');
  return gw?.status?.conditions?.find((c) => c.type === 'Programmed');
}

async function served(path: string): Promise<string> {
  const res = await request(portA, path, { host: HOST });
  return res.status === 200 ? (JSON.parse(res.body) as EchoReply).path : `status ${res.status}`;
}

beforeAll(async () => {
  backend = await startBackend('web');
  portA = await freePort();
  dir = mkdtempSync(join(tmpdir(), 'portico-identity-'));
  certs = mkdtempSync(join(tmpdir(), 'portico-identity-certs-'));
  const out = { write: (s: string) => ((logs += s), true) };
  expect(
    await runCertgenCommand(['--out-dir', certs, '--dns-names', SERVER_NAME], { stdout: out, stderr: out } as never),
  ).toBe(0);
  write('gateways.yaml', [
    gatewayClass(),
    gateway('gw-a', [{ name: 'http', protocol: 'HTTP', port: portA }]),
    gateway('gw-b', [{ name: 'http', protocol: 'HTTP', port: await freePort() }]),
  ]);
  write('backend.yaml', serviceFor('web', backend.port));
  write('route.yaml', [
    httpRoute('web', {
      parentRefs: [{ name: 'gw-a' }],
      hostnames: [HOST],
      rules: [{ backendRefs: [{ name: 'web', port: 80 }] }],
    }),
  ]);
  logs = '';
  serve = await startServe(
    {
      watchDir: dir,
      xds: { host: '127.0.0.1', port: 0 },
      debug: { host: '127.0.0.1', port: 0 },
      xdsTlsDir: join(certs, 'portico-xds-server'),
      xdsCaDir: join(certs, 'portico-xds-ca'),
      listenerAddress: '127.0.0.1',
      adminPortBase: await freePortRange(2),
      launchEnvoy: true,
      logLevel: 'warn',
    },
    createJsonLogger({ level: 'warn', sink: { write: (s: string) => ((logs += s), true) } }),
  );
  await waitFor(async () => (await served('/hello')) === '/hello', { timeoutMs: 30_000, what: "gw-a's Envoy" });
  await waitFor(async () => (await programmedA())?.status === 'True', { what: 'gw-a Programmed' });
  // B's Envoy starts after its own certificate is issued: on a loaded machine, later than A's.
  await waitFor(
    async () =>
      (await debugJson<{ clients: { gateway: string }[] }>('/debug/clients')).clients.some(
        (c) => c.gateway === GATEWAY_B,
      ),
    { timeoutMs: 30_000, what: "gw-b's Envoy connected" },
  );
}, 90_000);

afterAll(async () => {
  await serve?.stop();
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
  if (certs) rmSync(certs, { recursive: true, force: true });
});

test("each launched Envoy connects with its own Gateway's certificate", async () => {
  const clients = await debugJson<{ clients: { gateway: string; nodeId: string }[] }>('/debug/clients');
  expect(clients.clients.map((c) => c.gateway).sort()).toEqual([GATEWAY_A, GATEWAY_B]);
  // Control: B's certificate is good for B.
  const b = await issueGatewayCertificate(ca(), GATEWAY_B);
  const own = await attempt(clientCredentials({ cert: b['tls.crt'], key: b['tls.key'] }), GATEWAY_B, 'control');
  expect(own.received).toBeGreaterThan(0);
});

test("a client holding Gateway B's certificate, or one naming no Gateway, or none, learns nothing of Gateway A", async () => {
  const before = await programmedA();
  expect(before?.status).toBe('True');
  const b = await issueGatewayCertificate(ca(), GATEWAY_B);
  const asB = clientCredentials({ cert: b['tls.crt'], key: b['tls.key'] });

  // A reconnect storm: refused every time, counted every time, logged once.
  const mismatch = [];
  for (let i = 0; i < 3; i++) mismatch.push(await attempt(asB, GATEWAY_A));
  for (const m of mismatch) {
    expect(m).toMatchObject({ code: grpc.status.PERMISSION_DENIED, received: 0 });
    expect(m.details).toContain(`not the Gateway of the client certificate (${GATEWAY_B})`);
  }

  const shared = await attempt(clientCredentials(sharedStyleCertificate()), GATEWAY_A);
  expect(shared).toMatchObject({ code: grpc.status.PERMISSION_DENIED, received: 0 });
  expect(shared.details).toMatch(/names no Gateway/);

  // No certificate: the TLS handshake itself fails.
  const none = await attempt(clientCredentials(undefined), GATEWAY_A);
  expect(none).toMatchObject({ code: grpc.status.UNAVAILABLE, received: 0 });

  // A's Envoy still serves, A's status did not move, and A has one client: its own Envoy.
  expect(await served('/after')).toBe('/after');
  expect(await programmedA()).toEqual(before);
  const clients = await debugJson<{ clients: { gateway: string; nodeId: string }[] }>('/debug/clients');
  expect(clients.clients.filter((c) => c.gateway === GATEWAY_A)).toHaveLength(1);
  expect(clients.clients.some((c) => c.nodeId.includes('intruder'))).toBe(false);

  const metrics = (await request(serve.debugAddress().port, '/metrics')).body;
  expect(metrics).toContain('portico_xds_denied_streams_total{reason="gateway_mismatch"} 3');
  expect(metrics).toContain('portico_xds_denied_streams_total{reason="no_gateway_identity"} 1');
  // Nothing was recorded in A's name (no NACK could be).
  expect(metrics).not.toMatch(/^portico_xds_nacks_total\{[^}]*\} [1-9]/m);
  const refusals = logs.split('\n').filter((l) => l.includes('xDS stream refused'));
  expect(refusals.filter((l) => l.includes('gateway_mismatch'))).toHaveLength(1);
  expect(refusals.filter((l) => l.includes('no_gateway_identity'))).toHaveLength(1);
}, 60_000);
