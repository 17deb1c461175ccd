/** `timeout` → the policy's backend clusters' connection timeouts, and its routes' request timeout. */
import type { TimeoutRead } from '../../../resources/read/traffic-timeout.js';
import type { TrafficSectionIr } from './traffic-section.js';

export function timeoutIr(read: TimeoutRead): TrafficSectionIr {
  const { requestTimeoutMs, ...cluster } = read;
  return {
    ok: true,
    ...(Object.keys(cluster).length > 0 ? { cluster: { timeout: cluster } } : {}),
    ...(requestTimeoutMs !== undefined ? { route: { requestTimeoutMs } } : {}),
  };
}
