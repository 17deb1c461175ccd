/**
 * The objects Portico provisions for one accepted Gateway, as plain JSON for server-side apply:
 * ServiceAccount, ConfigMap (the Envoy bootstrap), Deployment (Envoy) and Service, all in the
 * Gateway's namespace, owned by the Gateway (`controller: true`) and labelled with its name. With
 * xDS TLS, also the Gateway's own client certificate Secret (`<name>-xds`, naming the Gateway in
 * its URI SAN; reconciler.ts issues and renews it), mounted by that Gateway's Deployment only.
 *
 * Pure: no API calls here (reconciler.ts applies them).
 */
import { ENVOY_RUNTIME_FLAGS } from '../envoy-flags.js';
import { createHash } from 'node:crypto';
import { bootstrapJson, buildBootstrap, BOOTSTRAP_TYPE_URL, xdsTlsSdsFiles } from '../bootstrap.js';
import type { BootstrapTls } from '../bootstrap.js';
import type { JsonValue } from '../../proto/proto-json.js';
import type { Bootstrap } from '../../translate/xds/types.js';
import { adminPageListener, DEFAULT_STATS_PORT, PROMETHEUS_PATH } from '../admin-listeners.js';
import type { KubeObject } from '../../resources/types.js';
import type { TlsBundle } from './certs.js';
import { infrastructureMetadata } from './infrastructure.js';
import type { AddressPlan } from './gateway-addresses.js';
import { DEFAULT_ENVOY_IMAGE } from './provision-settings.js';
import type { ProvisionSettings, ServiceType } from './provision-settings.js';
import type { IrProxyParameters } from '../../ir/types.js';

export { BOOTSTRAP_TYPE_URL };

export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'portico';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const ENVOY_COMPONENT = 'envoy';
export const BOOTSTRAP_KEY = 'bootstrap.json';
/** ConfigMap keys of the SDS files that point Envoy at its mounted xDS client certificate. */
export const XDS_CLIENT_SDS_KEY = 'xds-client-sds.json';
export const XDS_CA_SDS_KEY = 'xds-ca-sds.json';
const BOOTSTRAP_MOUNT = '/etc/envoy';
export const ENVOY_ADMIN_PORT = 19901;
/** Static listener that forwards `/ready` to the loopback-only admin, for kubelet's readiness probe. */
export const ENVOY_READINESS_PORT = 19902;
/** Ports a provisioned Envoy uses for itself: no Gateway listener can have them. */
/** Prometheus stats (`/stats/prometheus`) on the Pod IP, named by the Pod's and Service's annotations. */
export const ENVOY_STATS_PORT = DEFAULT_STATS_PORT;
export const ENVOY_OWN_PORTS: ReadonlyMap<number, string> = new Map([
  [ENVOY_ADMIN_PORT, 'the admin interface'],
  [ENVOY_READINESS_PORT, 'the readiness listener'],
  [ENVOY_STATS_PORT, 'the Prometheus stats listener'],
]);
/**
 * The annotations Prometheus's Kubernetes discovery reads (the common `prometheus.io/*` relabelling):
 * on the Pods, and on the Service for an `endpoints` role, which scrapes each Pod IP on that port.
 * The Service itself does not carry the port: it is often a public load balancer.
 */
export const PROMETHEUS_ANNOTATIONS: Readonly<Record<string, string>> = {
  'prometheus.io/scrape': 'true',
  'prometheus.io/port': String(ENVOY_STATS_PORT),
  'prometheus.io/path': PROMETHEUS_PATH,
};
const TLS_MOUNT = '/etc/portico/xds-tls';

interface GatewayListener {
  name?: string;
  port?: number;
  protocol?: string;
}

/** `portico-<gateway>`, a DNS-1035 label (Service names): dots replaced, long names shortened with a hash. */
export function provisionedName(gatewayName: string): string {
  const base = gatewayName.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  const simple = `portico-${base}`;
  if (base === gatewayName && simple.length <= 63) return simple;
  const hash = createHash('sha256').update(gatewayName).digest('hex').slice(0, 8);
  return `portico-${base.slice(0, 45).replace(/-+$/, '')}-${hash}`;
}

