/**
 * Standalone mode's rate limit service: Debian's `redis-server` and the Envoy rate limit service
 * (github.com/envoyproxy/ratelimit, built by hack/ratelimit/build.sh), run on loopback by Portico
 * when some Gateway has a Global rate limit, and kept alive (restarted with backoff).
 *
 * The service reads one YAML file per Gateway (its domain and descriptors, from
 * `rateLimitServiceConfig`) from its runtime directory, which it watches: `sync` rewrites the files
 * (each written beside and renamed in, so the service never reads half a file; dot files are
 * ignored) and removes those of Gateways that no longer have one. Redis keeps the counters in
 * memory only. Both processes stop with Portico.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { Logger } from '../../shared/logger.js';
import { rateLimitConfigFileName } from '../../translate/xds/rate-limit-service-config.js';
import type { RateLimitServiceConfig } from '../../translate/xds/rate-limit-service-config.js';
import type { HostPort } from '../bootstrap.js';
import { childHandle, SupervisedProcess } from './supervised-process.js';

/** The repository root, from the compiled location `dist/src/infra/host/`. */
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** `PORTICO_RATELIMIT_BIN`, or what hack/ratelimit/build.sh built. */
export function findRateLimitService(): string {
  const bin = process.env.PORTICO_RATELIMIT_BIN ?? join(REPO_ROOT, '.cache/ratelimit/ratelimit');
  if (!existsSync(bin)) {
    throw new Error(`no rate limit service at ${bin}: run hack/ratelimit/build.sh (or set PORTICO_RATELIMIT_BIN)`);
  }
  return bin;
}

/** `PORTICO_REDIS_BIN`, or Debian's (hack/ratelimit/redis-server.sh installs it). */
export function findRedisServer(): string {
  const bin = process.env.PORTICO_REDIS_BIN ?? '/usr/bin/redis-server';
  if (!existsSync(bin)) {
    throw new Error(`no redis-server at ${bin}: run hack/ratelimit/redis-server.sh (or set PORTICO_REDIS_BIN)`);
  }
  return bin;
}

export interface LocalRateLimitServiceOptions {
  ratelimitBin: string;
  redisBin: string;
  /** Its own directory: runtime configuration, Redis' working directory, logs. */
  dir: string;
  /** Where the service answers Envoy's gRPC calls (the address the Gateways' clusters name). */
  grpc: HostPort;
  logger: Logger;
}

export class LocalRateLimitService {
  private redis: SupervisedProcess | undefined;
  private service: SupervisedProcess | undefined;
  private starting: Promise<void> | undefined;
  private readonly configDir: string;

  constructor(private readonly options: LocalRateLimitServiceOptions) {
    this.configDir = join(options.dir, 'runtime', 'config');
  }

  /** Writes the Gateways' configurations, and starts the processes at the first one. */
  async sync(configs: readonly RateLimitServiceConfig[]): Promise<void> {
    mkdirSync(this.configDir, { recursive: true });
    const wanted = new Map(configs.map((c) => [rateLimitConfigFileName(c.domain), c]));
    for (const file of readdirSync(this.configDir)) {
      if (!wanted.has(file)) rmSync(join(this.configDir, file), { force: true });
    }
    for (const [file, config] of wanted) {
      const temporary = join(this.configDir, `.${file}.tmp`);
      writeFileSync(temporary, stringify(config), { mode: 0o600 });
      renameSync(temporary, join(this.configDir, file));
    }
    if (configs.length > 0) await (this.starting ??= this.start());
  }

  private async start(): Promise<void> {
    const { ratelimitBin, redisBin, dir, grpc, logger } = this.options;
    const [redisPort, httpPort, debugPort] = [await freePort(), await freePort(), await freePort()];
    const log = (name: string): number => openSync(join(dir, `${name}.log`), 'a', 0o600);
    this.redis = new SupervisedProcess({
      logger: logger.child({ process: 'redis-server' }),
      spawn: () => {
        const out = log('redis');
        try {
          return childHandle(
            spawnDying(
              redisBin,
              ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
              { stdio: ['ignore', out, out] },
            ),
          );
        } finally {
          closeSync(out);
        }
      },
    });
    this.redis.start();
    this.service = new SupervisedProcess({
      logger: logger.child({ process: 'ratelimit' }),
      spawn: () => {
        const out = log('ratelimit');
        try {
          return childHandle(
            spawnDying(ratelimitBin, [], {
              stdio: ['ignore', out, out],
              env: {
                HOST: '127.0.0.1',
                PORT: String(httpPort),
                DEBUG_HOST: '127.0.0.1',
                DEBUG_PORT: String(debugPort),
                GRPC_HOST: grpc.host,
                GRPC_PORT: String(grpc.port),
                USE_STATSD: 'false',
                LOG_LEVEL: 'warn',
                REDIS_SOCKET_TYPE: 'tcp',
                REDIS_URL: `127.0.0.1:${redisPort}`,
                RUNTIME_ROOT: join(dir, 'runtime'),
                RUNTIME_SUBDIRECTORY: '',
                RUNTIME_APPDIRECTORY: 'config',
                RUNTIME_WATCH_ROOT: 'false',
                RUNTIME_IGNOREDOTFILES: 'true',
              },
            }),
          );
        } finally {
          closeSync(out);
        }
      },
    });
    this.service.start();
    logger.info('rate limit service started', { grpc: `${grpc.host}:${grpc.port}`, redisPort });
  }

  async stop(): Promise<void> {
    await this.service?.stop();
    await this.redis?.stop();
  }
}

const SETPRIV = '/usr/bin/setpriv';

/**
 * Spawns a process that is sent SIGTERM when Portico dies, however it dies (util-linux `setpriv
 * --pdeathsig`, Linux): unlike the Envoys, which keep serving and are adopted by the next Portico,
 * these keep nothing worth adopting (the counters of a window, a configuration Portico writes
 * again), and one left behind would hold the address its successor must bind.
 */
function spawnDying(bin: string, args: string[], options: SpawnOptions): ChildProcess {
  return existsSync(SETPRIV)
    ? spawn(SETPRIV, ['--pdeathsig', 'TERM', '--', bin, ...args], options)
    : spawn(bin, args, options);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
