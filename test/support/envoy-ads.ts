/**
 * A real Envoy connected over ADS to a Portico xDS server on loopback: bootstrap, process,
 * admin API (on an ephemeral loopback port), bounded waits, and tiny HTTP backends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findEnvoy } from './envoy-binary.js';

export interface EnvoyAdsOptions {
  xdsPort: number;
  nodeId: string;
  /** `<namespace>/<gateway>` */
  nodeCluster: string;
  apiType: 'GRPC' | 'DELTA_GRPC';
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
    const bootstrap = {
      node: { id: options.nodeId, cluster: options.nodeCluster },
      dynamic_resources: {
        ads_config: {
          api_type: options.apiType,
          transport_api_version: 'V3',
          set_node_on_first_message_only: true,
          grpc_services: [{ envoy_grpc: { cluster_name: 'portico-xds' } }],
        },
        lds_config: { ads: {}, resource_api_version: 'V3' },
        cds_config: { ads: {}, resource_api_version: 'V3' },
      },
      static_resources: {
        clusters: [
          {
            name: 'portico-xds',
            type: 'STATIC',
            connect_timeout: '1s',
            typed_extension_protocol_options: {
              'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
                '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
                explicit_http_config: { http2_protocol_options: {} },
              },
            },
            load_assignment: {
              cluster_name: 'portico-xds',
              endpoints: [
                {
                  lb_endpoints: [
                    {
                      endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: options.xdsPort } } },
                    },
                  ],
                },
              ],
            },
          },
        ],
      },
      admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    };
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

export interface HttpResult {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

export function httpGet(port: number, pathAndQuery: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: pathAndQuery, headers, agent: false, timeout: 5000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('HTTP request timed out')));
    req.on('error', reject);
  });
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

/** A free loopback TCP port (bound then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** A backend answering every request with `name` in the body and an `x-backend` header. */
export async function startBackend(name: string): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    res.setHeader('x-backend', name);
    res.end(`${name} ${req.url ?? ''}`);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