export function gatewayLabels(gatewayName: string): Record<string, string> {
  return {
    [GATEWAY_NAME_LABEL]: gatewayName.length <= 63 ? gatewayName : provisionedName(gatewayName),
    [MANAGED_BY_LABEL]: MANAGED_BY,
    [COMPONENT_LABEL]: ENVOY_COMPONENT,
  };
}

export function ownerReference(gateway: KubeObject, controller: boolean): Record<string, unknown> {
  if (!gateway.metadata.uid) throw new Error(`Gateway ${gateway.metadata.name} has no uid`);
  return {
    apiVersion: gateway.apiVersion,
    kind: 'Gateway',
    name: gateway.metadata.name,
    uid: gateway.metadata.uid,
    controller,
    blockOwnerDeletion: true,
  };
}

/**
 * The distinct listener ports of the Gateway's spec and of its attached ListenerSets, in order,
 * each with its transport: a UDP listener needs a UDP port, next to any TCP one of that number.
 */
export function listenerPorts(
  gateway: KubeObject,
  listenerSets: readonly KubeObject[] = [],
): { name: string; port: number; protocol: 'TCP' | 'UDP' }[] {
  const listenersOf = (o: KubeObject) => {
    const list = (o.spec as { listeners?: unknown } | undefined)?.listeners;
    return Array.isArray(list) ? (list as GatewayListener[]) : [];
  };
  const listeners = [gateway, ...listenerSets]
    .flatMap(listenersOf)
    .filter((l) => typeof l === 'object' && l !== null && Number.isInteger(l.port) && l.port! > 0 && l.port! < 65536);
  const seen = new Map<string, { name: string; port: number; protocol: 'TCP' | 'UDP' }>();
  for (const listener of listeners) {
    const transport = listener.protocol === 'UDP' ? 'UDP' : 'TCP';
    const key = `${listener.port}/${transport}`;
    if (!seen.has(key)) {
      const protocol = (listener.protocol ?? 'tcp').toLowerCase().replace(/[^a-z0-9]/g, '');
      seen.set(key, { name: `${protocol.slice(0, 8)}-${listener.port}`, port: listener.port!, protocol: transport });
    }
  }
  return [...seen.values()];
}

/** The Secret holding a Gateway's xDS client certificate. */
export function gatewayCertificateSecretName(gatewayName: string): string {
  return `${provisionedName(gatewayName)}-xds`;
}

/**
 * The xDS TLS files of a provisioned Envoy: its Secret mounted at TLS_MOUNT, read through SDS files
 * of the bootstrap ConfigMap, so that a renewed certificate is picked up when the kubelet swaps
 * the mount's files (no restart).
 */
const PROVISIONED_TLS: BootstrapTls = {
  caFile: `${TLS_MOUNT}/ca.crt`,
  certFile: `${TLS_MOUNT}/tls.crt`,
  keyFile: `${TLS_MOUNT}/tls.key`,
  sds: {
    clientFile: `${BOOTSTRAP_MOUNT}/${XDS_CLIENT_SDS_KEY}`,
    caFile: `${BOOTSTRAP_MOUNT}/${XDS_CA_SDS_KEY}`,
    watchedDirectory: TLS_MOUNT,
  },
};

/** The bootstrap of the provisioned Envoys (node.id is overridden per Pod with `--service-node`). */
export function provisionedBootstrap(gateway: KubeObject, settings: ProvisionSettings): Bootstrap {
  const namespace = gateway.metadata.namespace ?? 'default';
  const key = `${namespace}/${gateway.metadata.name}`;
  const base = buildBootstrap({
    gateway: key,
    nodeId: `${key}/envoy`,
    xds: settings.xds,
    adminPort: ENVOY_ADMIN_PORT,
    stats: { host: '0.0.0.0', port: ENVOY_STATS_PORT },
    ...(settings.tls === false ? {} : { tls: PROVISIONED_TLS }),
  });
  return {
    ...base,
    static_resources: {
      ...base.static_resources,
      listeners: [
        ...(base.static_resources?.listeners ?? []),
        adminPageListener('portico-readiness', '0.0.0.0', ENVOY_READINESS_PORT, '/ready'),
      ],
    },
  };
}

