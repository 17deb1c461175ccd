/**
 * The objects Portico provisions for one accepted Gateway, as plain JSON for server-side apply:
 * ServiceAccount, ConfigMap (the Envoy bootstrap), Deployment (Envoy) and Service, all in the
 * Gateway's namespace, owned by the Gateway (`controller: true`) and labelled with its name. Plus,
 * once per namespace, a copy of the `portico-xds-client` Secret (Pods mount Secrets of their own
 * namespace only), owned by every provisioned Gateway of that namespace.
 *
 * Pure: no API calls here (reconciler.ts applies them).
 */
import { ENVOY_RUNTIME_FLAGS } from '../envoy-flags.js';
import { createHash } from 'node:crypto';
import { bootstrapJson, buildBootstrap, BOOTSTRAP_TYPE_URL } from '../bootstrap.js';
import type { HostPort } from '../bootstrap.js';
import type { JsonValue } from '../../proto/proto-json.js';
import type { EnvoyMessage } from '../../translate/xds/types.js';
import type { KubeObject } from '../../resources/types.js';
import { XDS_CLIENT_SECRET } from './certs.js';

export { BOOTSTRAP_TYPE_URL };

/** The Envoy image (the version Portico's end-to-end tests run); `--envoy-image` overrides. */
export const DEFAULT_ENVOY_IMAGE = 'envoyproxy/envoy:v1.40.0';
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'portico';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const ENVOY_COMPONENT = 'envoy';
export const BOOTSTRAP_KEY = 'bootstrap.json';
export const ENVOY_ADMIN_PORT = 19901;
/** Static listener that forwards `/ready` to the loopback-only admin, for kubelet's readiness probe. */
export const ENVOY_READINESS_PORT = 19902;
/** Ports a provisioned Envoy uses for itself: no Gateway listener can have them. */
export const ENVOY_OWN_PORTS: ReadonlyMap<number, string> = new Map([
  [ENVOY_ADMIN_PORT, 'the admin interface'],
  [ENVOY_READINESS_PORT, 'the readiness listener'],
]);
const TLS_MOUNT = '/etc/portico/xds-tls';

export type ServiceType = 'LoadBalancer' | 'NodePort' | 'ClusterIP';
export const SERVICE_TYPES: readonly ServiceType[] = ['LoadBalancer', 'NodePort', 'ClusterIP'];

export interface ProvisionSettings {
  /** Where the Envoys connect: the xDS Service's DNS name and port. */
  xds: HostPort;
  /** Mutual TLS to xDS with the client Secret (default true; false only for local experiments). */
  tls?: boolean;
  envoyImage?: string;
  serviceType?: ServiceType;
  replicas?: number;
}

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

/** The bootstrap of the provisioned Envoys (node.id is overridden per Pod with `--service-node`). */
export function provisionedBootstrap(gateway: KubeObject, settings: ProvisionSettings): EnvoyMessage {
  const namespace = gateway.metadata.namespace ?? 'default';
  const key = `${namespace}/${gateway.metadata.name}`;
  const base = buildBootstrap({
    gateway: key,
    nodeId: `${key}/envoy`,
    xds: settings.xds,
    adminPort: ENVOY_ADMIN_PORT,
    ...(settings.tls === false
      ? {}
      : {
          tls: {
            caFile: `${TLS_MOUNT}/ca.crt`,
            certFile: `${TLS_MOUNT}/tls.crt`,
            keyFile: `${TLS_MOUNT}/tls.key`,
          },
        }),
  });
  const staticResources = base.static_resources as { clusters: EnvoyMessage[] };
  return {
    ...base,
    static_resources: {
      listeners: [readinessListener()],
      clusters: [...staticResources.clusters, adminCluster()],
    },
  };
}

