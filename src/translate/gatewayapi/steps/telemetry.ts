/** Step: XTelemetryPolicies: their statuses, and the tracing of the Gateways they apply to. */
import { telemetryPolicies } from '../telemetry/telemetry-policy-status.js';
import type { TranslationRun } from './run.js';

export function applyTelemetryPolicies(run: TranslationRun): void {
  if (run.resources.xTelemetryPolicies.length === 0) return;
  const telemetry = telemetryPolicies(run.ctx, run.gateways);
  for (const [policy, status] of telemetry.statuses) run.statuses.set(policy, status);
  for (const [key, { policy, verdict }] of telemetry.applied) {
    if (verdict.type !== 'tracing') continue;
    run.gateways.get(key)!.tracing = {
      policy: `${policy.metadata.namespace ?? 'default'}/${policy.metadata.name}`,
      verdict,
    };
  }
}
