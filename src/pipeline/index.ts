/** The serving pipeline shared by the file provider and (later) the Kubernetes provider. */
export { batchWithLatencyCap, DEFAULT_MAX_LATENCY_MS, DEFAULT_QUIET_MS } from './batch-with-latency-cap.js';
export { GatewaySnapshotSync } from './gateway-snapshots.js';
export type { SnapshotSyncResult } from './gateway-snapshots.js';
export { Pipeline, startPipeline } from './pipeline.js';
export type { PipelineDeps, PipelineOptions, PipelineOutput } from './pipeline.js';
export { registerPipelineMetrics } from './pipeline-metrics.js';
export type { PipelineMetrics } from './pipeline-metrics.js';
export { DEFAULT_SOURCE, EMPTY_STORE, foldResourceEvent, objectIdentity, resourceSetOf } from './resource-store.js';
export type { ResourceEvent, ResourceStore } from './resource-store.js';
export { EMPTY_STATUS_REPORT, withProgrammedFromProxies } from './status-report.js';
export type { PipelineError, StatusReport } from './status-report.js';
export { translateSafely } from './translate-safely.js';
