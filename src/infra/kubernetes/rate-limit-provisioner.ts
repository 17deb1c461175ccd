/**
 * Keeps the shared rate limit service (rate-limit-resources.ts) in line with the Gateways' Global
 * rate limits, beside the Gateway provisioner (reconciler.ts), the same way:
 *
 *   pipeline output$ → each Gateway's service configuration → distinct ─┐
 *                                                                       ├─ LatestWinsWorker (leader only)
 *   isLeader$ ──────────────────────────────────────────────────────────┘
 *
 * A pass with some configuration server-side-applies every object (the ConfigMap carries the
 * configurations); a pass with none deletes them (the first pass too: what an earlier Portico
 * left). Errors are logged and the pass retried with backoff; they never end the stream.
 */
import { distinctUntilChanged, map } from 'rxjs/operators';
import type { Observable } from 'rxjs';
import type { IrGateway } from '../../ir/types.js';
import type { KubeApi } from '../../kube-client/kube-api.js';
import { Backoff } from '../../shared/backoff.js';
import { LatestWinsWorker } from '../../shared/latest-wins-worker.js';
import { silentLogger } from '../../shared/logger.js';
import type { Logger } from '../../shared/logger.js';
import {
  gatewayRateLimitServiceConfig,
  type RateLimitServiceConfig,
} from '../../translate/xds/rate-limit-service-config.js';
import { ProvisionedObjects } from './provisioned-objects.js';
import type { ReconcileResult } from './provisioned-objects.js';
import type { RateLimitProvisionSettings } from './provision-settings.js';
import { RATE_LIMIT_OBJECTS, rateLimitConfigData, rateLimitObjects } from './rate-limit-resources.js';

export interface RateLimitProvisionerOptions extends RateLimitProvisionSettings {
  api: KubeApi;
  logger?: Logger;
}

interface RateLimitPass {
  configs: RateLimitServiceConfig[];
  /** The ConfigMap's data as JSON: passes with the same are one. */
  key: string;
}

/** The configurations the Gateways of a pipeline output need from the service. */
export function rateLimitConfigs(output: { gateways: readonly { ir: IrGateway }[] }): RateLimitServiceConfig[] {
  return output.gateways
    .map((g) => gatewayRateLimitServiceConfig(g.ir))
    .filter((c): c is RateLimitServiceConfig => c !== undefined);
}

export class RateLimitProvisioner {
  private readonly logger: Logger;
  private readonly objects: ProvisionedObjects;
  private worker: LatestWinsWorker<RateLimitPass> | undefined;
  private running: boolean | undefined;

  constructor(private readonly options: RateLimitProvisionerOptions) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'ratelimit-provisioner' });
    this.objects = new ProvisionedObjects(options.api);
  }

  start(output$: Observable<{ gateways: readonly { ir: IrGateway }[] }>, isLeader$: Observable<boolean>): void {
    const passes$ = output$.pipe(
      map((output): RateLimitPass => {
        const configs = rateLimitConfigs(output);
        return { configs, key: JSON.stringify(rateLimitConfigData(configs)) };
      }),
      distinctUntilChanged((a, b) => a.key === b.key),
    );
    this.worker = new LatestWinsWorker(passes$, isLeader$, {
      run: async (next) => (await this.reconcile(next.configs)).errors.length === 0,
      backoff: new Backoff({ initialMs: 1000, maxMs: 30_000 }),
      logger: this.logger,
    });
  }

  stop(): void {
    this.worker?.stop();
  }

  /** Resolves when no pass is queued or running (tests). */
  idle(): Promise<void> {
    return this.worker?.idle() ?? Promise.resolve();
  }

  /** One pass: the service with these configurations, or none without any. Never rejects. */
  async reconcile(configs: readonly RateLimitServiceConfig[]): Promise<ReconcileResult> {
    const result: ReconcileResult = { applied: [], deleted: [], errors: [] };
    const { namespace } = this.options;
    if (configs.length > 0) {
      for (const object of rateLimitObjects(configs, this.options)) await this.objects.apply(object, result);
    } else {
      for (const { kind, name } of RATE_LIMIT_OBJECTS) await this.objects.remove(kind, namespace, name, result);
    }
    for (const error of result.errors) this.logger.warn('rate limit service: provisioning failed; retried', { error });
    const running = configs.length > 0;
    if (result.errors.length === 0 && running !== this.running) {
      this.running = running;
      this.logger.info(
        running ? 'rate limit service provisioned' : 'no Global rate limit: rate limit service removed',
        {
          namespace,
          domains: configs.map((c) => c.domain),
        },
      );
    }
    return result;
  }
}
