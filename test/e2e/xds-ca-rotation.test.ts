/**
 * The xDS CA is rotated, and the server certificate renewed, with no Envoy cut off and no
 * restart of Portico: standalone Portico with xDS TLS on and two Gateways, each with its own
 * Envoy and steady traffic, while `portico certgen --out-dir --rotate begin|switch|finish` runs
 * step by step as the README says.
 *
 * Portico closes every xDS connection after about 2 s (`--xds-max-connection-age`), so each Envoy
 * reconnects over and over through the whole procedure, with whatever certificates it and the
 * server hold at that moment: after each step the test waits until every Envoy has loaded that
 * step's files (its SDS reloads, the certificate it presents) and has reconnected since, then
 * changes the configuration and waits until both Envoys serve the change. At the end no request
 * failed and no Envoy ever failed a TLS handshake to xDS (Envoy's own counters).
 */
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { runCertgenCommand } from '../../src/cli/certgen-command.js';
import { startServe } from '../../src/serve/serve.js';
import type { RunningServe } from '../../src/serve/serve-config.js';
import { splitPem } from '../../src/infra/kubernetes/ca-bundle.js';
import { issueGatewayCertificate } from '../../src/infra/kubernetes/certs.js';
import { createJsonLogger } from '../../src/shared/logger.js';
import { startBackend, type Backend, type EchoReply } from '../support/backends.js';
import { freePort, freePortRange, waitFor } from '../support/envoy-ads.js';
import { request } from '../support/http-client.js';
import { gateway, gatewayClass, httpRoute, serviceFor, writeManifests } from '../support/manifests.js';
import { steadyLoad, type SteadyLoad } from '../support/steady-load.js';

const SERVER_NAME = 'portico-xds';
const GATEWAYS = ['gw-a', 'gw-b'] as const;
const hostOf = (gw: string) => `${gw}.example.com`;

let root: string;
let watchDir: string;
let certs: string;
let stateDir: string;
let serve: RunningServe;
let backend: Backend;
const ports: Record<string, number> = {};
const loads: SteadyLoad[] = [];
let logs = '';

const caDir = () => join(certs, 'portico-xds-ca');
const serverDir = () => join(certs, 'portico-xds-server');
const readPem = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');
/** A serial number as Envoy and Node both print it (hex; case and leading zeros vary). */
const serial = (hex: string) => hex.toLowerCase().replace(/^0+/, '');
const serials = (bundle: string) => splitPem(bundle).map((pem) => serial(new X509Certificate(pem).serialNumber));

function write(file: string, objects: unknown[]): void {
  writeManifests(watchDir, file, objects);
}

