/**
 * Folds a list of Kubernetes objects into the one immutable input of the translator: a
 * `ResourceSet` with every kind in its own list, sorted, so the same objects always give the
 * same translation whatever order they were read in.
 */
import type { KubeObject, ResourceSet } from './types.js';
import { readInput } from './read/read-input.js';
import { GATEWAY_GROUP, GATEWAY_X_GROUP, PORTICO_GROUP } from './types.js';

export interface SupportedKind {
  /** `<group>/<version>` (or `<version>` for the core group) values Portico reads. */
  apiVersions: readonly string[];
  namespaced: boolean;
  bucket: keyof ResourceSet;
}

/** The kinds the translator understands; a Map so that kinds like `constructor` cannot hit Object's prototype. */
export const SUPPORTED_KINDS: ReadonlyMap<string, SupportedKind> = new Map<string, SupportedKind>([
  [
    'GatewayClass',
    { apiVersions: [`${GATEWAY_GROUP}/v1`, `${GATEWAY_GROUP}/v1beta1`], namespaced: false, bucket: 'gatewayClasses' },
  ],
  [
    'Gateway',
    { apiVersions: [`${GATEWAY_GROUP}/v1`, `${GATEWAY_GROUP}/v1beta1`], namespaced: true, bucket: 'gateways' },
  ],
  [
    'HTTPRoute',
    { apiVersions: [`${GATEWAY_GROUP}/v1`, `${GATEWAY_GROUP}/v1beta1`], namespaced: true, bucket: 'httpRoutes' },
  ],
  ['GRPCRoute', { apiVersions: [`${GATEWAY_GROUP}/v1`], namespaced: true, bucket: 'grpcRoutes' }],
  [
    'TLSRoute',
    {
      apiVersions: [`${GATEWAY_GROUP}/v1`, `${GATEWAY_GROUP}/v1alpha3`, `${GATEWAY_GROUP}/v1alpha2`],
      namespaced: true,
      bucket: 'tlsRoutes',
    },
  ],
  [
    'TCPRoute',
    { apiVersions: [`${GATEWAY_GROUP}/v1`, `${GATEWAY_GROUP}/v1alpha2`], namespaced: true, bucket: 'tcpRoutes' },
  ],
  [
    'UDPRoute',
    { apiVersions: [`${GATEWAY_GROUP}/v1`, `${GATEWAY_GROUP}/v1alpha2`], namespaced: true, bucket: 'udpRoutes' },
  ],
  [
    'BackendTLSPolicy',
    {
      apiVersions: [`${GATEWAY_GROUP}/v1`, `${GATEWAY_GROUP}/v1alpha3`],
      namespaced: true,
      bucket: 'backendTLSPolicies',
    },
  ],
  ['ListenerSet', { apiVersions: [`${GATEWAY_GROUP}/v1`], namespaced: true, bucket: 'listenerSets' }],
  [
    'ReferenceGrant',
    { apiVersions: [`${GATEWAY_GROUP}/v1`, `${GATEWAY_GROUP}/v1beta1`], namespaced: true, bucket: 'referenceGrants' },
  ],
  ['Service', { apiVersions: ['v1'], namespaced: true, bucket: 'services' }],
  ['EndpointSlice', { apiVersions: ['discovery.k8s.io/v1'], namespaced: true, bucket: 'endpointSlices' }],
  ['Secret', { apiVersions: ['v1'], namespaced: true, bucket: 'secrets' }],
  ['Namespace', { apiVersions: ['v1'], namespaced: false, bucket: 'namespaces' }],
  ['ConfigMap', { apiVersions: ['v1'], namespaced: true, bucket: 'configMaps' }],
  [
    'ClusterTrustBundle',
    {
      apiVersions: ['certificates.k8s.io/v1beta1', 'certificates.k8s.io/v1alpha1'],
      namespaced: false,
      bucket: 'clusterTrustBundles',
    },
  ],
  [
    'EnvoyProxyParameters',
    { apiVersions: [`${PORTICO_GROUP}/v1alpha1`], namespaced: true, bucket: 'envoyProxyParameters' },
  ],
  // XBackend (v1.7.0 experimental) and the Pods its EndpointSelector selects.
  ['XBackend', { apiVersions: [`${GATEWAY_X_GROUP}/v1alpha1`], namespaced: true, bucket: 'xBackends' }],
  ['Pod', { apiVersions: ['v1'], namespaced: true, bucket: 'pods' }],
  // XTelemetryPolicy (v1.7.0 experimental): tracing for the Gateways it targets.
  [
    'XTelemetryPolicy',
    { apiVersions: [`${GATEWAY_X_GROUP}/v1alpha1`], namespaced: true, bucket: 'xTelemetryPolicies' },
  ],
]);

/**
 * Other Gateway API kinds (experimental policies, for example) are accepted with a warning rather
 * than rejected, so that real-world manifests mixing them with what Portico reads still load.
 */
