/**
 * Standalone mode's rate limit service, run beside the pipeline: after each output, the Gateways'
 * rate limit service configurations (`gatewayRateLimitServiceConfig`) are written for the service
 * (`LocalRateLimitService`), which starts, with its redis-server, at the first Gateway that has a
 * Global rate limit. A binary that is missing is logged then, not at start: a setup without Global
 * limits needs neither.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concatMap } from 'rxjs/operators';
import type { HostPort } from '../infra/bootstrap.js';
import { findRateLimitService, findRedisServer, LocalRateLimitService } from '../infra/host/rate-limit-service.js';
import type { Pipeline } from '../pipeline/index.js';
import { errorMessage } from '../shared/error-message.js';
import type { Logger } from '../shared/logger.js';
import {
  gatewayRateLimitServiceConfig,
  type RateLimitServiceConfig,
} from '../translate/xds/rate-limit-service-config.js';
import type { ShutdownSteps } from './shutdown-steps.js';

/** Beside the xDS server's default 18000 (Envoy Gateway's rate limit service answers on 8081). */
export const DEFAULT_RATE_LIMIT_ADDRESS = '127.0.0.1:18081';

export function runRateLimitService(
  grpc: HostPort,
  pipeline: Pick<Pipeline, 'output$'>,
  logger: Logger,
  steps: ShutdownSteps,
): void {
  let service: LocalRateLimitService | undefined;
  let dir: string | undefined;
  let failed = false;
  const log = logger.child({ component: 'ratelimit' });
  const syncing = pipeline.output$
    .pipe(
      concatMap(async (output) => {
        const configs = output.gateways
          .map((g) => gatewayRateLimitServiceConfig(g.ir))
          .filter((c): c is RateLimitServiceConfig => c !== undefined);
        if (!service && configs.length === 0) return;
        if (!service && !failed) {
          try {
            dir = mkdtempSync(join(tmpdir(), 'portico-ratelimit-'));
            service = new LocalRateLimitService({
              ratelimitBin: findRateLimitService(),
              redisBin: findRedisServer(),
              dir,
              grpc,
              logger: log,
            });
          } catch (err) {
            failed = true;
            log.error('cannot run the rate limit service: Global rate limits are not enforced', {
              error: errorMessage(err),
            });
          }
        }
        await service?.sync(configs).catch((err: unknown) => {
          log.error('cannot write the rate limit service configuration', { error: errorMessage(err) });
        });
      }),
    )
    .subscribe();
  steps.push(async () => {
    syncing.unsubscribe();
    await service?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
}
