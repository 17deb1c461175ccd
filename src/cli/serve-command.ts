/**
 * `portico serve --provider file --watch DIR`: standalone Portico. Wires
 *   file provider → pipeline → ADS server (serve-xds.ts) → local Envoys → debug server
 * and runs until SIGINT/SIGTERM, then stops every Envoy it started.
 *
 * `portico serve --provider kubernetes`: the same pipeline, ADS server and debug server fed by
 * informers (src/k8s), plus leader election and status write-back; no local Envoy.
 */
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_DEBUG_ADDRESS, isLoopbackHost, startDebugServer } from '../debug/debug-server.js';
import type { DebugServer, DebugSources } from '../debug/debug-server.js';
import { MetricsRegistry } from '../debug/metrics.js';
import { FileProvider } from '../file/file-provider.js';
import { createKubernetesSource, DEFAULT_LEASE_NAME } from '../k8s/kubernetes-serve.js';
import type { KubernetesServeOptions, KubernetesSource } from '../k8s/kubernetes-serve.js';
import { DEFAULT_ADMIN_PORT, DEFAULT_XDS_ADDRESS, parseHostPort } from '../infra/bootstrap.js';
import type { HostPort } from '../infra/bootstrap.js';
import { findEnvoy } from '../infra/envoy-binary.js';
import { HostEnvoyLauncher, type RunningEnvoy } from '../infra/host/envoy-launcher.js';
import { defaultStateDir, StateDir } from '../infra/host/state-dir.js';
import { createJsonLogger, errorMessage, isLogLevel, LOG_LEVELS } from '../pipeline/logger.js';
import type { Logger, LogLevel } from '../pipeline/logger.js';
import { startPipeline } from '../pipeline/pipeline.js';
import { registerPipelineMetrics } from '../pipeline/pipeline-metrics.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './command.js';
import type { CliIo, CommandSpec } from './command.js';
import { startXdsServer, type XdsServing } from './serve-xds.js';
import type { ServerCredentials } from '@grpc/grpc-js';
// ---- provisioning and xDS mutual TLS (src/infra/kubernetes) ----
import { map as mapReport } from 'rxjs/operators';
import { withGatewayAddresses } from '../infra/kubernetes/addresses.js';
import { XDS_SERVICE_NAME, XDS_SERVICE_PORT } from '../infra/kubernetes/certs.js';
import { GatewayProvisioner } from '../infra/kubernetes/reconciler.js';
import { DEFAULT_ENVOY_IMAGE, ENVOY_OWN_PORTS, SERVICE_TYPES } from '../infra/kubernetes/resources.js';
import type { ProvisionSettings, ServiceType } from '../infra/kubernetes/resources.js';
import { readXdsCaDir, XDS_CA_FILES } from '../infra/kubernetes/xds-tls.js';
import { reloadingXdsServerCredentials } from '../infra/kubernetes/xds-server-credentials.js';
import { watchSecretMount } from '../infra/secret-mount.js';
import { combineLatest, Subject } from 'rxjs';
import { LocalXdsIdentities } from '../infra/host/xds-identities.js';
import { DEFAULT_XDS_LIMITS, type XdsLimits } from '../xds/stream-limits.js';
import { concatMap } from 'rxjs/operators';
import { DEFAULT_QUIET_MS } from '../pipeline/batch-with-latency-cap.js';

