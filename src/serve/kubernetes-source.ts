/**
 * The Kubernetes side of `portico serve --provider kubernetes`, as one unit the Kubernetes mode
 * (kubernetes-mode.ts, and the integration tests) wire to the shared pipeline:
 *
 *   KubernetesProvider.events$ ─► pipeline (translator: latest observed statuses + pure core)
 *   pipeline.status$ ─► StatusWriter ◄─ LeaderElector.isLeader$ (Lease)
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Observable } from 'rxjs';
import type { MetricsRegistry } from '../shared/metrics.js';
import type { Logger } from '../shared/logger.js';
import type { ResourceEvent } from '../pipeline/resource-store.js';
import type { StatusReport } from '../pipeline/status-report.js';
import type { Translator } from '../pipeline/translate-safely.js';
import type { BackoffOptions } from '../shared/backoff.js';
import { createKubeApi } from '../kube-client/kube-api.js';
import type { KubeApi } from '../kube-client/kube-api.js';
import { loadKubeConfig } from '../kube-client/kube-config.js';
import { KubernetesProvider } from '../k8s/kubernetes-provider.js';
import { defaultIdentity, kubeLeaseClient, LeaderElector } from '../k8s/leader-election.js';
import type { Clock, LeaseClient } from '../k8s/leader-election.js';
import { registerStatusWriterMetrics, StatusWriter } from '../k8s/status-writer.js';

export const DEFAULT_LEASE_NAME = 'portico-leader';
const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export interface KubernetesServeOptions {
  /** `--kubeconfig PATH`; default: `$KUBECONFIG`, in-cluster, `~/.kube/config`. */
  kubeconfig?: string;
  /** `--leader-election-namespace`; default: `$POD_NAMESPACE`, the service account's namespace, `default`. */
  leaseNamespace?: string;
  /** `--lease-name` (default `portico-leader`). */
  leaseName?: string;
  /** Lease `holderIdentity` (default: Pod name, or `hostname-pid`). */
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Informer restart backoff. */
  backoff?: BackoffOptions;
  /** Tests: a clock for the election, a wrapper around the Lease calls. */
  clock?: Clock;
  wrapLeaseClient?: (client: LeaseClient) => LeaseClient;
}

export interface KubernetesSource {
  readonly api: KubeApi;
  readonly provider: KubernetesProvider;
  readonly elector: LeaderElector;
  readonly events$: Observable<ResourceEvent>;
  /** The translator the pipeline must use (lays statuses dropped at the edge over the store). */
  readonly translator: Translator;
  /** Starts leader election and status write-back over the pipeline's statuses. */
  startStatusWriter(status$: Observable<StatusReport>): StatusWriter;
  /** What `/readyz` waits for. */
  waitingFor(): string[];
  /** Releases the lease (if held) and stops writing; the pipeline's unsubscribe stops the informers. */
  stop(): Promise<void>;
}

export function createKubernetesSource(
  options: KubernetesServeOptions,
  logger: Logger,
  registry?: MetricsRegistry,
): KubernetesSource {
  const config = loadKubeConfig(options.kubeconfig ? { path: options.kubeconfig } : {});
  const api = createKubeApi(config);
  const provider = new KubernetesProvider(config, api, {
    logger,
    ...(options.backoff ? { backoff: options.backoff } : {}),
  });
  const namespace = options.leaseNamespace ?? defaultLeaseNamespace();
  const leaseName = options.leaseName ?? DEFAULT_LEASE_NAME;
  const baseClient = kubeLeaseClient(api, namespace, leaseName);
  const elector = new LeaderElector(options.wrapLeaseClient ? options.wrapLeaseClient(baseClient) : baseClient, {
    identity: options.identity ?? defaultIdentity(),
    logger,
    ...(options.leaseDurationMs !== undefined ? { leaseDurationMs: options.leaseDurationMs } : {}),
    ...(options.renewDeadlineMs !== undefined ? { renewDeadlineMs: options.renewDeadlineMs } : {}),
    ...(options.retryPeriodMs !== undefined ? { retryPeriodMs: options.retryPeriodMs } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const metrics = registry ? registerStatusWriterMetrics(registry) : undefined;
  let writer: StatusWriter | undefined;
  logger.info('kubernetes provider', {
    server: api.server,
    lease: `${namespace}/${leaseName}`,
    identity: elector.identity,
  });

  return {
    api,
    provider,
    elector,
    events$: provider.events$,
    translator: provider.translator(),
    startStatusWriter: (status$) => {
      writer?.stop();
      writer = new StatusWriter(status$, {
        api,
        live: provider,
        isLeader$: elector.isLeader$,
        logger,
        ...(metrics ? { metrics } : {}),
      });
      elector.start();
      return writer;
    },
    waitingFor: () => provider.waitingFor().map((kind) => `initial list of ${kind}`),
    stop: async () => {
      await elector.stop();
      writer?.stop();
    },
  };
}

function defaultLeaseNamespace(): string {
  if (process.env.POD_NAMESPACE) return process.env.POD_NAMESPACE;
  try {
    if (existsSync(SERVICE_ACCOUNT_NAMESPACE))
      return readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim() || 'default';
  } catch {
    // Not in a Pod.
  }
  return 'default';
}
