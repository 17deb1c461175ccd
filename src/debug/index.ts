/** Debug and health endpoints, and the metrics registry they expose. */
export {
  answerDebugRequest,
  DEFAULT_DEBUG_ADDRESS,
  isLoopbackHost,
  PUBLIC_PATHS,
  startDebugServer,
} from './debug-server.js';
export type { DebugAnswer, DebugScope, DebugServer, DebugSources, Readiness } from './debug-server.js';
export { configDumps, redactConfigDump } from './config-dump.js';
export { Counter, DEFAULT_BUCKETS, formatFamily, Gauge, Histogram, MetricsRegistry } from '../shared/metrics.js';
export type { Labels, MetricFamily, MetricsCollector, MetricSample, MetricType } from '../shared/metrics.js';
