/** The Kubernetes provider: informers → pipeline, status write-back, leader election. */
export { EdgeFilter, edgeDecision, seenVersionOf } from './edge-filter.js';
export type { EdgeDecision, SeenVersion } from './edge-filter.js';
export { describeWatchError, listWatchFactory, RestartingInformer, WatchProblems } from './informer.js';
export type { InformerFactory, InformerHandlers, InformerLike, WatchProblem } from './informer.js';
export { discoverKinds, objectPath, resolveKind, WATCHED_KINDS } from './kinds.js';
export type { Discovery, ResolvedKind, WatchedKind } from './kinds.js';
export { KubernetesProvider } from './kubernetes-provider.js';
export type { KubernetesProviderOptions, LiveObjects, ProviderCounters } from './kubernetes-provider.js';
export {
  DEFAULT_LEASE_DURATION_MS,
  DEFAULT_RENEW_DEADLINE_MS,
  DEFAULT_RETRY_PERIOD_MS,
  defaultIdentity,
  kubeLeaseClient,
  LeaderElector,
  microTime,
  systemClock,
} from './leader-election.js';
export type { Clock, Lease, LeaseClient, LeaseSpec, LeaderElectionOptions } from './leader-election.js';
export { ObservedStatuses } from './observed-statuses.js';
export {
  canonicalStatus,
  hasWritableStatus,
  isOurs,
  keepTransitionTimes,
  planStatus,
  statusEquals,
} from './status-diff.js';
export type { StatusPlan } from './status-diff.js';
export { registerStatusWriterMetrics, StatusWriter } from './status-writer.js';
export type { StatusWriterDeps, StatusWriterMetrics, StatusWriterStats } from './status-writer.js';