const SERVE_USAGE = `Usage: portico serve --provider file --watch DIR [options]
       portico serve --provider kubernetes [--kubeconfig PATH] [options]

Serves Gateway API resources from a directory of YAML to Envoy over ADS, and launches one local
Envoy per accepted Gateway. Edits to the directory apply within a fraction of a second; a file
that does not parse is reported (log and /debug/status) and its last good objects stay in service.

With --provider kubernetes, resources come from the cluster's API server; the replica holding the
leader Lease writes status back. No local Envoy is launched.

Options:
      --provider file|kubernetes where resources come from
      --watch DIR                file: directory of *.yaml / *.yml manifests (watched recursively)
      --kubeconfig PATH          kubernetes: kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)
      --leader-election-namespace NS
                                 kubernetes: namespace of the leader Lease (default: $POD_NAMESPACE,
                                 the service account's namespace, or default)
      --lease-name NAME          kubernetes: name of the leader Lease (default ${DEFAULT_LEASE_NAME})
      --xds-address HOST:PORT    ADS server listen address (default ${DEFAULT_XDS_ADDRESS})
      --xds-tls-dir DIR          serve xDS over mutual TLS: DIR holds ca.crt, tls.crt, tls.key (the
                                 portico-xds-server Secret of portico certgen); clients need a
                                 certificate signed by ca.crt naming the Gateway they claim
      --xds-ca-dir DIR           the CA (tls.crt, tls.key: the portico-xds-ca Secret of portico
                                 certgen) that signs each Gateway's Envoy client certificate, and
                                 ca.crt, the CAs Envoys trust; required with --xds-tls-dir unless no
                                 Envoy is launched or provisioned. Both directories are watched: a
                                 renewed certificate or a CA rotation step applies without a restart
      --xds-max-connection-age SECONDS
                                 close each xDS connection after about this long; its Envoy
                                 reconnects (and its certificate is checked again) (default: never)
      --xds-max-streams-per-identity N
                                 open xDS streams per Gateway identity (default ${DEFAULT_XDS_LIMITS.maxStreamsPerIdentity})
      --xds-max-names-per-subscription N
                                 resource names in one type's subscription (default ${DEFAULT_XDS_LIMITS.maxNamesPerSubscription})
      --xds-max-names-per-stream N
                                 resource names of all of a stream's subscriptions (default ${DEFAULT_XDS_LIMITS.maxNamesPerStream})
      --xds-max-request-bytes N  size of one xDS request message (default ${DEFAULT_XDS_LIMITS.maxRequestBytes})
      --xds-max-streams-per-namespace N
                                 open xDS streams of all Gateways of one namespace (default ${DEFAULT_XDS_LIMITS.maxStreamsPerNamespace})
      --xds-max-names-per-namespace N
                                 resource names subscribed by all streams of one namespace
                                 (default ${DEFAULT_XDS_LIMITS.maxNamesPerNamespace})
      --no-provision             kubernetes: do not create Envoy Deployments/Services for Gateways
      --xds-service-address HOST:PORT
                                 kubernetes: where provisioned Envoys reach xDS
                                 (default ${XDS_SERVICE_NAME}.<namespace>.svc:${XDS_SERVICE_PORT})
      --gateway-service-type TYPE
                                 kubernetes: ${SERVICE_TYPES.join(', ')} (default LoadBalancer)
      --envoy-image IMAGE        kubernetes: Envoy image (default ${DEFAULT_ENVOY_IMAGE})
      --debug-address HOST:PORT  /debug/*, /metrics, /healthz, /readyz (default ${DEFAULT_DEBUG_ADDRESS});
                                 /debug shows every Gateway's configuration: keep it on loopback
                                 (in a Pod: kubectl port-forward)
      --metrics-address HOST:PORT
                                 also serve /metrics, /healthz and /readyz (never /debug) here: for
                                 kubelet probes and Prometheus on the Pod IP (default: not served)
      --listener-address ADDR    address Envoy listeners bind (default 127.0.0.1)
      --admin-port-base PORT     admin port of the first local Envoy; the next ones count up
                                 (default ${DEFAULT_ADMIN_PORT})
      --no-envoy                 do not launch Envoy (connect your own: portico bootstrap)
      --state-dir DIR            file: where the local Envoys' bootstraps, pids and logs are kept, so
                                 that a restarted Portico adopts the Envoys that kept serving
                                 (default: a directory per watched directory in $TMPDIR; removed
                                 on a graceful stop)
      --log-level LEVEL          ${LOG_LEVELS.join(', ')} (default warn); JSON lines on stderr
  -h, --help                     show this help
`;

