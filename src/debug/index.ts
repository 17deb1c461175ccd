/** Debug and health endpoints, and the metrics registry they expose. */
export { answerDebugRequest, DEFAULT_DEBUG_ADDRESS, startDebugServer } from './debug-server.js';
export type { DebugAnswer, DebugServer, DebugSources, Readiness } from './debug-server.js';
export { configDumps, redactConfigDump } from './config-dump.js';
export { Counter, DEFAULT_BUCKETS, formatFamily, Gauge, Histogram, MetricsRegistry } from './metrics.js';
export type { Labels, MetricFamily, MetricsCollector, MetricSample, MetricType } from './metrics.js';
