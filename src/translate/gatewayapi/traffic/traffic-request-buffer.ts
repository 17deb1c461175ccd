/** `requestBuffer` → Envoy's buffer filter on the policy's routes, with the limit in bytes. */
import type { RequestBufferRead } from '../../../resources/read/traffic-request-buffer.js';
import type { TrafficSectionIr } from './traffic-section.js';

export function requestBufferIr(read: RequestBufferRead): TrafficSectionIr {
  return { ok: true, route: { requestBuffer: { maxBytes: read.limitBytes } } };
}
