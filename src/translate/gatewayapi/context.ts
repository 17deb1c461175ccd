/**
 * The shared, read-only view of the input that every translation step uses: lookups by
 * namespace/name, built once per translation.
 */
import type {
  BackendTLSPolicy,
  ClusterTrustBundle,
  ConfigMap,
  EndpointSlice,
  Namespace,
  ReferenceGrant,
  ResourceSet,
  Secret,
  Service,
  Pod,
  XBackend,
} from '../../resources/types.js';
import type { IrEndpoint } from '../../ir/types.js';
import { readBackendTlsPolicy } from '../../resources/read/backend-tls-policy.js';
import { rememberedValues, type Remember } from './remembered.js';

export function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? 'default'}/${name}`;
}

export interface TranslationContext {
  readonly resources: ResourceSet;
  /** Time written into conditions that changed (RFC 3339). */
  readonly now: string;
  /** Time certificates' validity periods are checked at (RFC 3339); none is checked without it. */
  readonly certificateTime: string | undefined;
  readonly services: ReadonlyMap<string, Service>;
  /** EndpointSlices by `<namespace>/<service name>`. */
  readonly endpointSlices: ReadonlyMap<string, EndpointSlice[]>;
  readonly secrets: ReadonlyMap<string, Secret>;
  readonly namespaces: ReadonlyMap<string, Namespace>;
  /** ReferenceGrants by the namespace they live in (the target's namespace). */
  readonly referenceGrants: ReadonlyMap<string, ReferenceGrant[]>;
  /** BackendTLSPolicies by the `<namespace>/<name>` of each Service they target. */
  readonly backendTLSPolicies: ReadonlyMap<string, BackendTLSPolicy[]>;
  readonly configMaps: ReadonlyMap<string, ConfigMap>;
  /** By name (cluster-scoped). */
  readonly clusterTrustBundles: ReadonlyMap<string, ClusterTrustBundle>;
  /** Ports the Envoys use for themselves, with what uses them (see `TranslateOptions.reservedPorts`). */
  readonly reservedPorts: ReadonlyMap<number, string>;
  /** Every Gateway's listeners bind one address (see `TranslateOptions.sharedAddress`). */
  readonly sharedAddress: boolean;
  /** The rate limit service (BackendTrafficPolicy Global rate limits); none runs when absent. */
  readonly rateLimitService: RateLimitServiceOption | undefined;
  /** XBackends by `<namespace>/<name>`, and Pods by namespace (an XBackend selects its namespace's). */
  readonly xBackends: ReadonlyMap<string, XBackend>;
  readonly podsByNamespace: ReadonlyMap<string, Pod[]>;
  /** Endpoints per Service port, computed once per translation (many routes share a backend). */
  readonly endpointCache: Map<string, IrEndpoint[]>;
  /** Values worked out from one input object alone, remembered for as long as the caller keeps them. */
  readonly remember: Remember;
}

function index<T extends { metadata: { namespace?: string; name: string } }>(items: readonly T[]): Map<string, T> {
  const out = new Map<string, T>();
  for (const item of items) out.set(objectKey(item.metadata.namespace, item.metadata.name), item);
  return out;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === undefined) continue;
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/**
 * Builds the lookup table of an input list. A cache may give last run's table for the same list
 * (the pipeline keeps a list as the same array while none of its objects changed); the tables are
 * read-only, so sharing them cannot change a result.
 */
export type TableOf = <T extends object, V>(
  items: readonly T[],
  build: (items: readonly T[]) => Map<string, V>,
) => ReadonlyMap<string, V>;

const freshTable: TableOf = (items, build) => build(items);

const NO_PORTS: ReadonlyMap<number, string> = new Map();

/** Each policy under every core Service its targetRefs name (in the policy's own namespace). */
function policiesByService(policies: readonly BackendTLSPolicy[]): Map<string, BackendTLSPolicy[]> {
  const out = new Map<string, BackendTLSPolicy[]>();
  for (const policy of policies) {
    const services = new Set<string>();
    for (const target of readBackendTlsPolicy(policy).targets) {
      if (target.kind === 'Service' && target.name !== undefined) {
        services.add(objectKey(policy.metadata.namespace, target.name));
      }
    }
    for (const key of services) {
      const list = out.get(key);
      if (list) list.push(policy);
      else out.set(key, [policy]);
    }
  }
  return out;
}

export interface ContextOptions {
  now: string;
  reservedPorts?: ReadonlyMap<number, string> | undefined;
  certificateTime?: string | undefined;
  sharedAddress?: boolean | undefined;
  rateLimitService?: RateLimitServiceOption | undefined;
}

/** `TranslateOptions.rateLimitService`: where the rate limit service answers, and its failure mode. */
export interface RateLimitServiceOption {
  address: { host: string; port: number };
  /** Envoy Gateway's `rateLimit.failClosed` (default false: a request is let through). */
  failClosed: boolean;
}

export function buildContext(
  resources: ResourceSet,
  { now, reservedPorts = NO_PORTS, certificateTime, sharedAddress = false, rateLimitService }: ContextOptions,
  table: TableOf = freshTable,
  remember: Remember = rememberedValues(),
): TranslationContext {
  return {
    resources,
    now,
    certificateTime,
    services: table(resources.services, index),
    endpointSlices: table(resources.endpointSlices, (slices) =>
      groupBy(slices, (s) => {
        const svc = s.metadata.labels?.['kubernetes.io/service-name'];
        return svc === undefined ? undefined : objectKey(s.metadata.namespace, svc);
      }),
    ),
    secrets: table(resources.secrets, index),
    namespaces: table(resources.namespaces, (namespaces) => new Map(namespaces.map((n) => [n.metadata.name, n]))),
    referenceGrants: table(resources.referenceGrants, (grants) =>
      groupBy(grants, (g) => g.metadata.namespace ?? 'default'),
    ),
    backendTLSPolicies: table(resources.backendTLSPolicies, policiesByService),
    configMaps: table(resources.configMaps, index),
    clusterTrustBundles: table(
      resources.clusterTrustBundles,
      (bundles) => new Map(bundles.map((b) => [b.metadata.name, b])),
    ),
    xBackends: table(resources.xBackends, index),
    podsByNamespace: table(resources.pods, (pods) => groupBy(pods, (p) => p.metadata.namespace ?? 'default')),
    reservedPorts,
    sharedAddress,
    rateLimitService,
    endpointCache: new Map(),
    remember,
  };
}

/** Labels of a namespace, including the `kubernetes.io/metadata.name` label the API server adds. */
export function namespaceLabels(ctx: TranslationContext, namespace: string): Record<string, string> {
  const labels = ctx.namespaces.get(namespace)?.metadata.labels ?? {};
  return { ...labels, 'kubernetes.io/metadata.name': namespace };
}
