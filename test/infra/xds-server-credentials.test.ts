/**
 * The xDS server's credentials follow `--xds-tls-dir` (xds-server-credentials.ts), checked through
 * real TLS connections to a running ADS server: a renewed certificate is presented to the next
 * connection, an established connection keeps going, and files that do not fit together (a
 * certificate of one version with the key of another) are refused and logged while the last
 * good ones stay in use. Also the Secret-mount layout those files come in (secret-mount.ts).
 */
import { X509Certificate } from 'node:crypto';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { runCertgenCommand } from '../../src/cli/certgen-command.js';
import { startXdsServer, type XdsServing } from '../../src/serve/xds-server.js';
import { issueGatewayCertificate, issueServerCertificate } from '../../src/infra/kubernetes/certs.js';
import {
  reloadingXdsServerCredentials,
  type ReloadingCredentials,
} from '../../src/infra/kubernetes/xds-server-credentials.js';
import { watchSecretMount, writeSecretMount } from '../../src/infra/secret-mount.js';
import { createJsonLogger, silentLogger } from '../../src/shared/logger.js';
import { waitFor } from '../support/envoy-ads.js';

const SERVER_NAME = 'portico-xds';
let dir: string;
let tls: ReloadingCredentials;
let xds: XdsServing;
let logs = '';

const serverDir = () => join(dir, 'portico-xds-server');
const ca = () => ({
  cert: readFileSync(join(dir, 'portico-xds-ca', 'tls.crt'), 'utf8'),
  key: readFileSync(join(dir, 'portico-xds-ca', 'tls.key'), 'utf8'),
});
const serialOf = (pem: string) => new X509Certificate(pem).serialNumber.toLowerCase().replace(/^0+/, '');

/** A new mutual-TLS connection to the server, and the serial of the certificate it presented. */
async function open(): Promise<{ socket: TLSSocket; serial: string }> {
  const client = await issueGatewayCertificate(ca(), 'default/gw');
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port: xds.address()!.port,
      servername: SERVER_NAME,
      ca: readFileSync(join(serverDir(), 'ca.crt')),
      cert: client['tls.crt'],
      key: client['tls.key'],
      ALPNProtocols: ['h2'],
    });
    socket.once('secureConnect', () =>
      resolve({ socket, serial: socket.getPeerCertificate().serialNumber.toLowerCase().replace(/^0+/, '') }),
    );
    socket.once('error', reject);
  });
}

/** The serial a new connection is presented; the connection is closed. */
async function servedSerial(): Promise<string> {
  const { socket, serial } = await open();
  socket.destroy();
  return serial;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portico-xds-creds-'));
  const sink = { write: () => true };
  expect(
    await runCertgenCommand(['--out-dir', dir, '--dns-names', SERVER_NAME], { stdout: sink, stderr: sink } as never),
  ).toBe(0);
  tls = reloadingXdsServerCredentials(
    serverDir(),
    createJsonLogger({ level: 'info', sink: { write: (s: string) => ((logs += s), true) } }),
  );
  xds = await startXdsServer({ host: '127.0.0.1', port: 0 }, silentLogger, tls.credentials);
});

afterAll(async () => {
  tls?.close();
  await xds?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a renewed server certificate is presented to new connections; an open one is untouched', async () => {
  const first = await open();
  expect(first.serial).toBe(serialOf(readFileSync(join(serverDir(), 'tls.crt'), 'utf8')));

  const renewed = await issueServerCertificate(ca(), { dnsNames: [SERVER_NAME] });
  writeSecretMount(serverDir(), { ...renewed });
  await waitFor(async () => (await servedSerial()) === serialOf(renewed['tls.crt']), {
    what: 'the renewed certificate to be presented',
  });
  // The connection opened before is still up.
  expect(first.socket.destroyed).toBe(false);
  first.socket.destroy();
  expect(logs).toMatch(/xDS server credentials reloaded/);
});

test('files that do not fit together are refused and logged; the last good ones stay', async () => {
  const good = readFileSync(join(serverDir(), 'tls.crt'), 'utf8');
  const other = await issueServerCertificate(ca(), { dnsNames: [SERVER_NAME] });
  // A certificate of one version with the key of another.
  writeSecretMount(serverDir(), {
    'ca.crt': readFileSync(join(serverDir(), 'ca.crt'), 'utf8'),
    'tls.crt': other['tls.crt'],
    'tls.key': readFileSync(join(serverDir(), 'tls.key'), 'utf8'),
  });
  tls.reload();
  expect(logs).toMatch(/xDS server credentials not reloaded.*tls.key is not the key of tls.crt/);
  expect(await servedSerial()).toBe(serialOf(good));
  // The right key arrives: used.
  writeSecretMount(serverDir(), { ...other });
  tls.reload();
  expect(await servedSerial()).toBe(serialOf(other['tls.crt']));
});

test('a Secret-mount directory is swapped at once, and its watch reports a change of content only', async () => {
  const mount = join(dir, 'mount');
  writeSecretMount(mount, { 'a.crt': 'one', 'b.key': 'secret' });
  expect(readlinkSync(join(mount, 'a.crt'))).toBe(join('..data', 'a.crt'));
  expect(lstatSync(join(mount, '..data')).isSymbolicLink()).toBe(true);
  let changes = 0;
  const watch = watchSecretMount(mount, ['a.crt', 'b.key'], () => changes++, { settleMs: 10, pollMs: 50 });
  try {
    writeSecretMount(mount, { 'a.crt': 'one', 'b.key': 'secret' });
    writeFileSync(join(mount, 'unrelated'), 'x');
    writeSecretMount(mount, { 'a.crt': 'two' });
    await waitFor(() => changes > 0, { what: 'the change to be reported' });
    expect(readFileSync(join(mount, 'a.crt'), 'utf8')).toBe('two');
    // A key the new version lacks is gone.
    expect(() => lstatSync(join(mount, 'b.key'))).toThrow();
    expect(changes).toBe(1);
  } finally {
    watch.close();
  }
});
