/**
 * `portico serve --provider kubernetes`: resources from the cluster's API server (informers,
 * kubernetes-source.ts), status written back by the Lease holder, and, unless `--no-provision`,
 * an Envoy Deployment and Service provisioned per accepted Gateway, and the rate limit service once
 * a Gateway has a Global rate limit. No local Envoy.
 */
import { combineLatest } from 'rxjs';
import { map } from 'rxjs/operators';
import type { ServerCredentials } from '@grpc/grpc-js';
import type { MetricsRegistry } from '../shared/metrics.js';
import type { HostPort } from '../infra/bootstrap.js';
import type { RunningEnvoy } from '../infra/host/envoy-launcher.js';
import { withGatewayAddresses } from '../infra/kubernetes/addresses.js';
import { GatewayProvisioner } from '../infra/kubernetes/reconciler.js';
import { RateLimitProvisioner } from '../infra/kubernetes/rate-limit-provisioner.js';
import { ENVOY_OWN_PORTS } from '../infra/kubernetes/resources.js';
import { readXdsCaDir } from '../infra/kubernetes/xds-tls.js';
import { DEFAULT_QUIET_MS } from '../pipeline/batch-with-latency-cap.js';
import type { LogFields, Logger } from '../shared/logger.js';
import type { StatusReport } from '../pipeline/status-report.js';
import { createKubernetesSource } from './kubernetes-source.js';
import type { KubernetesServeOptions, KubernetesSource } from './kubernetes-source.js';
import type { ServeConfig } from './serve-config.js';
import type { ModeInput, ModeParts, ServeMode } from './serve-mode.js';
import type { ShutdownSteps } from './shutdown-steps.js';

export class KubernetesMode implements ServeMode {
  readonly managesEnvoys: boolean;
  private kube: KubernetesSource | undefined;

  constructor(
    private readonly config: ServeConfig,
    private readonly options: KubernetesServeOptions,
    private readonly logger: Logger,
  ) {
    this.managesEnvoys = config.provision !== undefined;
  }

  open(_steps: ShutdownSteps, credentials: ServerCredentials | undefined): Promise<HostPort | undefined> {
    if (!credentials) {
      this.logger.warn(
        'xDS is served in plain text: the stream carries TLS private keys; use --xds-tls-dir in a cluster',
      );
    }
    return Promise.resolve(undefined);
  }

  input(registry: MetricsRegistry): ModeInput {
    const kube = createKubernetesSource(this.options, this.logger, registry);
    this.kube = kube;
    return {
      events$: kube.events$,
      translator: kube.translator,
      options: {
        // Every Gateway's Envoy is provisioned with its admin and readiness ports.
        reservedPorts: ENVOY_OWN_PORTS,
        ...(this.config.provision ? { assignsAddresses: true } : {}),
        // The rate limit service provisioned in Portico's namespace (attach), for Global rate limits.
        ...(this.config.rateLimit
          ? { rateLimitService: { address: this.config.rateLimit.grpc, failClosed: this.config.rateLimit.failClosed } }
          : {}),
        quietMs: DEFAULT_QUIET_MS,
      },
    };
  }

  attach({ pipeline, xds, caChanged }: ModeParts, steps: ShutdownSteps): Promise<void> {
    const kube = this.kube!;
    // Only the Lease holder serves xDS: it writes status, and Programmed counts the Envoys
    // connected to it. Another replica's Envoys are sent back through the xDS Service.
    const serving = kube.elector.isLeader$.subscribe((leader) =>
      xds.refuseStreams(
        leader
          ? undefined
          : 'this Portico replica does not hold the leader Lease; reconnect to reach the one that does',
      ),
    );
    steps.push(() => serving.unsubscribe());
    const provision = this.config.provision;
    let provisioner: GatewayProvisioner | undefined;
    if (provision) {
      const caDir = this.config.xdsCaDir;
      provisioner = new GatewayProvisioner({
        ...provision,
        // Read at each pass: a rotation step is followed once the mount changes.
        ...(caDir !== undefined ? { xdsCa: () => readXdsCaDir(caDir) } : {}),
        api: kube.api,
        logger: this.logger,
      });
      provisioner.start(pipeline.output$, kube.elector.isLeader$);
      const rechecks = caChanged.subscribe(() => provisioner?.recheck());
      const rateLimit = this.config.rateLimit
        ? new RateLimitProvisioner({
            namespace: provision.controllerNamespace,
            ...provision.rateLimit,
            api: kube.api,
            logger: this.logger,
          })
        : undefined;
      rateLimit?.start(pipeline.output$, kube.elector.isLeader$);
      steps.push(() => {
        rechecks.unsubscribe();
        provisioner?.stop();
        rateLimit?.stop();
      });
    }
    // Gateway status.addresses and address conditions from the provisioned Services (the
    // informer's copies) and where the provisioner put each requested address.
    kube.startStatusWriter(
      provisioner
        ? combineLatest([pipeline.status$, provisioner.addressOutcomes$]).pipe(
            map(([report, outcomes]) =>
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
    steps.push(() => kube.stop());
    return Promise.resolve();
  }

  status(report: StatusReport): StatusReport {
    return report;
  }

  waitingFor(pipelineSynced: boolean): string[] {
    return [...(this.kube?.waitingFor() ?? []), ...(pipelineSynced ? [] : ['initial translation'])];
  }

  envoys(): RunningEnvoy[] {
    return [];
  }

  describe(): { source: LogFields; envoy: string } {
    return { source: { kubernetes: this.kube?.api.server }, envoy: 'not launched' };
  }
}
