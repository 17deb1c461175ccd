/** Step: the statuses of the policies and backends routes refer to (BackendTLSPolicy, XBackend). */
import { backendTlsPolicyStatuses } from '../status/backend-tls-status.js';
import { xBackendStatuses } from '../status/xbackend-status.js';
import { xBackendTrafficPolicyStatuses } from '../status/x-backend-traffic-status.js';
import type { TranslationRun } from './run.js';

export function reportPolicyStatuses(run: TranslationRun): void {
  const { ctx, resources, routes, outcomes, gateways, statuses } = run;
  if (resources.backendTLSPolicies.length > 0) {
    for (const [policy, status] of backendTlsPolicyStatuses(ctx, routes, outcomes, gateways)) {
      statuses.set(policy, status);
    }
  }
  if (resources.xBackends.length > 0) {
    for (const [xb, status] of xBackendStatuses(ctx, routes, outcomes, gateways)) statuses.set(xb, status);
  }
  if (resources.xBackendTrafficPolicies.length > 0) {
    for (const [p, status] of xBackendTrafficPolicyStatuses(ctx, routes, outcomes, gateways)) statuses.set(p, status);
  }
}
