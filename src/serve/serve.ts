/**
 * The serving root: starts what both modes share and the mode's own parts, in this order,
 *   mode checks → metrics, xDS TLS → mode.open → ADS server (xds-server.ts) → mode.input → pipeline
 *   → mode.attach → debug server
 * and undoes them in reverse on stop. File mode (file-mode.ts) launches local Envoys; Kubernetes
 * mode (kubernetes-mode.ts) adds leader election, status write-back and provisioning.
 */
import { Subject } from 'rxjs';
import { isLoopbackHost, startDebugServer } from '../debug/debug-server.js';
import type { DebugServer, DebugSources } from '../debug/debug-server.js';
import { MetricsRegistry } from '../shared/metrics.js';
import { processMetrics } from '../debug/process-metrics.js';
import { XDS_CA_FILES, readXdsCaDir } from '../infra/kubernetes/xds-tls.js';
import { reloadingXdsServerCredentials } from '../infra/kubernetes/xds-server-credentials.js';
import { watchSecretMount } from '../infra/secret-mount.js';
import type { Logger } from '../shared/logger.js';
import { startPipeline } from '../pipeline/pipeline.js';
import { registerPipelineMetrics } from '../pipeline/pipeline-metrics.js';
import { FileMode } from './file-mode.js';
import { KubernetesMode } from './kubernetes-mode.js';
import type { RunningServe, ServeConfig } from './serve-config.js';
import type { ServeMode } from './serve-mode.js';
import { ShutdownSteps } from './shutdown-steps.js';
import { startXdsServerAt } from './xds-server.js';

/** Starts everything; on failure, stops what was already started and rethrows. */
export async function startServe(config: ServeConfig, logger: Logger): Promise<RunningServe> {
  const steps = new ShutdownSteps(logger);
  let started = false;
  try {
    // Checked first: a missing Envoy or directory should fail before anything binds.
    const mode: ServeMode = config.kubernetes
      ? new KubernetesMode(config, config.kubernetes, logger)
      : new FileMode(config, logger, () => started);

    const registry = new MetricsRegistry();
    const metrics = registerPipelineMetrics(registry);
    const processFigures = processMetrics();
    registry.addCollector(processFigures.collect);
    steps.push(() => processFigures.stop());
    // Follows the mounted files: a renewed server certificate or a rotation step needs no restart.
    const tls = config.xdsTlsDir ? reloadingXdsServerCredentials(config.xdsTlsDir, logger) : undefined;
    if (tls) steps.push(() => tls.close());
    const credentials = tls?.credentials;
    // With TLS, an Envoy is served only the Gateway its certificate names: the Envoys Portico
    // launches or provisions each need one, which Portico signs with this CA.
    const issuesCertificates = credentials !== undefined && mode.managesEnvoys;
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
      steps.push(() => caWatch.close());
    }
    const previousXds = await mode.open(steps, credentials);
    const xds = await startXdsServerAt(
      config.xds,
      previousXds,
      logger,
      credentials,
      config.xdsLimits,
      config.xdsMaxConnectionAgeMs,
    );
    steps.push(() => xds.stop());
    registry.addCollector(xds.metrics);

    const input = mode.input(registry);
    const pipeline = startPipeline(
      input.events$,
      {
        publisher: xds.publisher,
        tracker: xds.tracker,
        logger,
        metrics,
        ...(input.translator ? { translator: input.translator } : {}),
      },
      {
        listenerAddress: config.listenerAddress,
        ...input.options,
        ...(config.quietMs !== undefined ? { quietMs: config.quietMs } : {}),
        ...(config.maxLatencyMs !== undefined ? { maxLatencyMs: config.maxLatencyMs } : {}),
      },
    );
    steps.push(() => pipeline.stop());
    await mode.attach({ pipeline, xds, credentials, caChanged }, steps);

    const debugSources: DebugSources = {
      publisher: xds.publisher,
      tracker: xds.tracker,
      metrics: registry,
      status: () => mode.status(pipeline.latestStatus()),
      readiness: () => {
        const waitingFor = mode.waitingFor(pipeline.synced);
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
    steps.push(() => debug.close());
    const metricsServer = config.metrics
      ? await startDebugServer(config.metrics, debugSources, debugLogger, 'public')
      : undefined;
    if (metricsServer) steps.push(() => metricsServer.close());
    const { source, envoy } = mode.describe();
    logger.info('serving', {
      ...source,
      xds: xds.address(),
      debug: debug.address(),
      ...(metricsServer ? { metrics: metricsServer.address() } : {}),
      envoy,
    });
    started = true;
    return {
      debugAddress: () => debug.address(),
      metricsAddress: () => metricsServer?.address(),
      xdsAddress: () => xds.address(),
      envoys: () => mode.envoys(),
      stop: () => steps.run(),
    };
  } catch (err) {
    await steps.run();
    throw err;
  }
}
