/**
 * Standalone mode's data plane: one local Envoy per accepted Gateway, started with the bootstrap
 * `portico bootstrap` prints, restarted with backoff if it dies, stopped when its Gateway goes
 * away or Portico stops gracefully. Each Gateway keeps a slot (the lowest free index) that fixes
 * its admin port and its Prometheus stats port (`statsPortBase`).
 *
 * The Envoys outlive Portico: a control plane that dies must not take the data plane with it
 * (Envoy keeps its configuration and reconnects to xDS). So each Envoy runs
 *   - with `--disable-hot-restart`: hot restart makes Envoy ask the kernel for SIGTERM when its
 *     parent dies (PR_SET_PDEATHSIG), which is what stopped every Envoy ~80 ms after a kill -9;
 *   - in a session of its own (`detached`): a signal to Portico's process group is not its;
 *   - writing its log to a file in the state directory, not to a pipe that breaks with Portico.
 * What a restarted Portico needs to find them again is in the state directory (state-dir.ts):
 * `recover()` reads it, checks that each recorded Envoy is still the one started there
 * (process-identity.ts), and the first `sync()` adopts those whose Gateway is still wanted with
 * the same bootstrap, stops those whose Gateway is gone, and replaces those whose bootstrap
 * changed (another xDS address or admin port).
 */
import { ENVOY_RUNTIME_FLAGS } from '../envoy-flags.js';
import { spawn as spawnProcess } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import type { Logger } from '../../shared/logger.js';
import { silentLogger } from '../../shared/logger.js';
import type { GatewayKey } from '../../xds/contract.js';
import { bootstrapJson, buildBootstrap, DEFAULT_ADMIN_PORT, defaultNodeId } from '../bootstrap.js';
import type { BootstrapTls, HostPort } from '../bootstrap.js';
import { LogTail } from './log-tail.js';
import { handleEnvoyOutput, writeToStdout } from './envoy-output.js';
import { PROMETHEUS_PATH } from '../admin-listeners.js';

/** Local Envoys' stats ports are their admin ports plus this, unless told otherwise. */
export const STATS_PORT_OFFSET = 100;
import { adminIdentity, isRunning, runsWithBootstrap } from './process-identity.js';
import { StateDir, type EnvoyRecord } from './state-dir.js';
import { adoptedHandle, childHandle, SupervisedProcess, terminate } from './supervised-process.js';
import type { Backoff, ProcessHandle } from './supervised-process.js';

export type SpawnFunction = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

/** A recorded Envoy: still the one started there and answering, running but not answering, or gone. */
export type EnvoyIdentity = 'ours' | 'unresponsive' | 'gone';

export interface HostEnvoyOptions {
  envoyBin: string;
  xds: HostPort;
  /**
   * State directory (see state-dir.ts): bootstrap, record and log of each Envoy. It outlives a
   * Portico that is killed, so that the next one adopts the Envoys.
   */
  workDir: string;
  /** Admin port of the Gateway in slot 0; slot i gets `adminPortBase + i`. */
  adminPortBase?: number;
  /**
   * Prometheus stats port (on loopback) of the Gateway in slot 0; slot i gets `statsPortBase + i`.
   * Default: `adminPortBase + STATS_PORT_OFFSET` (20001 with the default admin ports), so that
   * two Porticos given different admin ports do not collide on their stats ports either.
   */
  statsPortBase?: number;
  envoyLogLevel?: string;
  logger?: Logger;
  /** Where the Envoys' access log lines go (envoy-output.ts); default Portico's standard output. */
  accessLog?: (line: string) => void;
  backoff?: Backoff;
  /** Injectable for tests. */
  spawn?: SpawnFunction;
  /** xDS TLS files of a Gateway's Envoy (its own client certificate: xds-identities.ts); plaintext without. */
  tls?: (gateway: GatewayKey) => BootstrapTls | undefined;
  /** Injectable for tests: whether a recorded Envoy is still the one started (see `identifyEnvoy`). */
  identify?: (record: EnvoyRecord) => Promise<EnvoyIdentity>;
}

export interface RunningEnvoy {
  gateway: GatewayKey;
  nodeId: string;
  adminPort: number;
  /** Where its Prometheus stats are: `http://127.0.0.1:<statsPort>/stats/prometheus`. */
  statsPort: number;
  pid: number | undefined;
  restarts: number;
  /** Started by an earlier Portico and adopted by this one. */
  adopted: boolean;
}

interface Slot {
  index: number;
  nodeId: string;
  adminPort: number;
  statsPort: number;
  process: SupervisedProcess;
  tail?: LogTail;
}

/** An Envoy a Portico before this one started, found running by `recover()`. */
interface Found {
  record: EnvoyRecord;
  handle: ProcessHandle;
}

