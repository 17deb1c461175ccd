/**
 * The one table of the kinds Portico reads: for each, its API group, versions, plural and scope
 * (as its CRD or the core API declares them: test/resources/kinds.test.ts checks them against the
 * vendored CRDs), which `ResourceSet` field holds it, how the Kubernetes provider watches it, and
 * what Portico writes in its status. Every other place that needs to know about kinds — the file
 * reader, the resource set, the informers, the status writer, the route and policy sets — derives
 * from this table rather than keeping its own list.
 */
import type { ResourceSet } from './types.js';
import { GATEWAY_GROUP, GATEWAY_X_GROUP, PORTICO_GROUP } from './types.js';

/**
 * What Portico writes in an object's status: `own` for GatewayClasses, Gateways and ListenerSets
 * (their status is Portico's where it owns them); `parents` for routes (one entry per parent and
 * controller); `ancestors` for policies (one entry per ancestor and controller). Kinds without
 * one are only read.
 */
export type StatusRole = 'own' | 'parents' | 'ancestors';

export interface KindInfo {
  kind: string;
  /** `''` for the core group. */
  group: string;
  /** The versions served, in order of preference; discovery picks the first one the cluster serves. */
  versions: readonly string[];
  plural: string;
  namespaced: boolean;
  /**
   * Spec-only kinds change meaningfully only with `metadata.generation` (or labels/annotations); an
   * update that bumps neither is a status write — Portico's own or another controller's.
   */
  specOnly: boolean;
  /** Watched only if the API server serves it (a CRD that may not be installed, a beta API). */
  optional: boolean;
  /** Watched only if this other kind is watched (Pods: only for XBackends' EndpointSelectors). */
  needs?: string;
  /** Narrows the watch (and what Portico keeps in memory). */
  fieldSelector?: string;
  status?: StatusRole;
  /** `ancestors` kinds: the CRD's cap on the list (PolicyStatus: 16). */
  maxAncestors?: number;
}

type Spec = Omit<KindInfo, 'group' | 'namespaced' | 'specOnly' | 'optional'> &
  Partial<Pick<KindInfo, 'group' | 'namespaced' | 'specOnly' | 'optional'>>;

/** A Gateway API kind (or one shaped like them): namespaced, spec-only, its CRD installed. */
const gatewayKind = (spec: Spec): KindInfo => ({
  group: GATEWAY_GROUP,
  namespaced: true,
  specOnly: true,
  optional: false,
  ...spec,
});

/** A core Kubernetes kind: every update counts, always served. */
const coreKind = (spec: Spec): KindInfo => ({
  group: '',
  namespaced: true,
  specOnly: false,
  optional: false,
  ...spec,
});

/**
 * Keyed by the `ResourceSet` field that holds the kind, so that a field added to `ResourceSet`
 * does not compile until it has its row. In the order the informers start and the file reader
 * names them (Pods after XBackends: they need them).
 */
