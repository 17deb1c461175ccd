/** `circuitBreaker` → the thresholds of the policy's backend clusters (one priority: default). */
import type { CircuitBreakerRead } from '../../../resources/read/traffic-circuit-breaker.js';
import type { TrafficSectionIr } from './traffic-section.js';

export function circuitBreakerIr(read: CircuitBreakerRead): TrafficSectionIr {
  return { ok: true, cluster: { circuitBreaker: { ...read } } };
}
