/**
 * What a BackendTrafficPolicy asks of the routes it applies to: its route settings
 * (`IrRouteTraffic`, per-route filter configuration), its cluster settings (`IrClusterTraffic`,
 * given to the policy's copies of the routes' backend clusters), and the clusters and secrets it
 * needs itself (a rate limit service); or, when a section cannot be applied, `invalid` with why:
 * the policy is then not applied at all, and its routes are served as without it.
 *
 * Seam for the features: a section's typed reading (`TrafficFeatures`) becomes its IR in
 * `SECTION_IR`, one function per section (its own module, `traffic-<section>.ts` here). A section
 * that looks something up reads it through the context it is given (its reads are recorded:
 * never iterate a whole table) and returns `{ ok: false, message }` when it does not resolve.
 */
import type { IrCluster, IrClusterTraffic, IrRouteTraffic, IrSecret } from '../../../ir/types.js';
import type { BackendTrafficPolicy } from '../../../resources/types.js';
import { readBackendTrafficPolicy, type TrafficFeatures } from '../../../resources/read/backend-traffic-policy.js';
import type { TranslationContext } from '../context.js';
import { policyKey } from '../policy/policy-key.js';
import { rememberedVerdict } from '../policy/remembered-verdict.js';
import { circuitBreakerIr } from './traffic-circuit-breaker.js';
import { faultInjectionIr } from './traffic-fault-injection.js';
import { compressionIr } from './traffic-compression.js';
import { requestBufferIr } from './traffic-request-buffer.js';
import { responseOverrideIr } from './traffic-response-override.js';
import { rateLimitIr } from './traffic-rate-limit.js';
import { healthCheckIr } from './traffic-health-check.js';
import { loadBalancerIr } from './traffic-load-balancer.js';
import { tcpKeepaliveIr } from './traffic-tcp-keepalive.js';
import { timeoutIr } from './traffic-timeout.js';
import { l4TargetWarnings } from './traffic-l4-warnings.js';
import type { ClusterFields, RouteFields, TrafficSectionIr } from './traffic-section.js';

export type { TrafficSectionIr };

export type TrafficVerdict =
  | {
      type: 'applied';
      /** Absent: the policy sets nothing per route. */
      route?: IrRouteTraffic;
      /** Absent: the routes keep the shared backend clusters. */
      cluster?: IrClusterTraffic;
      /** Clusters the policy needs itself (a rate limit service). */
      clusters: readonly IrCluster[];
      secrets: readonly IrSecret[];
      /** Said in the Accepted condition: what of the policy is not applied. */
      warnings?: readonly string[];
    }
  | { type: 'invalid'; message: string };

type SectionIrs = {
  [K in keyof TrafficFeatures]-?: (
    read: NonNullable<TrafficFeatures[K]>,
    ctx: TranslationContext,
    policy: BackendTrafficPolicy,
  ) => TrafficSectionIr;
};

/** Each section Portico translates, from its reading to its IR. */
const SECTION_IR: SectionIrs = {
  circuitBreaker: circuitBreakerIr,
  faultInjection: faultInjectionIr,
  // `compressor` comes after `compression`: when both are set, its list wins (Envoy Gateway's rule).
  compression: compressionIr,
  compressor: compressionIr,
  requestBuffer: requestBufferIr,
  responseOverride: responseOverrideIr,
  rateLimit: rateLimitIr,
  healthCheck: healthCheckIr,
  loadBalancer: loadBalancerIr,
  timeout: timeoutIr,
  tcpKeepalive: tcpKeepaliveIr,
};

const SECTIONS = Object.keys(SECTION_IR) as (keyof TrafficFeatures)[];
const NONE: readonly never[] = [];

/** Worked out from the policy and the lookups it makes in `ctx`. */
export function computeTrafficVerdict(ctx: TranslationContext, policy: BackendTrafficPolicy): TrafficVerdict {
  const read = readBackendTrafficPolicy(policy);
  const features = read.features;
  if (!features.valid) return { type: 'invalid', message: features.errors.map((e) => e.message).join('; ') };
  const key = policyKey(policy);
  // Each section's fields are gathered on these (most policies need no cluster, Secret or warning).
  let route: (RouteFields & { policy: string }) | undefined;
  let cluster: (ClusterFields & { policy: string }) | undefined;
  let clusters: Map<string, IrCluster> | undefined;
  let secrets: Map<string, IrSecret> | undefined;
  let problems: string[] | undefined;
  let warnings: string[] | undefined;
  for (const section of SECTIONS) {
    const sectionRead = features.result[section];
    if (sectionRead === undefined) continue;
    const toIr = SECTION_IR[section] as (
      r: unknown,
      c: TranslationContext,
      p: BackendTrafficPolicy,
    ) => TrafficSectionIr;
    const out = toIr(sectionRead, ctx, policy);
    if (!out.ok) {
      (problems ??= []).push(out.message);
      continue;
    }
    if (out.route) Object.assign((route ??= { policy: key }), out.route);
    if (out.cluster) Object.assign((cluster ??= { policy: key }), out.cluster);
    for (const c of out.clusters ?? []) (clusters ??= new Map()).set(c.name, c);
    for (const s of out.secrets ?? []) (secrets ??= new Map()).set(s.name, s);
    if (out.warnings && out.warnings.length > 0) (warnings ??= []).push(...out.warnings);
  }
  if (problems) return { type: 'invalid', message: problems.join('; ') };
  const isL4 = (t: { kind: string }) => t.kind === 'TCPRoute' || t.kind === 'UDPRoute';
  if (read.targetRefs.some(isL4) || read.targetSelectors.some(isL4)) {
    const kinds = [...read.targetRefs, ...read.targetSelectors].map((t) => t.kind);
    const routeSettings = route ? Object.keys(route).filter((k) => k !== 'policy') : [];
    const clusterSettings = cluster ? Object.keys(cluster).filter((k) => k !== 'policy') : [];
    const l4 = l4TargetWarnings(
      kinds,
      routeSettings.map((k) => routeSettingName(k, route!)),
      clusterSettings,
    );
    if (l4.length > 0) (warnings ??= []).push(...l4);
  }
  const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : 1);
  const verdict: TrafficVerdict = {
    type: 'applied',
    clusters: clusters ? [...clusters.values()].sort(byName) : NONE,
    secrets: secrets ? [...secrets.values()].sort(byName) : NONE,
  };
  if (route) verdict.route = route;
  if (cluster) verdict.cluster = cluster;
  if (warnings) verdict.warnings = warnings;
  return verdict;
}

/** A route setting of the IR by its field in the policy. */
function routeSettingName(key: string, route: RouteFields): string {
  if (key === 'hashPolicy')
    return route.hashPolicy && 'sourceIP' in route.hashPolicy
      ? 'loadBalancer.consistentHash (SourceIP)'
      : 'loadBalancer.consistentHash';
  if (key === 'requestTimeoutMs') return 'timeout.http.requestTimeout';
  return key;
}

/** The policy's verdict: last run's object while every lookup it made still holds. */
export function trafficVerdict(ctx: TranslationContext, policy: BackendTrafficPolicy): TrafficVerdict {
  return rememberedVerdict(ctx, 'traffic-verdict', policy, computeTrafficVerdict);
}