export function isGatewayApiVersion(apiVersion: string): boolean {
  return apiVersion.startsWith(`${GATEWAY_GROUP}/`) || apiVersion.startsWith('gateway.networking.x-k8s.io/');
}

export const DEFAULT_NAMESPACE = 'default';

export interface CollectedResourceSet {
  resources: ResourceSet;
  warnings: string[];
}

export function buildResourceSet(objects: readonly KubeObject[]): ResourceSet {
  return collectResourceSet(objects).resources;
}

/** Like `buildResourceSet`, also returning what was dropped or overridden on the way. */
export function collectResourceSet(objects: readonly KubeObject[]): CollectedResourceSet {
  const warnings: string[] = [];
  const byBucket = new Map<keyof ResourceSet, Map<string, KubeObject>>();

  for (const object of objects) {
    const kind = SUPPORTED_KINDS.get(object.kind);
    if (!kind) {
      warnings.push(unsupportedKindWarning(object));
      continue;
    }
    const normalized = withScope(object, kind.namespaced);
    readInput(normalized);
    const key = objectKey(normalized);
    let bucket = byBucket.get(kind.bucket);
    if (!bucket) {
      bucket = new Map();
      byBucket.set(kind.bucket, bucket);
    }
    if (bucket.has(key)) {
      warnings.push(duplicateWarning(object, key));
      // Delete first so the survivor also takes the later position; order is re-sorted anyway.
      bucket.delete(key);
    }
    bucket.set(key, normalized);
  }

  const sorted = (bucket: keyof ResourceSet): KubeObject[] =>
    [...(byBucket.get(bucket)?.values() ?? [])].sort(compareByNamespaceAndName);

  return { resources: assembleResourceSet(sorted), warnings };
}

/**
 * A ResourceSet from each kind's list. Spelled out field by field so that a kind added to
 * ResourceSet fails to compile here until it is handled. The casts are sound in shape only:
 * objects are untrusted input and the translator validates fields.
 */
export function assembleResourceSet(list: (bucket: keyof ResourceSet) => KubeObject[]): ResourceSet {
  return {
    gatewayClasses: list('gatewayClasses') as ResourceSet['gatewayClasses'],
    gateways: list('gateways') as ResourceSet['gateways'],
    httpRoutes: list('httpRoutes') as ResourceSet['httpRoutes'],
    grpcRoutes: list('grpcRoutes') as ResourceSet['grpcRoutes'],
    tlsRoutes: list('tlsRoutes') as ResourceSet['tlsRoutes'],
    tcpRoutes: list('tcpRoutes') as ResourceSet['tcpRoutes'],
    udpRoutes: list('udpRoutes') as ResourceSet['udpRoutes'],
    backendTLSPolicies: list('backendTLSPolicies') as ResourceSet['backendTLSPolicies'],
    listenerSets: list('listenerSets') as ResourceSet['listenerSets'],
    referenceGrants: list('referenceGrants') as ResourceSet['referenceGrants'],
    services: list('services') as ResourceSet['services'],
    endpointSlices: list('endpointSlices') as ResourceSet['endpointSlices'],
    secrets: list('secrets') as ResourceSet['secrets'],
    namespaces: list('namespaces') as ResourceSet['namespaces'],
    configMaps: list('configMaps') as ResourceSet['configMaps'],
    clusterTrustBundles: list('clusterTrustBundles') as ResourceSet['clusterTrustBundles'],
    envoyProxyParameters: list('envoyProxyParameters'),
    xBackends: list('xBackends') as ResourceSet['xBackends'],
    pods: list('pods') as ResourceSet['pods'],
    xTelemetryPolicies: list('xTelemetryPolicies') as ResourceSet['xTelemetryPolicies'],
  };
}

export const unsupportedKindWarning = (object: KubeObject): string =>
  `ignoring ${object.kind} ${object.metadata.name}: kind not supported`;

export const duplicateWarning = (object: KubeObject, key: string): string =>
  `duplicate ${object.kind} ${key}: the last definition wins`;

/** Namespaced objects default to `default` (as kubectl does); cluster-scoped ones carry no namespace. */
export function withScope(object: KubeObject, namespaced: boolean): KubeObject {
  const { namespace } = object.metadata;
  if (namespaced && !namespace) {
    return { ...object, metadata: { ...object.metadata, namespace: DEFAULT_NAMESPACE } };
  }
  if (!namespaced && namespace !== undefined) {
    const { namespace: _ignored, ...metadata } = object.metadata;
    return { ...object, metadata };
  }
  return object;
}

/** Unique within a kind once `withScope` has normalised the object. */
export function objectKey(object: KubeObject): string {
  const { namespace, name } = object.metadata;
  return namespace === undefined ? name : `${namespace}/${name}`;
}

/** Code-unit order, not `localeCompare`: the result must not depend on the machine's locale. */
export function compareByNamespaceAndName(a: KubeObject, b: KubeObject): number {
  return (
    compareStrings(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
    compareStrings(a.metadata.name, b.metadata.name)
  );
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