/**
 * The file provider's quiet period. Its notifications already come settled (a write's truncate and
 * write are one event), and each scan emits all its events at once, so 1 ms gathers one scan's
 * events into one batch and adds nothing else to an edit's latency (10 ms before). A batch writes
 * nothing back, so a bulk copy costs a few cheap (incremental) translations at most. With
 * Kubernetes a burst of creates is also a burst of status writes: there the longer default
 * batches better (measured: 1,000 routes took 5.3–6.5 s to all-correct at 50 ms, 7.7–8.1 s at 10 ms).
 */
export const FILE_QUIET_MS = 1;

export const serveCommand: CommandSpec = {
  summary: 'serve a directory of Gateway API YAML to Envoy over xDS, with local Envoys',
  usage: SERVE_USAGE,
  run: runServeCommand,
};

export interface ServeConfig {
  /** `--provider file`: the watched directory. Ignored when `kubernetes` is set. */
  watchDir: string;
  /** `--state-dir`: the local Envoys' state (default: `defaultStateDir`). */
  stateDir?: string;
  /** `--provider kubernetes`. */
  kubernetes?: KubernetesServeOptions;
  /** `--xds-tls-dir`: mutual TLS on the xDS server. */
  xdsTlsDir?: string;
  /** `--xds-ca-dir`: the CA that signs each Gateway's Envoy client certificate. */
  xdsCaDir?: string;
  /** `--xds-max-*`: bounds per identity, subscription, stream and request. */
  xdsLimits?: Partial<XdsLimits>;
  /** `--xds-max-connection-age` (in milliseconds here): none when absent. */
  xdsMaxConnectionAgeMs?: number;
  /** kubernetes: provision Envoy per accepted Gateway (off when absent). */
  provision?: ProvisionSettings & { controllerNamespace: string };
  xds: HostPort;
  /** Every debug endpoint (`all` scope). */
  debug: HostPort;
  /** `--metrics-address`: health and metrics only (`public` scope). */
  metrics?: HostPort;
  listenerAddress: string;
  adminPortBase: number;
  launchEnvoy: boolean;
  logLevel: LogLevel;
  /**
   * Pipeline batching: quiet period that ends a burst of changes (default 50 ms with Kubernetes,
   * 1 ms with files; see FILE_QUIET_MS).
   */
  quietMs?: number;
  /** Pipeline batching: longest delay after the first change of a burst (default 200 ms). */
  maxLatencyMs?: number;
}

export interface RunningServe {
  debugAddress(): HostPort;
  /** The `--metrics-address` listener, when there is one. */
  metricsAddress(): HostPort | undefined;
  xdsAddress(): HostPort | undefined;
  /** The local Envoys Portico launched (none with `--no-envoy`). */
  envoys(): RunningEnvoy[];
  stop(): Promise<void>;
}

export async function runServeCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseServeArgs(args);
  if (parsed === 'help') {
    io.stdout.write(SERVE_USAGE);
    return EXIT_OK;
  }
  if (typeof parsed === 'string') {
    io.stderr.write(`portico serve: ${parsed}\n\n${SERVE_USAGE}`);
    return EXIT_USAGE;
  }
  const logger = createJsonLogger({ level: parsed.logLevel, sink: io.stderr });
  let running: RunningServe;
  try {
    running = await startServe(parsed, logger);
  } catch (err) {
    io.stderr.write(`portico serve: ${errorMessage(err)}\n`);
    return EXIT_FAILURE;
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  logger.info('shutting down', { signal });
  await running.stop();
  return EXIT_OK;
}

