/**
 * The real OpenTelemetry Collector for end-to-end tests (v0.165.0, built by hack/otelcol/build.sh
 * into .cache/otelcol): an OTLP/gRPC receiver on loopback whose OTLP/HTTP exporter (JSON) posts
 * what it receives to a small HTTP server in the test, with no queue and no retry, so every
 * export is forwarded before the collector answers it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from './envoy-ads.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const COLLECTOR_DIR = process.env.PORTICO_OTELCOL_DIR ?? join(REPO, '.cache/otelcol');

/** Builds the collector (a no-op when cached); why not, when it cannot be built here. */
export function buildCollector(): { bin: string } | { why: string } {
  const built = spawnSync(join(REPO, 'hack/otelcol/build.sh'), { encoding: 'utf8', timeout: 20 * 60_000 });
  if (built.status === 0) return { bin: join(COLLECTOR_DIR, 'otelcol') };
  const output = `${built.error?.message ?? ''}\n${built.stderr ?? ''}`.trim().split('\n').slice(-5).join('\n');
  return { why: `hack/otelcol/build.sh failed (exit ${String(built.status)}):\n${output}` };
}

function portOpen(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(p, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface RunningCollector {
  /** The OTLP/gRPC port. */
  port: number;
  /** Request bodies the exporter posted, by path (`/v1/logs`, `/v1/traces`). */
  posted: { path: string; body: string }[];
  /** What the collector printed so far. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts the collector with one pipeline per signal given (`logs`, `traces`). */
export async function startCollector(bin: string, signals: readonly string[]): Promise<RunningCollector> {
  const posted: { path: string; body: string }[] = [];
  const receiver: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posted.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverPort = (receiver.address() as AddressInfo).port;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'portico-otelcol-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      'receivers:',
      '  otlp:',
      '    protocols:',
      '      grpc:',
      `        endpoint: 127.0.0.1:${port}`,
      'exporters:',
      '  otlphttp:',
      `    endpoint: http://127.0.0.1:${receiverPort}`,
      '    encoding: json',
      '    compression: none',
      '    sending_queue:',
      '      enabled: false',
      '    retry_on_failure:',
      '      enabled: false',
      'service:',
      '  telemetry:',
      '    metrics:',
      '      level: none',
      '  pipelines:',
      ...signals.flatMap((s) => [`    ${s}:`, '      receivers: [otlp]', '      exporters: [otlphttp]']),
      '',
    ].join('\n'),
  );
  let log = '';
  const proc: ChildProcess = spawn(bin, ['--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  await waitFor(
    async () => {
      if (proc.exitCode !== null) throw new Error(`the collector exited with ${proc.exitCode}:\n${log}`);
      return portOpen(port);
    },
    { timeoutMs: 30_000, what: 'the OpenTelemetry Collector' },
  );
  return {
    port,
    posted,
    log: () => log,
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((resolve) => proc.once('exit', resolve));
        proc.kill('SIGTERM');
        await exited;
      }
      await new Promise((resolve) => receiver.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
