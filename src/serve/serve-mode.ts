/**
 * What differs between serving from files and serving from a cluster, as the serve root
 * (serve.ts) sees it. The root starts what both modes share (metrics, xDS TLS, the ADS server, the
 * pipeline, the debug server) and asks the mode, at fixed points, for the rest.
 */
import type { Observable, Subject } from 'rxjs';
import type { ServerCredentials } from '@grpc/grpc-js';
import type { MetricsRegistry } from '../shared/metrics.js';
import type { HostPort } from '../infra/bootstrap.js';
import type { RunningEnvoy } from '../infra/host/envoy-launcher.js';
import type { LogFields } from '../shared/logger.js';
import type { Pipeline, PipelineOptions } from '../pipeline/pipeline.js';
import type { ResourceEvent } from '../pipeline/resource-store.js';
import type { StatusReport } from '../pipeline/status-report.js';
import type { Translator } from '../pipeline/translate-safely.js';
import type { ShutdownSteps } from './shutdown-steps.js';
import type { XdsServing } from './xds-server.js';

/** The pipeline's input, and the options this mode sets on it. */
export interface ModeInput {
  events$: Observable<ResourceEvent>;
  /** The translator the pipeline must use, when not the default one. */
  translator?: Translator;
  options: Omit<PipelineOptions, 'listenerAddress' | 'maxLatencyMs'>;
}

/** What the mode wires onto the running pipeline and ADS server. */
export interface ModeParts {
  pipeline: Pipeline;
  xds: XdsServing;
  /** xDS mutual TLS, when served. */
  credentials: ServerCredentials | undefined;
  /** Fires when the CA mount of `--xds-ca-dir` changes (a rotation step). */
  caChanged: Subject<void>;
}

export interface ServeMode {
  /** Launches or provisions Envoys, which need client certificates when xDS is served over TLS. */
  readonly managesEnvoys: boolean;
  /**
   * Before the ADS server starts: takes what the mode holds for its lifetime. Returns the xDS
   * address a previous run left Envoys connected to, if any.
   */
  open(steps: ShutdownSteps, credentials: ServerCredentials | undefined): Promise<HostPort | undefined>;
  /** Once the ADS server listens: the pipeline's input. */
  input(registry: MetricsRegistry): ModeInput;
  /** Once the pipeline runs: what the mode drives from it. */
  attach(parts: ModeParts, steps: ShutdownSteps): Promise<void>;
  /** `/debug/status`: the pipeline's report with what the mode adds. */
  status(report: StatusReport): StatusReport;
  /** `/readyz`: what the mode still waits for, given whether the pipeline has synced. */
  waitingFor(pipelineSynced: boolean): string[];
  /** The local Envoys launched (none in a cluster). */
  envoys(): RunningEnvoy[];
  /** Fields of the `serving` log line. */
  describe(): { source: LogFields; envoy: string };
}
