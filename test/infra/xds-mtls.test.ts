/**
 * Mutual TLS on the xDS channel, with certificates from `portico certgen --out-dir` and a REAL
 * Envoy: the bootstrap's `tls` option makes Envoy present its client certificate and check the
 * server's name against the CA; the server (`--xds-tls-dir` credentials) refuses clients without a
 * certificate, and plain text.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { runCertgenCommand } from '../../src/cli/certgen-command.js';
import { startXdsServer } from '../../src/serve/xds-server.js';
import type { XdsServing } from '../../src/serve/xds-server.js';
import { bootstrapJson, buildBootstrap, BOOTSTRAP_TYPE_URL, xdsTlsSdsFiles } from '../../src/infra/bootstrap.js';
import type { BootstrapTls } from '../../src/infra/bootstrap.js';
import { issueGatewayCertificate } from '../../src/infra/kubernetes/certs.js';
import { readXdsTlsDir, xdsServerCredentials } from '../../src/infra/kubernetes/xds-tls.js';
import { silentLogger } from '../../src/shared/logger.js';
import { checkRoundTrip } from '../../src/proto/codec.js';
import { findEnvoy } from '../support/envoy-binary.js';
import { freePort, waitFor } from '../support/envoy-ads.js';
import { GATEWAY, gatewayXds } from '../support/xds-fixtures.js';

const SERVER_NAME = 'portico-xds.portico-system.svc';

/** Writes the Gateway's client certificate, issued with the CA certgen kept in `certgenDir`, to `into`. */
async function writeGatewayCertificate(certgenDir: string, gateway: string, into: string): Promise<void> {
  const ca = join(certgenDir, 'portico-xds-ca');
  const bundle = await issueGatewayCertificate(
    { cert: readFileSync(join(ca, 'tls.crt'), 'utf8'), key: readFileSync(join(ca, 'tls.key'), 'utf8') },
    gateway,
  );
  mkdirSync(into, { recursive: true });
  for (const file of ['ca.crt', 'tls.crt', 'tls.key'] as const) writeFileSync(join(into, file), bundle[file]);
}

function sink(): { write: (s: string) => boolean; text: () => string } {
  let out = '';
  return { write: (s: string) => ((out += s), true), text: () => out };
}

/** Whether a TLS (or plaintext) connection to the server gets established. */
function connects(
  port: number,
  credentials: grpc.ChannelCredentials,
  options: grpc.ChannelOptions = {},
): Promise<boolean> {
  const client = new grpc.Client(`127.0.0.1:${port}`, credentials, options);
  return new Promise((resolve) => {
    client.waitForReady(Date.now() + 2000, (err) => {
      client.close();
      resolve(!err);
    });
  });
}