export function desiredObjects(
  gateway: KubeObject,
  settings: ProvisionSettings,
  listenerSets: readonly KubeObject[] = [],
): KubeObject[] {
  const namespace = gateway.metadata.namespace ?? 'default';
  const name = provisionedName(gateway.metadata.name);
  const labels = gatewayLabels(gateway.metadata.name);
  const metadata = { name, namespace, labels, ownerReferences: [ownerReference(gateway, true)] };
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
    data: { [BOOTSTRAP_KEY]: JSON.stringify(bootstrap, null, 2) },
  } as KubeObject;
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      replicas: settings.replicas ?? 1,
      selector: { matchLabels: labels },
      template: {
        // A bootstrap change rolls the Pods (Envoy reads it only at start).
        metadata: { labels, annotations: { 'portico.dev/bootstrap-hash': configHash } },
        spec: {
          serviceAccountName: name,
          automountServiceAccountToken: false,
          containers: [
            {
              name: 'envoy',
              image: settings.envoyImage ?? DEFAULT_ENVOY_IMAGE,
              command: ['envoy'],
              args: [
                '-c',
                `/etc/envoy/${BOOTSTRAP_KEY}`,
                // node.id unique per replica; node.cluster stays <namespace>/<gateway>.
                '--service-node',
                `${namespace}/${gateway.metadata.name}/$(POD_NAME)`,
                '--log-level',
                'info',
                ...ENVOY_RUNTIME_FLAGS,
              ],
              env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              ports: [
                ...ports.map((p) => ({ name: p.name.slice(0, 15), containerPort: p.port, protocol: p.protocol })),
                { name: 'ready', containerPort: ENVOY_READINESS_PORT, protocol: 'TCP' },
              ],
              readinessProbe: { httpGet: { path: '/ready', port: ENVOY_READINESS_PORT }, periodSeconds: 5 },
              resources: { requests: { cpu: '100m', memory: '128Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                // Gateway listeners are often on 80/443.
                capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
              },
              volumeMounts: [
                { name: 'bootstrap', mountPath: '/etc/envoy', readOnly: true },
                ...(tls ? [{ name: 'xds-tls', mountPath: TLS_MOUNT, readOnly: true }] : []),
              ],
            },
          ],
          volumes: [
            { name: 'bootstrap', configMap: { name } },
            ...(tls ? [{ name: 'xds-tls', secret: { secretName: XDS_CLIENT_SECRET } }] : []),
          ],
        },
      },
    },
  } as KubeObject;
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: {
      type: settings.serviceType ?? 'LoadBalancer',
      selector: labels,
      ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: p.protocol })),
    },
  } as KubeObject;
  return [serviceAccount, configMap, deployment, service];
}

/** The per-namespace copy of the Envoy client certificate Secret. */
export function clientSecretCopy(
  namespace: string,
  data: Record<string, string>,
  owners: readonly KubeObject[],
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: XDS_CLIENT_SECRET,
      namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [COMPONENT_LABEL]: ENVOY_COMPONENT },
      ownerReferences: owners.map((g) => ownerReference(g, false)),
    },
    ...{ type: 'kubernetes.io/tls', data },
  } as KubeObject;
}

function readinessListener(): EnvoyMessage {
  return {
    name: 'portico-readiness',
    address: { socket_address: { address: '0.0.0.0', port_value: ENVOY_READINESS_PORT } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type':
                'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              stat_prefix: 'portico_readiness',
              route_config: {
                name: 'portico-readiness',
                virtual_hosts: [
                  {
                    name: 'readiness',
                    domains: ['*'],
                    routes: [{ match: { path: '/ready' }, route: { cluster: 'portico-envoy-admin' } }],
                  },
                ],
              },
              http_filters: [
                {
                  name: 'envoy.filters.http.router',
                  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
                },
              ],
            },
          },
        ],
      },
    ],
  };
}

function adminCluster(): EnvoyMessage {
  return {
    name: 'portico-envoy-admin',
    type: 'STATIC',
    connect_timeout: { seconds: 1, nanos: 0 },
    load_assignment: {
      cluster_name: 'portico-envoy-admin',
      endpoints: [
        {
          lb_endpoints: [
            { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: ENVOY_ADMIN_PORT } } } },
          ],
        },
      ],
    },
  };
}
