/**
 * Standalone mode's data plane: one local Envoy per accepted Gateway, started with the bootstrap
 * `portico bootstrap` prints, restarted with backoff if it dies, stopped when its Gateway goes
 * away or Portico exits. Each Gateway keeps a slot (the lowest free index) that fixes its admin
 * port; each Envoy run gets its own `--base-id` so that Envoys (and a restart racing a dying
 * predecessor) never share hot-restart shared memory.
 */
import { ENVOY_RUNTIME_FLAGS } from '../envoy-flags.js';
import { spawn as spawnProcess } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../pipeline/logger.js';
import { silentLogger } from '../../pipeline/logger.js';
import type { GatewayKey } from '../../xds/contract.js';
import { bootstrapJson, buildBootstrap, DEFAULT_ADMIN_PORT, defaultNodeId } from '../bootstrap.js';
import type { BootstrapTls, HostPort } from '../bootstrap.js';
import { SupervisedProcess } from './supervised-process.js';
import type { Backoff } from './supervised-process.js';

export type SpawnFunction = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export interface HostEnvoyOptions {
  envoyBin: string;
  xds: HostPort;
  /** Directory for bootstrap files. */
  workDir: string;
  /** Admin port of the Gateway in slot 0; slot i gets `adminPortBase + i`. */
  adminPortBase?: number;
  /** First `--base-id`; defaults to one derived from Portico's pid. */
  baseIdBase?: number;
  envoyLogLevel?: string;
  logger?: Logger;
  backoff?: Backoff;
  /** Injectable for tests. */
  spawn?: SpawnFunction;
  /** xDS TLS files of a Gateway's Envoy (its own client certificate: xds-identities.ts); plaintext without. */
  tls?: (gateway: GatewayKey) => BootstrapTls | undefined;
}

export interface RunningEnvoy {
  gateway: GatewayKey;
  nodeId: string;
  adminPort: number;
  pid: number | undefined;
  restarts: number;
}

interface Slot {
  index: number;
  nodeId: string;
  adminPort: number;
  process: SupervisedProcess;
}

export class HostEnvoyLauncher {
  private readonly slots = new Map<GatewayKey, Slot>();
  private readonly logger: Logger;
  private nextBaseId: number;
  private stopped = false;

  constructor(private readonly options: HostEnvoyOptions) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'envoy' });
    this.nextBaseId = options.baseIdBase ?? (process.pid % 40_000) * 100;
  }

  /** Starts an Envoy for each new Gateway and stops those of Gateways no longer listed. */
  sync(gateways: readonly GatewayKey[]): void {
    if (this.stopped) return;
    const wanted = new Set(gateways);
    for (const [gateway, slot] of this.slots) {
      if (wanted.has(gateway)) continue;
      this.slots.delete(gateway);
      this.logger.info('stopping Envoy: Gateway is gone', { gateway });
      void slot.process.stop();
    }
    for (const gateway of [...wanted].sort()) {
      if (!this.slots.has(gateway)) this.launch(gateway);
    }
  }

  running(): RunningEnvoy[] {
    return [...this.slots.entries()].map(([gateway, slot]) => ({
      gateway,
      nodeId: slot.nodeId,
      adminPort: slot.adminPort,
      pid: slot.process.pid,
      restarts: slot.process.restarts,
    }));
  }

  async stopAll(): Promise<void> {
    this.stopped = true;
    const slots = [...this.slots.values()];
    this.slots.clear();
    await Promise.all(slots.map((slot) => slot.process.stop()));
  }

  private launch(gateway: GatewayKey): void {
    const used = new Set([...this.slots.values()].map((s) => s.index));
    let index = 0;
    while (used.has(index)) index += 1;
    const adminPort = (this.options.adminPortBase ?? DEFAULT_ADMIN_PORT) + index;
    const nodeId = defaultNodeId(gateway, `${process.pid}-${index}`);
    const bootstrapPath = join(this.options.workDir, `${gateway.replace('/', '_')}.json`);
    const tls = this.options.tls?.(gateway);
    writeFileSync(
      bootstrapPath,
      `${JSON.stringify(bootstrapJson(buildBootstrap({ gateway, xds: this.options.xds, adminPort, nodeId, ...(tls ? { tls } : {}) })), null, 2)}\n`,
    );
    const logger = this.logger.child({ gateway });
    const spawn = this.options.spawn ?? spawnProcess;
    const supervised = new SupervisedProcess({
      logger,
      ...(this.options.backoff ? { backoff: this.options.backoff } : {}),
      spawn: () => {
        const baseId = this.nextBaseId++;
        const args = [
          '-c',
          bootstrapPath,
          '--base-id',
          String(baseId),
          '--log-level',
          this.options.envoyLogLevel ?? 'warn',
          ...ENVOY_RUNTIME_FLAGS,
        ];
        logger.info('starting Envoy', { nodeId, adminPort, baseId });
        return spawn(this.options.envoyBin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      },
    });
    this.slots.set(gateway, { index, nodeId, adminPort, process: supervised });
    supervised.start();
  }
}
