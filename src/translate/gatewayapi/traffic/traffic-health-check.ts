/** `healthCheck` → the policy's backend clusters' health checks and outlier detection. */
import type { HealthCheckRead } from '../../../resources/read/traffic-health-check.js';
import type { TrafficSectionIr } from './traffic-section.js';

export function healthCheckIr(read: HealthCheckRead): TrafficSectionIr {
  return { ok: true, cluster: { healthCheck: { ...read } } };
}
