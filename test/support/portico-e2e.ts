/**
 * An end-to-end setup: Portico's `serve` (file provider → pipeline → ADS server) running in this
 * process on loopback, watching a temporary directory, and a real Envoy connected to it as one
 * Gateway's proxy. Tests write Gateway API YAML into the directory and send requests through Envoy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe } from '../../src/serve/serve.js';
import type { RunningServe, ServeConfig } from '../../src/serve/serve-config.js';
import { createJsonLogger, silentLogger } from '../../src/shared/logger.js';
import { EnvoyAds, freePort, waitFor } from './envoy-ads.js';
import { writeManifests } from './manifests.js';

export class PorticoE2E {
  private serve: RunningServe | undefined;
  private constructor(
    readonly dir: string,
    readonly xdsPort: number,
    readonly envoy: EnvoyAds,
    serve: RunningServe,
  ) {
    this.serve = serve;
  }

  static async start(
    gateway: string,
    options: { protocol?: 'sotw' | 'delta'; rateLimit?: ServeConfig['rateLimit']; extraArgs?: readonly string[] } = {},
  ): Promise<PorticoE2E> {
    const dir = mkdtempSync(join(tmpdir(), 'portico-e2e-'));
    const xdsPort = await freePort();
    const serve = await startServing(dir, xdsPort, options.rateLimit);
    const envoy = await EnvoyAds.start({
      xdsPort,
      nodeId: `${gateway}/e2e`,
      nodeCluster: gateway,
      apiType: options.protocol === 'delta' ? 'DELTA_GRPC' : 'GRPC',
      ...(options.extraArgs ? { extraArgs: options.extraArgs } : {}),
    });
    const e2e = new PorticoE2E(dir, xdsPort, envoy, serve);
    e2e.rateLimit = options.rateLimit;
    return e2e;
  }

  /** The rate limit service this Portico runs for Global limits (see `ServeConfig.rateLimit`). */
  private rateLimit: ServeConfig['rateLimit'];

  /** Writes (or replaces) one manifest file in the watched directory. */
  write(file: string, objects: unknown[]): void {
    writeManifests(this.dir, file, objects);
  }

  remove(file: string): void {
    rmSync(join(this.dir, file), { force: true });
  }

  debugPort(): number {
    const address = this.serve?.debugAddress();
    if (!address) throw new Error('Portico is not running');
    return address.port;
  }

  /** Stops Portico (Envoy keeps running with its last configuration). */
  async stopPortico(): Promise<void> {
    await this.serve?.stop();
    this.serve = undefined;
  }

  /** Starts Portico again on the same xDS port, as a restarted control plane would. */
  async restartPortico(): Promise<void> {
    await this.stopPortico();
    this.serve = await startServing(this.dir, this.xdsPort, this.rateLimit);
  }

  /** Sum of every Envoy stat named `*update_rejected` — NACKs as Envoy counts them. */
  async rejectedUpdates(): Promise<number> {
    let total = 0;
    for (const [name, value] of await this.envoy.stats('update_rejected'))
      if (name.endsWith('update_rejected')) total += value;
    return total;
  }

  async stop(): Promise<void> {
    await this.envoy.stop();
    await this.stopPortico();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function startServing(dir: string, xdsPort: number, rateLimit?: ServeConfig['rateLimit']): Promise<RunningServe> {
  // The port was just released by a previous server (restart) or by freePort(); retry briefly.
  let lastError: unknown;
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      return await startServe(
        {
          watchDir: dir,
          xds: { host: '127.0.0.1', port: xdsPort },
          debug: { host: '127.0.0.1', port: 0 },
          listenerAddress: '127.0.0.1',
          adminPortBase: 0,
          launchEnvoy: false,
          logLevel: 'error',
          ...(rateLimit ? { rateLimit } : {}),
        },
        process.env.PORTICO_E2E_LOG ? createJsonLogger({ level: 'info', sink: process.stderr }) : silentLogger,
      );
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw lastError;
}

export { waitFor };
