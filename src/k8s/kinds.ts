/**
 * The kinds the Kubernetes provider watches, and API discovery of the optional ones.
 *
 * Required kinds are watched unconditionally: if the Gateway API CRDs are missing their informers
 * fail to list, log what to install, and retry with backoff — nothing is translated meanwhile.
 * Optional kinds (the other route kinds, BackendTLSPolicy, ListenerSet) are watched only when
 * discovery finds their CRD; a missing one is logged once, not an error.
 */
import { GATEWAY_GROUP, GATEWAY_X_GROUP, PORTICO_GROUP } from '../resources/types.js';
import type { KubeApi } from '../kube-client/kube-api.js';
import { isNotFound } from '../kube-client/kube-api.js';

export interface WatchedKind {
  kind: string;
  /** `''` for the core group. */
  group: string;
  /** Versions in order of preference; discovery picks the first one served. */
  versions: readonly string[];
  plural: string;
  namespaced: boolean;
  /**
   * Spec-only kinds change meaningfully only with `metadata.generation` (or labels/annotations); an
   * update that bumps neither is a status write — Portico's own or another controller's.
   */
  specOnly: boolean;
  /** Watched only if the API server serves it. */
  optional: boolean;
  /** Watched only if this other kind is watched (Pods: only for XBackends' EndpointSelectors). */
  needs?: string;
  fieldSelector?: string;
}

/** A kind with the version discovery chose. */
export interface ResolvedKind extends WatchedKind {
  version: string;
  apiVersion: string;
  /** The list/watch path across all namespaces. */
  path: string;
}

const gatewayKind = (
  kind: string,
  plural: string,
  versions: readonly string[],
  options: { optional: boolean; specOnly: boolean; namespaced?: boolean },
): WatchedKind => ({
  kind,
  group: GATEWAY_GROUP,
  versions,
  plural,
  namespaced: options.namespaced ?? true,
  specOnly: options.specOnly,
  optional: options.optional,
});

export const WATCHED_KINDS: readonly WatchedKind[] = [
  gatewayKind('GatewayClass', 'gatewayclasses', ['v1', 'v1beta1'], {
    optional: false,
    specOnly: true,
    namespaced: false,
  }),
  gatewayKind('Gateway', 'gateways', ['v1', 'v1beta1'], { optional: false, specOnly: true }),
  gatewayKind('HTTPRoute', 'httproutes', ['v1', 'v1beta1'], { optional: false, specOnly: true }),
  gatewayKind('ReferenceGrant', 'referencegrants', ['v1', 'v1beta1'], { optional: false, specOnly: true }),
  gatewayKind('GRPCRoute', 'grpcroutes', ['v1'], { optional: true, specOnly: true }),
  gatewayKind('TLSRoute', 'tlsroutes', ['v1', 'v1alpha3', 'v1alpha2'], { optional: true, specOnly: true }),
  gatewayKind('TCPRoute', 'tcproutes', ['v1', 'v1alpha2'], { optional: true, specOnly: true }),
  gatewayKind('UDPRoute', 'udproutes', ['v1', 'v1alpha2'], { optional: true, specOnly: true }),
  gatewayKind('BackendTLSPolicy', 'backendtlspolicies', ['v1', 'v1alpha3'], { optional: true, specOnly: true }),
  gatewayKind('ListenerSet', 'listenersets', ['v1'], { optional: true, specOnly: true }),
  // Portico's parameters kind (manifests/crd-envoyproxyparameters.yaml): optional, as the CRD may
  // not be installed; references to it are then InvalidParameters (not found).
  {
    kind: 'EnvoyProxyParameters',
    group: PORTICO_GROUP,
    versions: ['v1alpha1'],
    plural: 'envoyproxyparameters',
    namespaced: true,
    specOnly: true,
    optional: true,
  },
  // XBackend (experimental, gateway.networking.x-k8s.io) and the Pods its EndpointSelector selects:
  // Pods are watched only where XBackends can exist.
  {
    ...gatewayKind('XBackend', 'xbackends', ['v1alpha1'], { optional: true, specOnly: true }),
    group: GATEWAY_X_GROUP,
  },
  { ...coreKind('Pod', '', 'pods'), needs: 'XBackend' },
  // XTelemetryPolicy (experimental): tracing for the Gateways it targets.
  {
    ...gatewayKind('XTelemetryPolicy', 'xtelemetrypolicies', ['v1alpha1'], { optional: true, specOnly: true }),
    group: GATEWAY_X_GROUP,
  },
  coreKind('Service', '', 'services'),
  coreKind('EndpointSlice', 'discovery.k8s.io', 'endpointslices'),
  coreKind('Namespace', '', 'namespaces', { namespaced: false }),
  // CA certificates that BackendTLSPolicies name (key ca.crt).
  coreKind('ConfigMap', '', 'configmaps'),
  // Only TLS Secrets: the rest of a cluster's Secrets are none of Portico's business (and memory).
  coreKind('Secret', '', 'secrets', { fieldSelector: 'type=kubernetes.io/tls' }),
  // CA certificates that BackendTLSPolicies and frontend validation may name. Beta in Kubernetes
  // 1.33 to 1.36 and off by default (feature gate ClusterTrustBundle and runtime-config
  // certificates.k8s.io/v1beta1/clustertrustbundles=true): watched only where it is served.
  {
    kind: 'ClusterTrustBundle',
    group: 'certificates.k8s.io',
    versions: ['v1beta1', 'v1alpha1'],
    plural: 'clustertrustbundles',
    namespaced: false,
    specOnly: false,
    optional: true,
  },
];