/** The Service type of a Gateway: its parameters', else Portico's `--gateway-service-type`. */
export function serviceTypeOf(settings: ProvisionSettings, parameters?: IrProxyParameters): ServiceType {
  return parameters?.service?.type ?? settings.serviceType ?? 'LoadBalancer';
}

/** Requested when the parameters say nothing of a resource (neither its request nor its limit). */
const DEFAULT_REQUESTS = { cpu: '100m', memory: '128Mi' } as const;

/**
 * The Envoy container's resources: the parameters' requests and limits, and Portico's default
 * request of each resource they do not mention. A resource with only a limit gets no default
 * request: Kubernetes then requests the limit (a default above a low limit would be refused).
 */
export function containerResources(parameters?: IrProxyParameters): Record<string, Record<string, string>> {
  const given = parameters?.deployment?.resources;
  const requests: Record<string, string> = { ...given?.requests };
  for (const [name, value] of Object.entries(DEFAULT_REQUESTS)) {
    if (given?.requests?.[name as 'cpu'] === undefined && given?.limits?.[name as 'cpu'] === undefined) {
      requests[name] = value;
    }
  }
  return { requests, ...(given?.limits ? { limits: { ...given.limits } } : {}) };
}

/**
 * @param addresses where the Gateway's `spec.addresses` go on its Service (gateway-addresses.ts);
 *   without it the Service gets whatever addresses Kubernetes assigns.
 * @param parameters the Gateway's EnvoyProxyParameters (its class's and its own, merged and
 *   validated by the translator); each field it leaves out keeps Portico's default.
 */