export const KIND_TABLE: { readonly [B in keyof ResourceSet]: KindInfo } = {
  gatewayClasses: gatewayKind({
    kind: 'GatewayClass',
    versions: ['v1', 'v1beta1'],
    plural: 'gatewayclasses',
    namespaced: false,
    status: 'own',
  }),
  gateways: gatewayKind({ kind: 'Gateway', versions: ['v1', 'v1beta1'], plural: 'gateways', status: 'own' }),
  httpRoutes: gatewayKind({ kind: 'HTTPRoute', versions: ['v1', 'v1beta1'], plural: 'httproutes', status: 'parents' }),
  grpcRoutes: gatewayKind({
    kind: 'GRPCRoute',
    versions: ['v1'],
    plural: 'grpcroutes',
    optional: true,
    status: 'parents',
  }),
  tlsRoutes: gatewayKind({
    kind: 'TLSRoute',
    versions: ['v1', 'v1alpha3', 'v1alpha2'],
    plural: 'tlsroutes',
    optional: true,
    status: 'parents',
  }),
  tcpRoutes: gatewayKind({
    kind: 'TCPRoute',
    versions: ['v1', 'v1alpha2'],
    plural: 'tcproutes',
    optional: true,
    status: 'parents',
  }),
  udpRoutes: gatewayKind({
    kind: 'UDPRoute',
    versions: ['v1', 'v1alpha2'],
    plural: 'udproutes',
    optional: true,
    status: 'parents',
  }),
  backendTLSPolicies: gatewayKind({
    kind: 'BackendTLSPolicy',
    versions: ['v1', 'v1alpha3'],
    plural: 'backendtlspolicies',
    optional: true,
    status: 'ancestors',
    maxAncestors: 16,
  }),
  listenerSets: gatewayKind({
    kind: 'ListenerSet',
    versions: ['v1'],
    plural: 'listenersets',
    optional: true,
    status: 'own',
  }),
  referenceGrants: gatewayKind({ kind: 'ReferenceGrant', versions: ['v1', 'v1beta1'], plural: 'referencegrants' }),
  services: coreKind({ kind: 'Service', versions: ['v1'], plural: 'services' }),
  endpointSlices: coreKind({
    kind: 'EndpointSlice',
    group: 'discovery.k8s.io',
    versions: ['v1'],
    plural: 'endpointslices',
  }),
  // Secrets of the types Portico reads (kubernetes.io/tls certificates; Opaque and others for
  // SecurityPolicies' htpasswd files, API keys and OIDC client secrets), never those the cluster
  // keeps for itself (service account tokens, image pull credentials, bootstrap tokens) or Helm's
  // release records (large, and many): they are none of Portico's business, nor its memory's.
  secrets: coreKind({
    kind: 'Secret',
    versions: ['v1'],
    plural: 'secrets',
    fieldSelector: [
      'kubernetes.io/service-account-token',
      'kubernetes.io/dockercfg',
      'kubernetes.io/dockerconfigjson',
      'bootstrap.kubernetes.io/token',
      'helm.sh/release.v1',
    ]
      .map((type) => `type!=${type}`)
      .join(','),
  }),
  namespaces: coreKind({ kind: 'Namespace', versions: ['v1'], plural: 'namespaces', namespaced: false }),
  // CA certificates that BackendTLSPolicies name (key ca.crt).
  configMaps: coreKind({ kind: 'ConfigMap', versions: ['v1'], plural: 'configmaps' }),
  // CA certificates that BackendTLSPolicies and frontend validation may name. Beta in Kubernetes
  // 1.33 to 1.36 and off by default (feature gate ClusterTrustBundle and runtime-config
  // certificates.k8s.io/v1beta1/clustertrustbundles=true): watched only where it is served.
  clusterTrustBundles: coreKind({
    kind: 'ClusterTrustBundle',
    group: 'certificates.k8s.io',
    versions: ['v1beta1', 'v1alpha1'],
    plural: 'clustertrustbundles',
    namespaced: false,
    optional: true,
  }),
  // Portico's parameters kind (manifests/crd-envoyproxyparameters.yaml): optional, as the CRD may
  // not be installed; references to it are then InvalidParameters (not found).
  envoyProxyParameters: gatewayKind({
    kind: 'EnvoyProxyParameters',
    group: PORTICO_GROUP,
    versions: ['v1alpha1'],
    plural: 'envoyproxyparameters',
    optional: true,
  }),
  // XBackend (v1.7.0 experimental) and the Pods its EndpointSelector selects: Pods are watched
  // only where XBackends can exist.
  xBackends: gatewayKind({
    kind: 'XBackend',
    group: GATEWAY_X_GROUP,
    versions: ['v1alpha1'],
    plural: 'xbackends',
    optional: true,
    status: 'ancestors',
    maxAncestors: 32,
  }),
  pods: coreKind({ kind: 'Pod', versions: ['v1'], plural: 'pods', needs: 'XBackend' }),
  // XTelemetryPolicy (v1.7.0 experimental, GEP-4768): tracing for the Gateways it targets.
  xTelemetryPolicies: gatewayKind({
    kind: 'XTelemetryPolicy',
    group: GATEWAY_X_GROUP,
    versions: ['v1alpha1'],
    plural: 'xtelemetrypolicies',
    optional: true,
    status: 'ancestors',
    maxAncestors: 16,
  }),
  // Portico's access-control policy (manifests/crd-securitypolicy.yaml; Envoy Gateway's
  // SecurityPolicy fields): optional, as the CRD may not be installed.
  securityPolicies: gatewayKind({
    kind: 'SecurityPolicy',
    group: PORTICO_GROUP,
    versions: ['v1alpha1'],
    plural: 'securitypolicies',
    optional: true,
    status: 'ancestors',
    maxAncestors: 16,
  }),
  // Portico's client connection policy (manifests/crd-clienttrafficpolicy.yaml; Envoy Gateway's
  // ClientTrafficPolicy fields): optional, as the CRD may not be installed.
  clientTrafficPolicies: gatewayKind({
    kind: 'ClientTrafficPolicy',
    group: PORTICO_GROUP,
    versions: ['v1alpha1'],
    plural: 'clienttrafficpolicies',
    optional: true,
    status: 'ancestors',
    maxAncestors: 16,
  }),
  // Portico's BackendTrafficPolicy (manifests/crd-backendtrafficpolicy.yaml; Envoy Gateway's fields).
  backendTrafficPolicies: gatewayKind({
    kind: 'BackendTrafficPolicy',
    group: PORTICO_GROUP,
    versions: ['v1alpha1'],
    plural: 'backendtrafficpolicies',
    optional: true,
    status: 'ancestors',
    maxAncestors: 16,
  }),
};

