/** `faultInjection` → Envoy's fault filter on the policy's routes; percentages become millionths. */
import type { FaultInjectionRead } from '../../../resources/read/traffic-fault-injection.js';
import type { IrFaultInjection } from '../../../ir/types.js';
import type { TrafficSectionIr } from './traffic-section.js';

const perMillion = (percent: number): number => Math.round(percent * 10_000);

export function faultInjectionIr(read: FaultInjectionRead): TrafficSectionIr {
  const ir: IrFaultInjection = {};
  if (read.delay) ir.delay = { fixedDelayMs: read.delay.fixedDelayMs, perMillion: perMillion(read.delay.percentage) };
  const abort = read.abort;
  if (abort) {
    const perMillionOf = perMillion(abort.percentage);
    ir.abort =
      'httpStatus' in abort
        ? { httpStatus: abort.httpStatus, perMillion: perMillionOf }
        : { grpcStatus: abort.grpcStatus, perMillion: perMillionOf };
  }
  return { ok: true, route: { faultInjection: ir } };
}