export function desiredObjects(
  gateway: KubeObject,
  settings: ProvisionSettings,
  listenerSets: readonly KubeObject[] = [],
  addresses?: AddressPlan,
  parameters?: IrProxyParameters,
): KubeObject[] {
  const pod = parameters?.deployment;
  const namespace = gateway.metadata.namespace ?? 'default';
  const name = provisionedName(gateway.metadata.name);
  const labels = gatewayLabels(gateway.metadata.name);
  const metadata = objectMetadata(gateway, name);
  const infrastructure = infrastructureMetadata(gateway);
  const ports = listenerPorts(gateway, listenerSets);
  const bootstrap = bootstrapJson(provisionedBootstrap(gateway, settings)) as JsonValue;
  const configHash = createHash('sha256').update(JSON.stringify(bootstrap)).digest('hex').slice(0, 16);
  const tls = settings.tls !== false;

  const serviceAccount: KubeObject = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata,
    // Envoy never talks to the API server.
    ...{ automountServiceAccountToken: false },
  } as KubeObject;
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata,
    data: {
      [BOOTSTRAP_KEY]: JSON.stringify(bootstrap, null, 2),
      ...(tls ? sdsData() : {}),
    },
  } as KubeObject;
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      replicas: pod?.replicas ?? settings.replicas ?? 1,
      selector: { matchLabels: labels },
      template: {
        // A bootstrap change rolls the Pods (Envoy reads it only at start); so does a change of the
        // Gateway's infrastructure labels or annotations, which the Pods carry too.
        metadata: {
          labels: { ...infrastructure.labels, ...labels },
          annotations: {
            ...PROMETHEUS_ANNOTATIONS,
            ...infrastructure.annotations,
            'portico.dev/bootstrap-hash': configHash,
          },
        },
        spec: {
          serviceAccountName: name,
          automountServiceAccountToken: false,
          ...(pod?.nodeSelector ? { nodeSelector: pod.nodeSelector } : {}),
          ...(pod?.tolerations ? { tolerations: pod.tolerations } : {}),
          containers: [
            {
              name: 'envoy',
              image: pod?.image ?? settings.envoyImage ?? DEFAULT_ENVOY_IMAGE,
              command: ['envoy'],
              args: [
                '-c',
                `${BOOTSTRAP_MOUNT}/${BOOTSTRAP_KEY}`,
                // node.id unique per replica; node.cluster stays <namespace>/<gateway>.
                '--service-node',
                `${namespace}/${gateway.metadata.name}/$(POD_NAME)`,
                '--log-level',
                pod?.logLevel ?? 'info',
                ...ENVOY_RUNTIME_FLAGS,
              ],
              env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              ports: [
                ...ports.map((p) => ({ name: p.name.slice(0, 15), containerPort: p.port, protocol: p.protocol })),
                { name: 'ready', containerPort: ENVOY_READINESS_PORT, protocol: 'TCP' },
                { name: 'metrics', containerPort: ENVOY_STATS_PORT, protocol: 'TCP' },
              ],
              readinessProbe: { httpGet: { path: '/ready', port: ENVOY_READINESS_PORT }, periodSeconds: 5 },
              resources: containerResources(parameters),
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                // Gateway listeners are often on 80/443.
                capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
              },
              volumeMounts: [
                { name: 'bootstrap', mountPath: BOOTSTRAP_MOUNT, readOnly: true },
                ...(tls ? [{ name: 'xds-tls', mountPath: TLS_MOUNT, readOnly: true }] : []),
              ],
            },
          ],
          volumes: [
            { name: 'bootstrap', configMap: { name } },
            // The Gateway's own certificate: no other Deployment mounts it.
            ...(tls
              ? [{ name: 'xds-tls', secret: { secretName: gatewayCertificateSecretName(gateway.metadata.name) } }]
              : []),
          ],
        },
      },
    },
  } as KubeObject;
  const serviceType = addresses?.serviceType ?? serviceTypeOf(settings, parameters);
  const serviceAnnotations = {
    ...PROMETHEUS_ANNOTATIONS,
    ...parameters?.service?.annotations,
    ...infrastructure.annotations,
  };
  const trafficPolicy = parameters?.service?.externalTrafficPolicy;
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    // The Gateway's infrastructure annotations win over its parameters': the spec says they
    // SHOULD be on every object provisioned for it.
    metadata: {
      ...metadata,
      ...(Object.keys(serviceAnnotations).length > 0 ? { annotations: serviceAnnotations } : {}),
    },
    spec: {
      type: serviceType,
      // Only NodePort and LoadBalancer Services take one (a Gateway's addresses may make it ClusterIP).
      ...(trafficPolicy && serviceType !== 'ClusterIP' ? { externalTrafficPolicy: trafficPolicy } : {}),
      ...(addresses?.clusterIP ? { clusterIP: addresses.clusterIP, clusterIPs: [addresses.clusterIP] } : {}),
      ...(addresses?.loadBalancerIP && serviceType === 'LoadBalancer'
        ? { loadBalancerIP: addresses.loadBalancerIP }
        : {}),
      selector: labels,
      ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: p.protocol })),
    },
  } as KubeObject;
  return [serviceAccount, configMap, deployment, service];
}

/**
 * The metadata of every object provisioned for the Gateway: Portico's labels (which select the
 * Pods and find its objects) over the Gateway's `spec.infrastructure` labels and annotations.
 */
function objectMetadata(gateway: KubeObject, name: string): KubeObject['metadata'] & Record<string, unknown> {
  const infrastructure = infrastructureMetadata(gateway);
  return {
    name,
    namespace: gateway.metadata.namespace ?? 'default',
    labels: { ...infrastructure.labels, ...gatewayLabels(gateway.metadata.name) },
    ...(Object.keys(infrastructure.annotations).length > 0 ? { annotations: infrastructure.annotations } : {}),
    ownerReferences: [ownerReference(gateway, true)],
  };
}

function sdsData(): Record<string, string> {
  const files = xdsTlsSdsFiles(PROVISIONED_TLS);
  return { [XDS_CLIENT_SDS_KEY]: files.clientFile, [XDS_CA_SDS_KEY]: files.caFile };
}

/** A Gateway's xDS client certificate Secret, owned by the Gateway. */
export function gatewayCertificateSecret(gateway: KubeObject, bundle: TlsBundle): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: objectMetadata(gateway, gatewayCertificateSecretName(gateway.metadata.name)),
    ...{
      type: 'kubernetes.io/tls',
      data: Object.fromEntries(
        (['ca.crt', 'tls.crt', 'tls.key'] as const).map((f) => [f, Buffer.from(bundle[f]).toString('base64')]),
      ),
    },
  } as KubeObject;
}
