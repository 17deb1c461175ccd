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
};

/** Worked out from the policy and the lookups it makes in `ctx`. */
export function computeTrafficVerdict(ctx: TranslationContext, policy: BackendTrafficPolicy): TrafficVerdict {
  const features = readBackendTrafficPolicy(policy).features;
  if (!features.valid) return { type: 'invalid', message: features.errors.map((e) => e.message).join('; ') };
  const key = policyKey(policy);
  let route: RouteFields | undefined;
  let cluster: ClusterFields | undefined;
  const clusters = new Map<string, IrCluster>();
  const secrets = new Map<string, IrSecret>();
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const section of Object.keys(SECTION_IR) as (keyof TrafficFeatures)[]) {
    const read = features.result[section];
    if (read === undefined) continue;
    const toIr = SECTION_IR[section] as (
      r: unknown,
      c: TranslationContext,
      p: BackendTrafficPolicy,
    ) => TrafficSectionIr;
    const out = toIr(read, ctx, policy);
    if (!out.ok) {
      problems.push(out.message);
      continue;
    }
    if (out.route) route = { ...route, ...out.route };
    if (out.cluster) cluster = { ...cluster, ...out.cluster };
    for (const c of out.clusters ?? []) clusters.set(c.name, c);
    for (const s of out.secrets ?? []) secrets.set(s.name, s);
    warnings.push(...(out.warnings ?? []));
  }
  if (problems.length > 0) return { type: 'invalid', message: problems.join('; ') };
  const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : 1);
  return {
    type: 'applied',
    ...(route ? { route: { policy: key, ...route } } : {}),
    ...(cluster ? { cluster: { policy: key, ...cluster } } : {}),
    clusters: [...clusters.values()].sort(byName),
    secrets: [...secrets.values()].sort(byName),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/** The policy's verdict: last run's object while every lookup it made still holds. */
export function trafficVerdict(ctx: TranslationContext, policy: BackendTrafficPolicy): TrafficVerdict {
  return rememberedVerdict(ctx, 'traffic-verdict', policy, computeTrafficVerdict);
}