describe('xDS over mutual TLS (certgen certificates, real Envoy)', () => {
  let dir: string;
  let xds: XdsServing;
  let port: number;
  let envoy: ChildProcess | undefined;
  const logs: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portico-mtls-'));
    const out = sink();
    const err = sink();
    const code = await runCertgenCommand(['--out-dir', dir, '--dns-names', `${SERVER_NAME},portico-xds`], {
      stdout: out,
      stderr: err,
    } as never);
    if (code !== 0) throw new Error(`certgen failed: ${err.text()}`);
    await writeGatewayCertificate(dir, GATEWAY, join(dir, 'gateway-client'));
    const credentials = xdsServerCredentials(readXdsTlsDir(join(dir, 'portico-xds-server')));
    xds = await startXdsServer({ host: '127.0.0.1', port: 0 }, silentLogger, credentials);
    port = xds.address()!.port;
    xds.publisher.publish(GATEWAY, gatewayXds(await freePort(), [{ path: '/', service: 'web', backendPort: 9 }]));
  });

  afterAll(async () => {
    if (envoy && envoy.exitCode === null) {
      const exited = new Promise((resolve) => envoy!.once('exit', resolve));
      envoy.kill('SIGTERM');
      await exited;
    }
    await xds?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('builds a bootstrap whose xDS cluster presents the client certificate and checks the server name', () => {
    const client = join(dir, 'gateway-client');
    const bootstrap = buildBootstrap({
      gateway: GATEWAY,
      xds: { host: '127.0.0.1', port: 18000 },
      adminPort: 0,
      tls: {
        caFile: join(client, 'ca.crt'),
        certFile: join(client, 'tls.crt'),
        keyFile: join(client, 'tls.key'),
        serverName: SERVER_NAME,
      },
    });
    expect(checkRoundTrip(BOOTSTRAP_TYPE_URL, bootstrap)).toEqual([]);
    const json = bootstrapJson(bootstrap) as { static_resources: { clusters: Record<string, unknown>[] } };
    expect(json.static_resources.clusters[0]).toMatchObject({
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
          sni: SERVER_NAME,
          common_tls_context: {
            tls_certificates: [{ certificate_chain: { filename: join(client, 'tls.crt') } }],
            validation_context: {
              trusted_ca: { filename: join(client, 'ca.crt') },
              match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: SERVER_NAME } }],
            },
          },
        },
      },
    });
  });

  it('serves a real Envoy that connects with its client certificate (read through SDS files) and ACKs', async () => {
    const client = join(dir, 'gateway-client');
    const tls: BootstrapTls = {
      caFile: join(client, 'ca.crt'),
      certFile: join(client, 'tls.crt'),
      keyFile: join(client, 'tls.key'),
      serverName: SERVER_NAME,
      sds: { clientFile: join(dir, 'client-sds.json'), caFile: join(dir, 'ca-sds.json'), watchedDirectory: client },
    };
    const sds = xdsTlsSdsFiles(tls);
    writeFileSync(tls.sds!.clientFile, sds.clientFile);
    writeFileSync(tls.sds!.caFile, sds.caFile);
    const built = buildBootstrap({
      gateway: GATEWAY,
      nodeId: `${GATEWAY}/mtls-test`,
      xds: { host: '127.0.0.1', port },
      adminPort: 0,
      tls,
    });
    expect(checkRoundTrip(BOOTSTRAP_TYPE_URL, built)).toEqual([]);
    const bootstrap = bootstrapJson(built);
    const configPath = join(dir, 'bootstrap.json');
    const adminPath = join(dir, 'admin-address');
    writeFileSync(configPath, JSON.stringify(bootstrap));
    envoy = spawn(
      findEnvoy(),
      [
        '-c',
        configPath,
        '--admin-address-path',
        adminPath,
        '--base-id',
        String(200_000 + (process.pid % 100_000)),
        '--disable-hot-restart',
        '--log-level',
        'warn',
        '--concurrency',
        '1',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    envoy.stdout?.on('data', (d: Buffer) => logs.push(d.toString()));
    envoy.stderr?.on('data', (d: Buffer) => logs.push(d.toString()));
    await waitFor(() => existsSync(adminPath) && readFileSync(adminPath, 'utf8').includes(':'), {
      timeoutMs: 20_000,
      what: 'Envoy admin address',
    });
    try {
      await waitFor(() => xds.tracker.programmed(GATEWAY).state === 'programmed', {
        timeoutMs: 20_000,
        what: 'Envoy to ACK over mutual TLS',
      });
    } catch (err) {
      throw new Error(`${(err as Error).message}\nEnvoy logs:\n${logs.join('')}`);
    }
    const clients = xds.tracker.clients();
    expect(clients.map((c) => (c as unknown as { nodeId?: string }).nodeId ?? JSON.stringify(c))).toEqual(
      expect.arrayContaining([expect.stringContaining('mtls-test')]),
    );
  });

  it('refuses a client without a certificate, one with a certificate of another CA, and plain text', async () => {
    const serverDir = join(dir, 'portico-xds-server');
    const clientDir = join(dir, 'gateway-client');
    const ca = readFileSync(join(clientDir, 'ca.crt'));
    const name = { 'grpc.ssl_target_name_override': SERVER_NAME, 'grpc.default_authority': SERVER_NAME };

    // The control: the Envoy client certificate gets through.
    const withCert = grpc.credentials.createSsl(
      ca,
      readFileSync(join(clientDir, 'tls.key')),
      readFileSync(join(clientDir, 'tls.crt')),
    );
    expect(await connects(port, withCert, name)).toBe(true);

    expect(await connects(port, grpc.credentials.createSsl(ca), name)).toBe(false);
    expect(await connects(port, grpc.credentials.createInsecure())).toBe(false);

    const other = mkdtempSync(join(tmpdir(), 'portico-mtls-other-'));
    try {
      const out = sink();
      expect(
        await runCertgenCommand(['--out-dir', other, '--dns-names', SERVER_NAME], {
          stdout: out,
          stderr: out,
        } as never),
      ).toBe(0);
      const foreign = join(other, 'gateway-client');
      await writeGatewayCertificate(other, GATEWAY, foreign);
      const foreignCert = grpc.credentials.createSsl(
        ca,
        readFileSync(join(foreign, 'tls.key')),
        readFileSync(join(foreign, 'tls.crt')),
      );
      expect(await connects(port, foreignCert, name)).toBe(false);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
    void serverDir;
  });
});
