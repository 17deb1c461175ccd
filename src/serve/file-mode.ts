/**
 * `portico serve --provider file --watch DIR`: Gateway API YAML from a directory, served to local
 * Envoys that Portico launches (one per accepted Gateway) and adopts again after a restart.
 */
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { concatMap } from 'rxjs/operators';
import { FileProvider } from '../file/file-provider.js';
import type { HostPort } from '../infra/bootstrap.js';
import { findEnvoy } from '../infra/envoy-binary.js';
import { HostEnvoyLauncher } from '../infra/host/envoy-launcher.js';
import type { RunningEnvoy } from '../infra/host/envoy-launcher.js';
import { defaultStateDir, StateDir } from '../infra/host/state-dir.js';
import { LocalXdsIdentities } from '../infra/host/xds-identities.js';
import { readXdsCaDir } from '../infra/kubernetes/xds-tls.js';
import { errorMessage } from '../shared/error-message.js';
import type { LogFields, Logger } from '../shared/logger.js';
import type { StatusReport } from '../pipeline/status-report.js';
import type { ServeConfig } from './serve-config.js';
import type { ModeInput, ModeParts, ServeMode } from './serve-mode.js';
import type { ShutdownSteps } from './shutdown-steps.js';
import { runRateLimitService } from './rate-limit-host.js';

/**
 * The file provider's quiet period. Its notifications already come settled (a write's truncate and
 * write are one event), and each scan emits all its events at once, so 1 ms gathers one scan's
 * events into one batch and adds nothing else to an edit's latency (10 ms before). A batch writes
 * nothing back, so a bulk copy costs a few cheap (incremental) translations at most. With
 * Kubernetes a burst of creates is also a burst of status writes: there the longer default
 * batches better (measured: 1,000 routes took 5.3–6.5 s to all-correct at 50 ms, 7.7–8.1 s at 10 ms).
 */
export const FILE_QUIET_MS = 1;

export class FileMode implements ServeMode {
  readonly managesEnvoys: boolean;
  private readonly envoyBin: string | undefined;
  private state: StateDir | undefined;
  private provider: FileProvider | undefined;
  private launcher: HostEnvoyLauncher | undefined;

  /**
   * Checks what must be there before anything binds: the Envoy binary (when launching) and the
   * watched directory. `isStarted`: whether the whole start succeeded; a start that fails leaves
   * the local Envoys running (they serve their last configuration) for the next one.
   */
  constructor(
    private readonly config: ServeConfig,
    private readonly logger: Logger,
    private readonly isStarted: () => boolean,
  ) {
    this.envoyBin = config.launchEnvoy ? findEnvoy() : undefined;
    // The directory must exist at start (a typo would otherwise serve nothing, silently); once
    // running, a directory that goes away keeps its last objects in service (FileProvider).
    checkWatchDirectory(config.watchDir);
    this.managesEnvoys = this.envoyBin !== undefined;
  }

  async open(steps: ShutdownSteps): Promise<HostPort | undefined> {
    if (!this.envoyBin) return undefined;
    // The local Envoys' state. A Portico before this one may have left Envoys serving; they
    // reconnect to the xDS address they were given, so a port chosen at random is kept. Its lock
    // is held from here until the process ends: a second Portico is refused now.
    const state = await StateDir.open(
      this.config.stateDir ?? defaultStateDir(this.config.watchDir, this.config.listenerAddress),
    );
    this.state = state;
    steps.push(() => state.release());
    return state.previousXds();
  }

  input(): ModeInput {
    const provider = new FileProvider(this.config.watchDir, { logger: this.logger });
    this.provider = provider;
    return {
      events$: provider.events$,
      // Every Gateway's listeners bind the one --listener-address.
      options: {
        sharedAddress: true,
        quietMs: FILE_QUIET_MS,
        ...(this.config.rateLimit
          ? { rateLimitService: { address: this.config.rateLimit.grpc, failClosed: this.config.rateLimit.failClosed } }
          : {}),
      },
    };
  }

  async attach({ pipeline, xds, credentials, caChanged }: ModeParts, steps: ShutdownSteps): Promise<void> {
    const { envoyBin, state, config, logger, isStarted } = this;
    // Also for Envoys connected by hand (--no-envoy): they ask the same address.
    if (config.rateLimit) runRateLimitService(config.rateLimit.grpc, pipeline, logger, steps);
    if (!envoyBin || !state) return;
    const xdsAddress = xds.address() ?? config.xds;
    state.claim(xdsAddress);
    steps.push(async () => {
      if (!isStarted()) return;
      const left = await state.remove();
      if (left.length > 0) logger.warn('state directory not removed: files are left', { dir: state.path, left });
    });
    const caDir = credentials ? config.xdsCaDir : undefined;
    const identitiesDir = join(state.path, 'xds-tls');
    const identities = caDir
      ? new LocalXdsIdentities({ dir: identitiesDir, ca: () => readXdsCaDir(caDir), logger })
      : undefined;
    if (identities) {
      const resyncs = caChanged.subscribe(() => void identities.resync());
      steps.push(() => {
        resyncs.unsubscribe();
        identities.stop();
        // Kept after a failed start or a kill: adopted Envoys read their certificates there.
        if (isStarted()) rmSync(identitiesDir, { recursive: true, force: true });
      });
    }
    const launcher = new HostEnvoyLauncher({
      envoyBin,
      // Envoy cannot connect to a wildcard address; a server bound to all interfaces is reachable on loopback.
      xds: { host: isWildcard(xdsAddress.host) ? '127.0.0.1' : xdsAddress.host, port: xdsAddress.port },
      workDir: state.path,
      adminPortBase: config.adminPortBase,
      ...(config.statsPortBase !== undefined ? { statsPortBase: config.statsPortBase } : {}),
      ...(config.accessLog ? { accessLog: config.accessLog } : {}),
      logger,
      ...(identities ? { tls: (gateway: string) => identities.tls(gateway) } : {}),
    });
    this.launcher = launcher;
    steps.push(() => (isStarted() ? launcher.stopAll() : launcher.release()));
    await launcher.recover();
    const launching = pipeline.output$
      .pipe(
        // Each Envoy's certificate is on disk before it starts.
        concatMap(async (output) => {
          const gateways = output.gateways.map((g) => g.name);
          await identities?.sync(gateways);
          return gateways;
        }),
      )
      // A Gateway whose certificate could not be issued (logged) waits for the next output.
      .subscribe((gateways) => launcher.sync(identities ? gateways.filter((g) => identities.tls(g)) : gateways));
    steps.push(() => launching.unsubscribe());
  }

  status(report: StatusReport): StatusReport {
    const provider = this.provider;
    return {
      ...report,
      errors: [...(provider?.errors() ?? []).map((e) => ({ stage: 'file', ...e })), ...report.errors],
      warnings: [...(provider?.warnings() ?? []), ...report.warnings],
    };
  }

  waitingFor(pipelineSynced: boolean): string[] {
    return pipelineSynced ? [] : ['initial sync of the watched directory'];
  }

  envoys(): RunningEnvoy[] {
    return this.launcher?.running() ?? [];
  }

  describe(): { source: LogFields; envoy: string } {
    return { source: { watch: this.config.watchDir }, envoy: this.envoyBin ?? 'not launched' };
  }
}

function checkWatchDirectory(dir: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`--watch ${dir}: ${code === 'ENOENT' ? 'no such directory' : errorMessage(err)}`);
  }
  if (!isDirectory) throw new Error(`--watch ${dir}: not a directory`);
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}