export function parseServeArgs(args: string[]): ServeConfig | 'help' | string {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        provider: { type: 'string' },
        watch: { type: 'string' },
        kubeconfig: { type: 'string' },
        'leader-election-namespace': { type: 'string' },
        'lease-name': { type: 'string' },
        'xds-address': { type: 'string', default: DEFAULT_XDS_ADDRESS },
        'debug-address': { type: 'string', default: DEFAULT_DEBUG_ADDRESS },
        'metrics-address': { type: 'string' },
        'listener-address': { type: 'string', default: '127.0.0.1' },
        'admin-port-base': { type: 'string', default: String(DEFAULT_ADMIN_PORT) },
        'no-envoy': { type: 'boolean', default: false },
        'state-dir': { type: 'string' },
        'xds-tls-dir': { type: 'string' },
        'xds-ca-dir': { type: 'string' },
        'xds-max-streams-per-identity': { type: 'string' },
        'xds-max-names-per-subscription': { type: 'string' },
        'xds-max-names-per-stream': { type: 'string' },
        'xds-max-request-bytes': { type: 'string' },
        'xds-max-streams-per-namespace': { type: 'string' },
        'xds-max-names-per-namespace': { type: 'string' },
        'xds-max-connection-age': { type: 'string' },
        'no-provision': { type: 'boolean', default: false },
        'xds-service-address': { type: 'string' },
        'gateway-service-type': { type: 'string' },
        'envoy-image': { type: 'string' },
        'log-level': { type: 'string', default: 'warn' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return errorMessage(err);
  }
  if (values.help) return 'help';
  let kubernetes: KubernetesServeOptions | undefined;
  if (values.provider === 'kubernetes') {
    if (values.watch !== undefined) return '--watch needs a provider that reads files: the provider must be "file"';
    if (values['state-dir'] !== undefined) return '--state-dir applies to --provider file only';
    kubernetes = {
      ...(values.kubeconfig !== undefined ? { kubeconfig: values.kubeconfig } : {}),
      ...(values['leader-election-namespace'] !== undefined
        ? { leaseNamespace: values['leader-election-namespace'] }
        : {}),
      ...(values['lease-name'] !== undefined ? { leaseName: values['lease-name'] } : {}),
    };
  } else if (values.provider !== 'file') {
    return values.provider === undefined
      ? '--provider file is required'
      : `--provider must be "file" or "kubernetes", not "${values.provider}"`;
  } else {
    for (const option of [
      'kubeconfig',
      'leader-election-namespace',
      'lease-name',
      'xds-service-address',
      'gateway-service-type',
      'envoy-image',
    ] as const) {
      if (values[option] !== undefined) return `--${option} applies to --provider kubernetes only`;
    }
    if (!values.watch) return '--watch DIR is required with --provider file';
  }
  if (!isLogLevel(values['log-level'])) return `--log-level must be one of ${LOG_LEVELS.join(', ')}`;
  const adminPortBase = Number(values['admin-port-base']);
  if (!Number.isInteger(adminPortBase) || adminPortBase < 1 || adminPortBase > 65535) {
    return `--admin-port-base must be a port number, not "${values['admin-port-base']}"`;
  }
  const xdsLimits: Partial<XdsLimits> = {};
  for (const [flag, key] of [
    ['xds-max-streams-per-identity', 'maxStreamsPerIdentity'],
    ['xds-max-names-per-subscription', 'maxNamesPerSubscription'],
    ['xds-max-names-per-stream', 'maxNamesPerStream'],
    ['xds-max-request-bytes', 'maxRequestBytes'],
    ['xds-max-streams-per-namespace', 'maxStreamsPerNamespace'],
    ['xds-max-names-per-namespace', 'maxNamesPerNamespace'],
  ] as const) {
    const text = values[flag];
    if (text === undefined) continue;
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 1) return `--${flag} must be a positive whole number, not "${text}"`;
    xdsLimits[key] = n;
  }
  let xdsMaxConnectionAgeMs: number | undefined;
  if (values['xds-max-connection-age'] !== undefined) {
    const seconds = Number(values['xds-max-connection-age']);
    if (!Number.isSafeInteger(seconds) || seconds < 1) {
      return `--xds-max-connection-age must be a positive whole number of seconds, not "${values['xds-max-connection-age']}"`;
    }
    xdsMaxConnectionAgeMs = seconds * 1000;
  }
  const serviceType = values['gateway-service-type'] ?? 'LoadBalancer';
  if (!(SERVICE_TYPES as readonly string[]).includes(serviceType)) {
    return `--gateway-service-type must be one of ${SERVICE_TYPES.join(', ')}`;
  }
  try {
    const controllerNamespace = values['leader-election-namespace'] ?? process.env.POD_NAMESPACE ?? 'portico-system';
    const provision =
      kubernetes && !values['no-provision']
        ? {
            controllerNamespace,
            xds: parseHostPort(
              values['xds-service-address'] ?? `${XDS_SERVICE_NAME}.${controllerNamespace}.svc:${XDS_SERVICE_PORT}`,
              '--xds-service-address',
            ),
            tls: values['xds-tls-dir'] !== undefined,
            ...(values['xds-ca-dir'] !== undefined
              ? {
                  xdsCa: (
                    (dir: string) => () =>
                      readXdsCaDir(dir)
                  )(values['xds-ca-dir']),
                }
              : {}),
            serviceType: serviceType as ServiceType,
            ...(values['envoy-image'] ? { envoyImage: values['envoy-image'] } : {}),
          }
        : undefined;
    return {
      watchDir: values.watch ?? '',
      ...(values['state-dir'] !== undefined ? { stateDir: values['state-dir'] } : {}),
      ...(kubernetes ? { kubernetes } : {}),
      ...(values['xds-tls-dir'] !== undefined ? { xdsTlsDir: values['xds-tls-dir'] } : {}),
      ...(values['xds-ca-dir'] !== undefined ? { xdsCaDir: values['xds-ca-dir'] } : {}),
      ...(Object.keys(xdsLimits).length > 0 ? { xdsLimits } : {}),
      ...(xdsMaxConnectionAgeMs !== undefined ? { xdsMaxConnectionAgeMs } : {}),
      ...(provision ? { provision } : {}),
      xds: parseHostPort(values['xds-address'], '--xds-address'),
      debug: parseHostPort(values['debug-address'], '--debug-address'),
      ...(values['metrics-address'] !== undefined
        ? { metrics: parseHostPort(values['metrics-address'], '--metrics-address') }
        : {}),
      listenerAddress: values['listener-address'],
      adminPortBase,
      // In a cluster, Envoys are provisioned there (or connected with `portico bootstrap`), not launched here.
      launchEnvoy: !values['no-envoy'] && !kubernetes,
      logLevel: values['log-level'],
    };
  } catch (err) {
    return errorMessage(err);
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

/** Starts everything; on failure, stops what was already started and rethrows. */
export async function startServe(config: ServeConfig, logger: Logger): Promise<RunningServe> {
  const cleanups: (() => Promise<void> | void)[] = [];
  // A start that fails leaves the local Envoys running (they serve their last configuration) for the next one.
  let started = false;
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (err) {
        logger.error('shutdown step failed', { error: err });
      }
    }
    cleanups.length = 0;
  };
  try {
    // Found first: a missing Envoy or directory should fail before anything binds.
    const envoyBin = config.launchEnvoy ? findEnvoy() : undefined;
    // The directory must exist at start (a typo would otherwise serve nothing, silently); once
    // running, a directory that goes away keeps its last objects in service (FileProvider).
    if (!config.kubernetes) checkWatchDirectory(config.watchDir);

    const registry = new MetricsRegistry();
    const metrics = registerPipelineMetrics(registry);
    // Follows the mounted files: a renewed server certificate or a rotation step needs no restart.
    const tls = config.xdsTlsDir ? reloadingXdsServerCredentials(config.xdsTlsDir, logger) : undefined;
    if (tls) cleanups.push(() => tls.close());
    const credentials = tls?.credentials;
    if (config.kubernetes && !credentials) {
      logger.warn('xDS is served in plain text: the stream carries TLS private keys; use --xds-tls-dir in a cluster');
    }
    // With TLS, an Envoy is served only the Gateway its certificate names: the Envoys Portico
    // launches or provisions each need one, which Portico signs with this CA.
    const issuesCertificates = credentials !== undefined && (envoyBin !== undefined || config.provision !== undefined);
    if (issuesCertificates && !config.xdsCaDir) {
      throw new Error(
        "--xds-tls-dir needs --xds-ca-dir (the portico-xds-ca of portico certgen): each Gateway's Envoys get their own client certificate, signed by it",
      );
    }
    if (issuesCertificates) readXdsCaDir(config.xdsCaDir!); // fail now on a bad directory
    // A rotation step (certgen --rotate) changes the CA mount: every Gateway's certificate is
    // checked again at once (its ca.crt, and who signs it), not at the next hourly pass.
    const caChanged = new Subject<void>();
    if (issuesCertificates) {
      const caWatch = watchSecretMount(config.xdsCaDir!, XDS_CA_FILES, () => caChanged.next());
      cleanups.push(() => caWatch.close());
    }
    // Standalone: the local Envoys' state. A Portico before this one may have left Envoys serving;
    // they reconnect to the xDS address they were given, so a port chosen at random is kept.
    // Its lock is held from here until the process ends: a second Portico is refused now.
    const state = envoyBin
      ? await StateDir.open(config.stateDir ?? defaultStateDir(config.watchDir, config.listenerAddress))
      : undefined;
    if (state) cleanups.push(() => state.release());
    const xds = await startXdsServerAt(
      config.xds,
      state?.previousXds(),
      logger,
      credentials,
      config.xdsLimits,
      config.xdsMaxConnectionAgeMs,
    );
    cleanups.push(() => xds.stop());
    registry.addCollector(xds.metrics);

    // ---- the provider: a directory, or the cluster (src/k8s) ----
    const kube: KubernetesSource | undefined = config.kubernetes
      ? createKubernetesSource(config.kubernetes, logger, registry)
      : undefined;
    const provider = kube ? undefined : new FileProvider(config.watchDir, { logger });
    const pipeline = startPipeline(
      kube?.events$ ?? provider!.events$,
      {
        publisher: xds.publisher,
        tracker: xds.tracker,
        logger,
        metrics,
        ...(kube ? { translator: kube.translator } : {}),
      },
      {
        listenerAddress: config.listenerAddress,
        // In a cluster every Gateway's Envoy is provisioned with its admin and readiness ports;
        // from files, every Gateway's listeners bind the one --listener-address.
        ...(kube ? { reservedPorts: ENVOY_OWN_PORTS } : { sharedAddress: true }),
        ...(kube && config.provision ? { assignsAddresses: true } : {}),
        quietMs: config.quietMs ?? (kube ? DEFAULT_QUIET_MS : FILE_QUIET_MS),
        ...(config.maxLatencyMs !== undefined ? { maxLatencyMs: config.maxLatencyMs } : {}),
      },
    );
    cleanups.push(() => pipeline.stop());
    if (kube) {
      // Only the Lease holder serves xDS: it writes status, and Programmed counts the Envoys
      // connected to it. Another replica's Envoys are sent back through the xDS Service.
      const serving = kube.elector.isLeader$.subscribe((leader) =>
        xds.refuseStreams(
          leader
            ? undefined
            : 'this Portico replica does not hold the leader Lease; reconnect to reach the one that does',
        ),
      );
      cleanups.push(() => serving.unsubscribe());
      const provision = config.provision;
      let provisioner: GatewayProvisioner | undefined;
      if (provision) {
        provisioner = new GatewayProvisioner({ ...provision, api: kube.api, logger });
        provisioner.start(pipeline.output$, kube.elector.isLeader$);
        const rechecks = caChanged.subscribe(() => provisioner?.recheck());
        cleanups.push(() => {
          rechecks.unsubscribe();
          provisioner?.stop();
        });
      }
      // Gateway status.addresses and address conditions from the provisioned Services (the
      // informer's copies) and where the provisioner put each requested address.
      kube.startStatusWriter(
        provisioner
          ? combineLatest([pipeline.status$, provisioner.addressOutcomes$]).pipe(
              mapReport(([report, outcomes]) =>
                withGatewayAddresses(
                  report,
                  (namespace, name) => kube.provider.get('Service', name, namespace),
                  outcomes,
                  (namespace, name) => kube.provider.get('Gateway', name, namespace),
                ),
              ),
            )
          : pipeline.status$,
      );
      // Registered after the pipeline's: runs first on stop, releasing the lease before the informers stop.
      cleanups.push(() => kube.stop());
    }

    let launched: HostEnvoyLauncher | undefined;
    if (envoyBin && state) {
      const xdsAddress = xds.address() ?? config.xds;
      state.claim(xdsAddress);
      cleanups.push(async () => {
        if (!started) return;
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
        cleanups.push(() => {
          resyncs.unsubscribe();
          identities.stop();
          // Kept after a failed start or a kill: adopted Envoys read their certificates there.
          if (started) rmSync(identitiesDir, { recursive: true, force: true });
        });
      }
      const launcher = new HostEnvoyLauncher({
        envoyBin,
        // Envoy cannot connect to a wildcard address; a server bound to all interfaces is reachable on loopback.
        xds: { host: isWildcard(xdsAddress.host) ? '127.0.0.1' : xdsAddress.host, port: xdsAddress.port },
        workDir: state.path,
        adminPortBase: config.adminPortBase,
        logger,
        ...(identities ? { tls: (gateway: string) => identities.tls(gateway) } : {}),
      });
      launched = launcher;
      cleanups.push(() => (started ? launcher.stopAll() : launcher.release()));
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
      cleanups.push(() => launching.unsubscribe());
    }

    const debugSources: DebugSources = {
      publisher: xds.publisher,
      tracker: xds.tracker,
      metrics: registry,
      status: () => {
        const report = pipeline.latestStatus();
        return {
          ...report,
          errors: [...(provider?.errors() ?? []).map((e) => ({ stage: 'file', ...e })), ...report.errors],
          warnings: [...(provider?.warnings() ?? []), ...report.warnings],
        };
      },
      readiness: () => {
        const waitingFor: string[] = [];
        if (kube) waitingFor.push(...kube.waitingFor());
        if (!pipeline.synced) waitingFor.push(kube ? 'initial translation' : 'initial sync of the watched directory');
        if (!xds.address()) waitingFor.push('xDS server listening');
        return { ready: waitingFor.length === 0, waitingFor };
      },
    };
    if (!isLoopbackHost(config.debug.host)) {
      logger.warn(
        "the debug address is not loopback: /debug shows every Gateway's configuration to whoever reaches it",
        {
          debug: config.debug,
          hint: 'keep --debug-address on 127.0.0.1 and use --metrics-address for probes and Prometheus',
        },
      );
    }
    const debugLogger = logger.child({ component: 'debug' });
    const debug: DebugServer = await startDebugServer(config.debug, debugSources, debugLogger);
    cleanups.push(() => debug.close());
    const metricsServer = config.metrics
      ? await startDebugServer(config.metrics, debugSources, debugLogger, 'public')
      : undefined;
    if (metricsServer) cleanups.push(() => metricsServer.close());
    logger.info('serving', {
      ...(kube ? { kubernetes: kube.api.server } : { watch: config.watchDir }),
      xds: xds.address(),
      debug: debug.address(),
      ...(metricsServer ? { metrics: metricsServer.address() } : {}),
      envoy: envoyBin ?? 'not launched',
    });
    started = true;
    return {
      debugAddress: () => debug.address(),
      metricsAddress: () => metricsServer?.address(),
      xdsAddress: () => xds.address(),
      envoys: () => launched?.running() ?? [],
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The ADS server, on the address the last Portico of this state directory served when the port
 * is left to the system (port 0): the Envoys it left reconnect there. If that port is taken now,
 * a new one is chosen (and those Envoys are replaced, since their bootstrap no longer matches).
 */
async function startXdsServerAt(
  listen: HostPort,
  previous: HostPort | undefined,
  logger: Logger,
  credentials: ServerCredentials | undefined,
  limits: Partial<XdsLimits> | undefined,
  maxConnectionAgeMs: number | undefined,
): Promise<XdsServing> {
  if (listen.port === 0 && previous && previous.host === listen.host) {
    try {
      return await startXdsServer(previous, logger, credentials, limits, maxConnectionAgeMs);
    } catch (err) {
      logger.warn('the xDS port of the last run is taken; choosing another', {
        port: previous.port,
        error: errorMessage(err),
      });
    }
  }
  return startXdsServer(listen, logger, credentials, limits, maxConnectionAgeMs);
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}
