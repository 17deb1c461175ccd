/** The xDS serving side: snapshot cache, ADS server (SotW + delta), proxy tracking, metrics. */
export * from './contract.js';
export { AdsServer, DEFAULT_XDS_HOST, DEFAULT_XDS_PORT } from './server.js';
export { adsServiceDefinition, ADS_SERVICE } from './ads-service.js';
export type { AdsServerOptions } from './server.js';
export { SnapshotCache, PUSH_ORDER, emptyResources } from './snapshot.js';
export type { Snapshot, SnapshotCacheOptions } from './snapshot.js';
export { ResourceEncoder, contentHash } from './resources.js';
export type { EncodedResource, EncoderStats } from './resources.js';
export { XdsMetrics, LATENCY_BUCKETS_MS } from './metrics.js';
export type { XdsMetricsSnapshot, HistogramSnapshot } from './metrics.js';
