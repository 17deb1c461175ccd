/**
 * What `portico serve` runs with, as the CLI (src/cli/serve-command.ts) parsed it, and the handle
 * of a running Portico. Tests and benchmarks build a `ServeConfig` directly and call `startServe`.
 */
import type { HostPort } from '../infra/bootstrap.js';
import type { RunningEnvoy } from '../infra/host/envoy-launcher.js';
import type { ProvisionSettings, RateLimitProvisionSettings } from '../infra/kubernetes/provision-settings.js';
import type { LogLevel } from '../shared/logger.js';
import type { XdsLimits } from '../xds/stream-limits.js';
import type { KubernetesServeOptions } from './kubernetes-source.js';

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
  /**
   * kubernetes: provision Envoy per accepted Gateway (off when absent), and the rate limit service
   * (`--rate-limit-image`, `--redis-image`).
   */
  provision?: ProvisionSettings & {
    controllerNamespace: string;
    rateLimit?: Omit<RateLimitProvisionSettings, 'namespace'>;
  };
  xds: HostPort;
  /** Every debug endpoint (`all` scope). */
  debug: HostPort;
  /** `--metrics-address`: health and metrics only (`public` scope). */
  metrics?: HostPort;
  listenerAddress: string;
  adminPortBase: number;
  /**
   * The rate limit service for Global rate limits, and `--rate-limit-fail-closed`. file: the one
   * Portico runs (with redis-server), answering at `--rate-limit-address`. kubernetes (when
   * provisioning): the one provisioned in Portico's namespace, at its Service's DNS name.
   */
  rateLimit?: { grpc: HostPort; failClosed: boolean };
  /** file: Prometheus stats port (loopback) of the first local Envoy; the next ones count up (default: adminPortBase + 100). */
  statsPortBase?: number;
  /** file: where the local Envoys' access log lines go (default: standard output). */
  accessLog?: (line: string) => void;
  /** file: launch one local Envoy per accepted Gateway (never in a cluster). */
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