function coreKind(
  kind: string,
  group: string,
  plural: string,
  options: { namespaced?: boolean; fieldSelector?: string } = {},
): WatchedKind {
  return {
    kind,
    group,
    versions: ['v1'],
    plural,
    namespaced: options.namespaced ?? true,
    specOnly: false,
    optional: false,
    ...(options.fieldSelector ? { fieldSelector: options.fieldSelector } : {}),
  };
}

export function resolveKind(kind: WatchedKind, version: string): ResolvedKind {
  const apiVersion = kind.group === '' ? version : `${kind.group}/${version}`;
  const prefix = kind.group === '' ? '/api' : '/apis';
  return { ...kind, version, apiVersion, path: `${prefix}/${apiVersion}/${kind.plural}` };
}

/** The path of one object (for get and status writes). */
export function objectPath(kind: ResolvedKind, name: string, namespace: string | undefined): string {
  const prefix = kind.group === '' ? '/api' : '/apis';
  const scope = kind.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? 'default')}` : '';
  return `${prefix}/${kind.apiVersion}${scope}/${kind.plural}/${encodeURIComponent(name)}`;
}

export interface Discovery {
  kinds: ResolvedKind[];
  /** Optional kinds whose CRD is not installed. */
  missing: WatchedKind[];
}

interface ApiResourceList {
  resources?: { name?: string; kind?: string }[];
}

/**
 * Which version of each kind to watch. Required kinds that discovery cannot find still get their
 * first version, so their informer reports the problem (and retries) instead of Portico silently
 * watching nothing. A discovery call that fails for a reason other than 404 is thrown: the caller
 * retries, because treating "API server unreachable" as "CRD not installed" would drop a kind.
 */
export async function discoverKinds(api: KubeApi, kinds: readonly WatchedKind[] = WATCHED_KINDS): Promise<Discovery> {
  const served = new Map<string, Set<string>>();
  const resourcesOf = async (group: string, version: string): Promise<Set<string>> => {
    const key = `${group}/${version}`;
    let plurals = served.get(key);
    if (plurals) return plurals;
    const path = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
    try {
      const list = await api.request<ApiResourceList>({ path, timeoutMs: 10_000 });
      plurals = new Set((list.resources ?? []).map((r) => r.name ?? '').filter((n) => n !== '' && !n.includes('/')));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      plurals = new Set();
    }
    served.set(key, plurals);
    return plurals;
  };

  const resolved: ResolvedKind[] = [];
  const missing: WatchedKind[] = [];
  for (const kind of kinds) {
    let version: string | undefined;
    for (const candidate of kind.versions) {
      if ((await resourcesOf(kind.group, candidate)).has(kind.plural)) {
        version = candidate;
        break;
      }
    }
    if (kind.needs !== undefined && !resolved.some((k) => k.kind === kind.needs)) missing.push(kind);
    else if (version) resolved.push(resolveKind(kind, version));
    else if (kind.optional) missing.push(kind);
    else resolved.push(resolveKind(kind, kind.versions[0]!));
  }
  return { kinds: resolved, missing };
}