/** Each Gateway's route sets `x-step: <step>` on the requests it forwards: a change to watch for. */
function writeRoutes(step: string): void {
  write(
    'routes.yaml',
    GATEWAYS.map((gw) =>
      httpRoute(gw, {
        parentRefs: [{ name: gw }],
        hostnames: [hostOf(gw)],
        rules: [
          {
            filters: [
              { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-step', value: step }] } },
            ],
            backendRefs: [{ name: 'web', port: 80 }],
          },
        ],
      }),
    ),
  );
}

async function stepServedBy(gw: string): Promise<string | undefined> {
  const res = await request(ports[gw]!, '/step', { host: hostOf(gw) });
  if (res.status !== 200) return undefined;
  return (JSON.parse(res.body) as EchoReply).headers['x-step'] as string | undefined;
}

/** A configuration change reaches every Envoy. */
async function changeReachesEveryEnvoy(step: string): Promise<void> {
  writeRoutes(step);
  for (const gw of GATEWAYS) {
    await waitFor(async () => (await stepServedBy(gw)) === step, { timeoutMs: 20_000, what: `${gw} serving ${step}` });
  }
}

/** Where Portico keeps a Gateway's certificate files (the mount its Envoy reads). */
const identityDir = (gw: string) => join(stateDir, 'xds-tls', encodeURIComponent(`default/${gw}`), 'tls');

async function admin(gw: string, path: string): Promise<string> {
  const envoy = serve.envoys().find((e) => e.gateway === `default/${gw}`);
  if (!envoy) throw new Error(`no Envoy for ${gw}`);
  return (await request(envoy.adminPort, path)).body;
}

async function stat(gw: string, name: string): Promise<number> {
  const text = await admin(gw, `/stats?filter=^${name.replaceAll('.', '\\.')}$`);
  const value = new RegExp(`^${name.replaceAll('.', '\\.')}: (\\d+)$`, 'm').exec(text)?.[1];
  return value === undefined ? 0 : Number(value);
}

/** The serials of the CAs an Envoy trusts and of the client certificate it presents, as loaded. */
async function loadedCertificates(gw: string): Promise<{ cas: string[]; client: string | undefined }> {
  const certs = JSON.parse(await admin(gw, '/certs')) as {
    certificates: { ca_cert?: { serial_number: string }[]; cert_chain?: { serial_number: string }[] }[];
  };
  const first = certs.certificates[0];
  return {
    cas: (first?.ca_cert ?? []).map((c) => serial(c.serial_number)).sort(),
    client: first?.cert_chain?.[0] && serial(first.cert_chain[0].serial_number),
  };
}

/**
 * Waits until Portico has written this step's files for every Gateway (the CAs trusted now in
 * ca.crt, a certificate signed by the signing CA) and its Envoy has loaded them (through SDS: the
 * CAs it trusts and the certificate it presents are those on disk).
 */
async function everyEnvoyHoldsTheStep(): Promise<void> {
  const trust = serials(readPem(caDir(), 'ca.crt')).sort();
  const signer = new X509Certificate(readPem(caDir(), 'tls.crt'));
  for (const gw of GATEWAYS) {
    await waitFor(
      () => {
        const held = serials(readPem(identityDir(gw), 'ca.crt')).sort();
        const cert = new X509Certificate(readPem(identityDir(gw), 'tls.crt'));
        return JSON.stringify(held) === JSON.stringify(trust) && cert.verify(signer.publicKey);
      },
      { timeoutMs: 20_000, what: `Portico to write the step's certificate files of ${gw}` },
    );
    const onDisk = serial(new X509Certificate(readPem(identityDir(gw), 'tls.crt')).serialNumber);
    await waitFor(
      async () => {
        const loaded = await loadedCertificates(gw);
        return JSON.stringify(loaded.cas) === JSON.stringify(trust) && loaded.client === onDisk;
      },
      { timeoutMs: 20_000, what: `${gw}'s Envoy to load the step's files` },
    );
  }
}

/** Every Envoy has an xDS stream opened after `since`: it reconnected with what it holds now. */
async function everyEnvoyReconnectedAfter(since: Date): Promise<void> {
  for (const gw of GATEWAYS) {
    await waitFor(
      async () => {
        const { clients } = JSON.parse((await request(serve.debugAddress().port, '/debug/clients')).body) as {
          clients: { gateway: string; connectedSince: string }[];
        };
        return clients.some((c) => c.gateway === `default/${gw}` && new Date(c.connectedSince) > since);
      },
      { timeoutMs: 30_000, what: `${gw}'s Envoy to reconnect to xDS` },
    );
  }
}

/** The serial of the certificate the xDS server presents to a new connection. */
async function servedCertificateSerial(): Promise<string> {
  const ca = { cert: readPem(caDir(), 'tls.crt'), key: readPem(caDir(), 'tls.key') };
  const client = await issueGatewayCertificate(ca, 'default/gw-a');
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port: serve.xdsAddress()!.port,
      servername: SERVER_NAME,
      ca: readPem(caDir(), 'ca.crt'),
      cert: client['tls.crt'],
      key: client['tls.key'],
      ALPNProtocols: ['h2'],
    });
    socket.once('secureConnect', () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

async function certgen(...args: string[]): Promise<string> {
  let out = '';
  const sink = { write: (s: string) => ((out += s), true) };
  const code = await runCertgenCommand(['--out-dir', certs, ...args], { stdout: sink, stderr: sink } as never);
  if (code !== 0) throw new Error(`certgen ${args.join(' ')} exited ${code}: ${out}`);
  return out;
}

beforeAll(async () => {
  backend = await startBackend('web');
  root = mkdtempSync(join(tmpdir(), 'portico-rotation-'));
  watchDir = join(root, 'watch');
  certs = join(root, 'certs');
  stateDir = join(root, 'state');
  mkdirSync(watchDir);
  await certgen('--dns-names', SERVER_NAME);
  const listeners: unknown[] = [gatewayClass()];
  for (const gw of GATEWAYS) {
    ports[gw] = await freePort();
    listeners.push(gateway(gw, [{ name: 'http', protocol: 'HTTP', port: ports[gw] }]));
  }
  write('gateways.yaml', listeners);
  write('backend.yaml', serviceFor('web', backend.port));
  writeRoutes('start');
  serve = await startServe(
    {
      watchDir,
      stateDir,
      xds: { host: '127.0.0.1', port: 0 },
      debug: { host: '127.0.0.1', port: 0 },
      xdsTlsDir: serverDir(),
      xdsCaDir: caDir(),
      xdsMaxConnectionAgeMs: 2_000,
      listenerAddress: '127.0.0.1',
      adminPortBase: await freePortRange(2),
      launchEnvoy: true,
      logLevel: 'info',
    },
    createJsonLogger({ level: 'info', sink: { write: (s: string) => ((logs += s), true) } }),
  );
  for (const gw of GATEWAYS) {
    await waitFor(async () => (await stepServedBy(gw)) === 'start', { timeoutMs: 30_000, what: `${gw}'s Envoy` });
  }
  for (const gw of GATEWAYS) loads.push(steadyLoad(ports[gw]!, hostOf(gw), ['/load']));
}, 90_000);

afterAll(async () => {
  for (const load of loads) await load.stop();
  await serve?.stop();
  await backend?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

test('the xDS CA is rotated step by step while traffic flows: no Envoy is cut off, no request fails', async () => {
  const oldCa = readPem(caDir(), 'tls.crt');
  for (const step of ['begin', 'switch', 'finish'] as const) {
    expect(await certgen('--rotate', step)).toMatch(/step \d of 3/);
    await everyEnvoyHoldsTheStep();
    await everyEnvoyReconnectedAfter(new Date());
    await changeReachesEveryEnvoy(step);
  }
  // The new CA signs, and is the only one trusted, on both ends.
  const newCa = readPem(caDir(), 'tls.crt');
  expect(newCa).not.toBe(oldCa);
  expect(serials(readPem(serverDir(), 'ca.crt'))).toEqual(serials(newCa));
  for (const gw of GATEWAYS) expect(serials(readPem(identityDir(gw), 'ca.crt'))).toEqual(serials(newCa));
  expect(new X509Certificate(readPem(serverDir(), 'tls.crt')).verify(new X509Certificate(newCa).publicKey)).toBe(true);

  // Not one handshake to xDS failed on either end, and not one request.
  for (const gw of GATEWAYS) {
    expect(await stat(gw, 'cluster.portico-xds.ssl.connection_error')).toBe(0);
    expect(await stat(gw, 'cluster.portico-xds.ssl.fail_verify_error')).toBe(0);
    expect(await stat(gw, 'cluster.portico-xds.ssl.handshake')).toBeGreaterThan(3);
  }
  for (const load of loads) {
    expect(load.results.failed).toEqual([]);
    expect(load.results.ok).toBeGreaterThan(0);
  }
  expect(logs).not.toMatch(/"level":"error"/);
}, 180_000);

test('a server certificate renewed on disk is served to new connections without a restart', async () => {
  const before = serial(await servedCertificateSerial());
  expect(before).toBe(serial(new X509Certificate(readPem(serverDir(), 'tls.crt')).serialNumber));
  // A name added: certgen renews the server certificate alone, with the kept CA.
  expect(await certgen('--dns-names', `${SERVER_NAME},${SERVER_NAME}.example`)).toMatch(
    /renewed the server certificate .* with the kept CA/,
  );
  const renewed = serial(new X509Certificate(readPem(serverDir(), 'tls.crt')).serialNumber);
  expect(renewed).not.toBe(before);
  await waitFor(async () => serial(await servedCertificateSerial()) === renewed, {
    timeoutMs: 20_000,
    what: 'the xDS server to present the renewed certificate',
  });
  expect(logs).toMatch(/xDS server credentials reloaded/);
  // The Envoys reconnect to it (they trust its CA) and follow changes.
  await everyEnvoyReconnectedAfter(new Date());
  await changeReachesEveryEnvoy('renewed');
  for (const gw of GATEWAYS) expect(await stat(gw, 'cluster.portico-xds.ssl.connection_error')).toBe(0);
  for (const load of loads) expect(load.results.failed).toEqual([]);
}, 90_000);