export type ResourceSetField = keyof ResourceSet;

/** A kind with the `ResourceSet` field that holds its objects. */
export interface KindEntry extends KindInfo {
  field: ResourceSetField;
}

/** Every kind, in the table's order. */
export const KINDS: readonly KindEntry[] = (Object.keys(KIND_TABLE) as ResourceSetField[]).map((field) => ({
  ...KIND_TABLE[field],
  field,
}));

/** By kind name; a Map so that kinds like `constructor` cannot hit Object's prototype. */
export const KIND_BY_NAME: ReadonlyMap<string, KindEntry> = new Map(KINDS.map((k) => [k.kind, k]));

const kindsWith = (status: StatusRole): ReadonlySet<string> =>
  new Set(KINDS.filter((k) => k.status === status).map((k) => k.kind));

/** The route kinds: their status is a list of `parents` entries, one per parent and controller. */
export const ROUTE_KINDS = kindsWith('parents');

/** Policy kinds: their status is a list of `ancestors` entries, one per ancestor and controller. */
export const POLICY_KINDS = kindsWith('ancestors');

/** Kinds whose status Portico computes (and, in a cluster, writes). */
export const STATUS_KINDS: ReadonlySet<string> = new Set(
  KINDS.filter((k) => k.status !== undefined).map((k) => k.kind),
);

/** The kinds of the Gateway API groups (standard and experimental), in the table's order. */
export const GATEWAY_API_KINDS: readonly KindEntry[] = KINDS.filter((k) => isGatewayApiGroup(k.group));

/**
 * The objects the translator gives back with their status (`portico translate` lists them all):
 * the Gateway API kinds, and Portico's own kinds that have a status (SecurityPolicy).
 */
export const OUTPUT_KINDS: readonly KindEntry[] = KINDS.filter(
  (k) => isGatewayApiGroup(k.group) || k.status !== undefined,
);

export function isGatewayApiGroup(group: string): boolean {
  return group === GATEWAY_GROUP || group === GATEWAY_X_GROUP;
}

/** `<group>/<version>` (or `<version>` for the core group) for each version of `kind`. */
export function apiVersionsOf(kind: Pick<KindInfo, 'group' | 'versions'>): string[] {
  return kind.versions.map((version) => apiVersionOf(kind.group, version));
}

export function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** Whether `apiVersion` is of a Gateway API group (standard or experimental). */
export function isGatewayApiVersion(apiVersion: string): boolean {
  return apiVersion.startsWith(`${GATEWAY_GROUP}/`) || apiVersion.startsWith(`${GATEWAY_X_GROUP}/`);
}