export class HostEnvoyLauncher {
  private readonly slots = new Map<GatewayKey, Slot>();
  private found = new Map<GatewayKey, Found>();
  /** Envoys being stopped: their Gateway may not start another, nor their slot be taken, until they are gone. */
  private readonly retiring = new Map<GatewayKey, { index: number; done: Promise<void> }>();
  private readonly state: StateDir;
  private readonly logger: Logger;
  private stopped = false;

  constructor(private readonly options: HostEnvoyOptions) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'envoy' });
    this.state = StateDir.at(options.workDir);
  }

  /**
   * Finds the Envoys recorded in the state directory that are still running: the next `sync()`
   * adopts or stops them. A recorded Envoy that runs but does not answer is stopped now; a
   * record whose process is gone (or whose pid now belongs to another program) is dropped.
   */
  async recover(): Promise<void> {
    const identify = this.options.identify ?? identifyEnvoy;
    for (const record of this.state.records()) {
      if (this.slots.has(record.gateway) || this.found.has(record.gateway)) continue;
      const identity = await identify(record);
      const handle = adoptedHandle(record.pid, () => runsWithBootstrap(record.pid, record.bootstrapPath));
      if (identity === 'ours') {
        this.logger.info('found a running Envoy', { gateway: record.gateway, pid: record.pid });
        this.found.set(record.gateway, { record, handle });
        continue;
      }
      if (identity === 'unresponsive') {
        this.logger.warn('stopping a recorded Envoy whose admin API does not answer', {
          gateway: record.gateway,
          pid: record.pid,
        });
        await terminate(handle, this.logger);
      }
      handle.forget?.();
      this.state.removeEnvoyFiles(record.gateway);
    }
  }

  /** Starts (or adopts) an Envoy for each new Gateway and stops those of Gateways no longer listed. */
  sync(gateways: readonly GatewayKey[]): void {
    if (this.stopped) return;
    const wanted = new Set(gateways);
    for (const [gateway, slot] of this.slots) {
      if (wanted.has(gateway)) continue;
      this.logger.info('stopping Envoy: Gateway is gone', { gateway });
      this.retire(gateway, slot.index, async () => {
        await slot.process.stop();
        slot.tail?.stop();
      });
    }
    // Those found running are adopted before anything is launched, so that their slots stay theirs.
    const found = [...this.found.values()].sort((a, b) => a.record.slot - b.record.slot);
    this.found.clear();
    for (const { record, handle } of found) {
      if (!wanted.has(record.gateway)) {
        this.logger.info('stopping Envoy: its Gateway was deleted while Portico was away', {
          gateway: record.gateway,
          pid: record.pid,
        });
        this.retire(record.gateway, record.slot, () => terminate(handle, this.logger));
      } else if (this.state.readBootstrap(record.gateway) === this.bootstrapFor(record.gateway, record.slot).content) {
        this.adopt(record, handle);
      } else {
        this.logger.warn('replacing Envoy: its bootstrap changed (xDS address or admin port)', {
          gateway: record.gateway,
          pid: record.pid,
        });
        this.retire(record.gateway, record.slot, () => terminate(handle, this.logger));
      }
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
      statsPort: slot.statsPort,
      pid: slot.process.pid,
      restarts: slot.process.restarts,
      adopted: slot.process.adopted,
    }));
  }

  /** Stops every Envoy (those found running and not adopted yet too) and removes their files. */
  async stopAll(): Promise<void> {
    this.stopped = true;
    for (const [gateway, slot] of this.slots) {
      this.retire(gateway, slot.index, async () => {
        await slot.process.stop();
        slot.tail?.stop();
      });
    }
    for (const { record, handle } of this.found.values()) {
      this.retire(record.gateway, record.slot, () => terminate(handle, this.logger));
    }
    this.found.clear();
    await Promise.all([...this.retiring.values()].map((r) => r.done));
  }

  /**
   * Stops watching the Envoys without stopping them, and leaves their files: a Portico that
   * failed to start, or stops for a restart, leaves the data plane to the next one.
   */
  release(): void {
    this.stopped = true;
    for (const slot of this.slots.values()) {
      slot.process.release();
      slot.tail?.stop();
    }
    for (const { handle } of this.found.values()) handle.forget?.();
    this.slots.clear();
    this.found.clear();
  }

  /** The bootstrap the Envoy of `gateway` in slot `index` runs with. */
  private bootstrapFor(
    gateway: GatewayKey,
    index: number,
  ): { content: string; adminPort: number; statsPort: number; nodeId: string } {
    const adminPortBase = this.options.adminPortBase ?? DEFAULT_ADMIN_PORT;
    const adminPort = adminPortBase + index;
    const statsPort = (this.options.statsPortBase ?? adminPortBase + STATS_PORT_OFFSET) + index;
    // Stable across Portico restarts: the bootstrap of an adopted Envoy must be the one it would get now.
    const nodeId = defaultNodeId(gateway, `local-${index}`);
    const tls = this.options.tls?.(gateway);
    const bootstrap = buildBootstrap({
      gateway,
      xds: this.options.xds,
      adminPort,
      nodeId,
      stats: { host: '127.0.0.1', port: statsPort },
      ...(tls ? { tls } : {}),
    });
    return { content: `${JSON.stringify(bootstrapJson(bootstrap), null, 2)}\n`, adminPort, statsPort, nodeId };
  }

  private retire(gateway: GatewayKey, index: number, stop: () => Promise<void>): void {
    this.slots.delete(gateway);
    const previous = this.retiring.get(gateway)?.done ?? Promise.resolve();
    const done = previous
      .then(stop)
      .catch((err: unknown) => this.logger.error('stopping Envoy failed', { gateway, error: err }))
      .finally(() => {
        // A Gateway that came back meanwhile owns the files now.
        if (!this.slots.has(gateway)) this.state.removeEnvoyFiles(gateway);
        if (this.retiring.get(gateway)?.done === done) this.retiring.delete(gateway);
      });
    this.retiring.set(gateway, { index, done });
  }

  private adopt(record: EnvoyRecord, handle: ProcessHandle): void {
    const logger = this.logger.child({ gateway: record.gateway });
    const slot = this.newSlot(record.gateway, record.slot, logger);
    logger.info('adopted running Envoy', {
      pid: record.pid,
      adminPort: record.adminPort,
      prometheus: `http://127.0.0.1:${slot.statsPort}${PROMETHEUS_PATH}`,
    });
    slot.tail = this.tail(record.gateway, logger, 'end');
    slot.process.start(handle);
  }

  private launch(gateway: GatewayKey): void {
    const used = new Set([...this.slots.values(), ...this.retiring.values()].map((s) => s.index));
    let index = 0;
    while (used.has(index)) index += 1;
    const logger = this.logger.child({ gateway });
    const slot = this.newSlot(gateway, index, logger);
    const retiring = this.retiring.get(gateway);
    if (retiring) {
      // Its previous Envoy (same Gateway) is still stopping, and its files with it.
      void retiring.done.then(() => {
        if (this.slots.get(gateway) === slot) slot.process.start();
      });
    } else {
      slot.process.start();
    }
  }

  private newSlot(gateway: GatewayKey, index: number, logger: Logger): Slot {
    const files = this.state.filesOf(gateway);
    const { adminPort, statsPort, nodeId } = this.bootstrapFor(gateway, index);
    const slot: Slot = {
      index,
      nodeId,
      adminPort,
      statsPort,
      process: new SupervisedProcess({
        logger,
        ...(this.options.backoff ? { backoff: this.options.backoff } : {}),
        spawn: () => {
          const bootstrapPath = this.state.writeBootstrap(gateway, this.bootstrapFor(gateway, index).content);
          const args = [
            '-c',
            bootstrapPath,
            '--disable-hot-restart',
            '--log-level',
            this.options.envoyLogLevel ?? 'warn',
            ...ENVOY_RUNTIME_FLAGS,
          ];
          logger.info('starting Envoy', {
            nodeId,
            adminPort,
            prometheus: `http://127.0.0.1:${statsPort}${PROMETHEUS_PATH}`,
          });
          // Append mode: the tail empties a file grown past its limit, and Envoy's next line must go at its start.
          const log = openSync(
            files.log,
            constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_APPEND,
            0o600,
          );
          let child: ChildProcess;
          try {
            child = (this.options.spawn ?? spawnProcess)(this.options.envoyBin, args, {
              stdio: ['ignore', log, log],
              detached: true,
            });
          } finally {
            closeSync(log);
          }
          if (child.pid !== undefined) {
            this.state.writeRecord({ gateway, pid: child.pid, slot: index, adminPort, nodeId, bootstrapPath });
          }
          slot.tail?.stop();
          slot.tail = this.tail(gateway, logger, 'start');
          return childHandle(child);
        },
      }),
    };
    this.slots.set(gateway, slot);
    return slot;
  }

  private tail(gateway: GatewayKey, logger: Logger, from: 'start' | 'end'): LogTail {
    return new LogTail(
      this.state.filesOf(gateway).log,
      (line) => handleEnvoyOutput(line, gateway, logger, this.options.accessLog ?? writeToStdout),
      from,
    );
  }
}

/**
 * Whether the recorded Envoy is still the one started there: its pid runs with the recorded
 * bootstrap, and its admin API answers with that bootstrap and node. An Envoy that was just
 * starting when its Portico died may take a moment to answer.
 */
export async function identifyEnvoy(record: EnvoyRecord, attempts = 10): Promise<EnvoyIdentity> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (!isRunning(record.pid) || !runsWithBootstrap(record.pid, record.bootstrapPath)) return 'gone';
    const admin = await adminIdentity(record.adminPort);
    if (admin?.configPath === record.bootstrapPath && admin.nodeId === record.nodeId) return 'ours';
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return 'unresponsive';
}
