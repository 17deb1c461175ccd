/**
 * A real Envoy connected over ADS to a Portico xDS server on loopback: bootstrap, process,
 * admin API (on an ephemeral loopback port), bounded waits, and tiny HTTP backends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findEnvoy } from './envoy-binary.js';
import { bootstrapJson, buildBootstrap } from '../../src/infra/bootstrap.js';
import { request, type HttpResult } from './http-client.js';

export type { HttpResult };

export interface EnvoyAdsOptions {
  xdsPort: number;
  nodeId: string;
  /** `<namespace>/<gateway>` */
  nodeCluster: string;
  apiType: 'GRPC' | 'DELTA_GRPC';
  /** More Envoy flags (benchmarks pass the ones production Envoys run with). */
  extraArgs?: readonly string[];
  /**
   * A bootstrap of its own instead of Portico's (a static one, to compare with): its admin API is
   * set to an ephemeral loopback port; the other options are then unused.
   */
  bootstrap?: Record<string, unknown>;
}

let baseIdCounter = 0;

export class EnvoyAds {
  readonly logs: string[] = [];
  private exited: Promise<void>;
  private constructor(
    private readonly proc: ChildProcess,
    readonly adminPort: number,
    private readonly dir: string,
  ) {
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
  }

  static async start(options: EnvoyAdsOptions): Promise<EnvoyAds> {
    const dir = mkdtempSync(join(tmpdir(), 'portico-envoy-'));
    // The same bootstrap `portico bootstrap` prints, with the admin API on an ephemeral port.
    const bootstrap = options.bootstrap
      ? { ...options.bootstrap, admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } } }
      : bootstrapJson(
          buildBootstrap({
            gateway: options.nodeCluster,
            nodeId: options.nodeId,
            xds: { host: '127.0.0.1', port: options.xdsPort },
            adminPort: 0,
            protocol: options.apiType === 'DELTA_GRPC' ? 'delta' : 'sotw',
          }),
        );
    const configPath = join(dir, 'bootstrap.json');
    const adminPath = join(dir, 'admin-address');
    writeFileSync(configPath, JSON.stringify(bootstrap));
    const baseId = 100_000 + ((process.pid * 37 + ++baseIdCounter * 7919 + Math.floor(Math.random() * 1000)) % 800_000);
    const proc = spawn(
      findEnvoy(),
      [
        '-c',
        configPath,
        '--admin-address-path',
        adminPath,
        '--base-id',
        String(baseId),
        '--disable-hot-restart',
        '--log-level',
        'warn',
        '--component-log-level',
        'config:info,upstream:info',
        '--concurrency',
        '1',
        '--drain-time-s',
        '1',
        ...(options.extraArgs ?? []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const logs: string[] = [];
    proc.stdout?.on('data', (d: Buffer) => logs.push(d.toString()));
    proc.stderr?.on('data', (d: Buffer) => logs.push(d.toString()));
    let exitCode: number | null = null;
    proc.once('exit', (code) => (exitCode = code ?? -1));
    await waitFor(
      () => {
        if (exitCode !== null) throw new Error(`Envoy exited with ${exitCode}:\n${logs.join('')}`);
        return existsSync(adminPath) && readFileSync(adminPath, 'utf8').includes(':');
      },
      { timeoutMs: 20_000, what: 'Envoy admin address' },
    );
    const address = readFileSync(adminPath, 'utf8').trim();
    const envoy = new EnvoyAds(proc, Number(address.slice(address.lastIndexOf(':') + 1)), dir);
    envoy.logs.push(...logs);
    proc.stdout?.on('data', (d: Buffer) => envoy.logs.push(d.toString()));
    proc.stderr?.on('data', (d: Buffer) => envoy.logs.push(d.toString()));
    return envoy;
  }

  async admin(pathAndQuery: string): Promise<string> {
    return (await httpGet(this.adminPort, pathAndQuery)).body;
  }

  async configDump(): Promise<{ configs: Record<string, unknown>[] }> {
    return JSON.parse(await this.admin('/config_dump?include_eds')) as { configs: Record<string, unknown>[] };
  }

  /** Counter and gauge values whose names contain `filter`. */
  async stats(filter: string): Promise<Map<string, number>> {
    const text = await this.admin(`/stats?filter=${encodeURIComponent(filter)}`);
    const out = new Map<string, number>();
    for (const line of text.split('\n')) {
      const m = /^(.+): (\d+)$/.exec(line.trim());
      if (m) out.set(m[1] as string, Number(m[2]));
    }
    return out;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill('SIGTERM');
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** GET through Envoy (or its admin API) on loopback. */
export function httpGet(port: number, pathAndQuery: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  return request(port, pathAndQuery, { headers });
}

/** Polls `check` until it returns a truthy value; rethrows its last error on timeout. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  {
    timeoutMs = 15_000,
    intervalMs = 50,
    what = 'condition',
  }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      lastError = undefined;
    } catch (err) {
      lastError = err;
      if (err instanceof Error && err.message.startsWith('Envoy exited')) throw err;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Where test listeners take their ports: below Linux's ephemeral range (32768-60999), which the
 * kernel hands out as the source ports of outgoing connections (Envoy's, the backends', the test's
 * own) and as the ports of anything bound to port 0, Envoy's admin API among them: a port taken from
 * there and released can be someone else's before Envoy binds it. Clear of the fixed ports the
 * tests and the cluster use (16443 and 18000-20100).
 */
const TEST_PORTS = { first: 10_000, count: 6_000 };

/** A free loopback TCP port (bound then released), outside the ephemeral range. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = TEST_PORTS.first + Math.floor(Math.random() * TEST_PORTS.count);
    if (await isFree(port)) return port;
  }
}

/** The first of `count` free ports in a row (a launcher's admin port base: one port per Envoy). */
export async function freePortRange(count: number): Promise<number> {
  for (;;) {
    const first = await freePort();
    if (first + count - 1 > 65535) continue;
    let free = true;
    for (let port = first + 1; free && port < first + count; port += 1) free = await isFree(port);
    if (free) return first;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
