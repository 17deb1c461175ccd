/**
 * The objects of the rate limit service Portico provisions for Global rate limits in a cluster,
 * as plain JSON for server-side apply: one shared service for every Gateway (as Envoy Gateway
 * runs one), all in Portico's own namespace, none owned by a Gateway:
 *
 *   ConfigMap   portico-ratelimit         one key per Gateway domain (`rateLimitConfigFileName`),
 *                                         the service's configuration (`gatewayRateLimitServiceConfig`)
 *   Deployment  portico-ratelimit         github.com/envoyproxy/ratelimit; the ConfigMap mounted as
 *                                         its runtime directory, which it watches
 *   Service     portico-ratelimit         gRPC 8081, what every Gateway's rate limit cluster names
 *   Deployment  portico-ratelimit-redis   the counters, in memory only (nothing persisted)
 *   Service     portico-ratelimit-redis   6379, for the service only (manifests/networkpolicy.yaml)
 *   ServiceAccount of each Deployment (its own name, no token mounted: neither calls the API).
 *
 * The kubelet updates a ConfigMap volume by swapping a `..data` symlink: the service watches the
 * mounted directory itself (RUNTIME_WATCH_ROOT=false) and skips the dot entries
 * (RUNTIME_IGNOREDOTFILES), so a new configuration is read once the kubelet has swapped it in.
 *
 * Pure: no API calls here (rate-limit-provisioner.ts applies them).
 */
import type { HostPort } from '../bootstrap.js';
import type { KubeObject } from '../../resources/types.js';
import { rateLimitConfigFileName, type RateLimitServiceConfig } from '../../translate/xds/rate-limit-service-config.js';
import { stringify } from 'yaml';
import { DEFAULT_RATE_LIMIT_IMAGE, DEFAULT_REDIS_IMAGE } from './provision-settings.js';
import type { RateLimitProvisionSettings } from './provision-settings.js';
import { COMPONENT_LABEL, MANAGED_BY, MANAGED_BY_LABEL } from './resources.js';

export const RATE_LIMIT_NAME = 'portico-ratelimit';
export const REDIS_NAME = 'portico-ratelimit-redis';
export const RATE_LIMIT_COMPONENT = 'ratelimit';
export const REDIS_COMPONENT = 'ratelimit-redis';
/** Envoy Gateway's rate limit service answers on 8081 too. */
export const RATE_LIMIT_GRPC_PORT = 8081;
const RATE_LIMIT_HTTP_PORT = 8080;
const REDIS_PORT = 6379;
const RUNTIME_ROOT = '/etc/ratelimit';
const RUNTIME_SUBDIRECTORY = 'runtime';
const RUNTIME_APP_DIRECTORY = 'config';
/** Redis' memory for counters; past it the least recently used are evicted (their windows restart). */
const REDIS_MAX_MEMORY = '96mb';

/** Where the Gateways' Envoys reach the service: its Service's DNS name in `namespace`. */
export function rateLimitServiceAddress(namespace: string): HostPort {
  return { host: `${RATE_LIMIT_NAME}.${namespace}.svc`, port: RATE_LIMIT_GRPC_PORT };
}

function labels(component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'portico', [MANAGED_BY_LABEL]: MANAGED_BY, [COMPONENT_LABEL]: component };
}

/** The kinds and names of every object below (what is deleted when no Gateway needs the service). */
export const RATE_LIMIT_OBJECTS: readonly { kind: string; name: string }[] = [
  { kind: 'Deployment', name: RATE_LIMIT_NAME },
  { kind: 'Service', name: RATE_LIMIT_NAME },
  { kind: 'ConfigMap', name: RATE_LIMIT_NAME },
  { kind: 'ServiceAccount', name: RATE_LIMIT_NAME },
  { kind: 'Deployment', name: REDIS_NAME },
  { kind: 'Service', name: REDIS_NAME },
  { kind: 'ServiceAccount', name: REDIS_NAME },
];

/** The ConfigMap's data: one key per domain, sorted (the same configurations make the same object). */
export function rateLimitConfigData(configs: readonly RateLimitServiceConfig[]): Record<string, string> {
  const data: Record<string, string> = {};
  for (const config of [...configs].sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0))) {
    data[rateLimitConfigFileName(config.domain)] = stringify(config);
  }
  return data;
}

const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

function deployment(name: string, component: string, namespace: string, pod: Record<string, unknown>): KubeObject {
  const selector = labels(component);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: selector },
    spec: {
      replicas: 1,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: selector },
        spec: {
          serviceAccountName: name,
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65532,
            runAsGroup: 65532,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          ...pod,
        },
      },
    },
  } as KubeObject;
}

function service(name: string, component: string, namespace: string, port: number, portName: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels: labels(component) },
    spec: {
      type: 'ClusterIP',
      selector: labels(component),
      ports: [{ name: portName, port, targetPort: port, protocol: 'TCP' }],
    },
  } as KubeObject;
}

function serviceAccount(name: string, component: string, namespace: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, namespace, labels: labels(component) },
    automountServiceAccountToken: false,
  } as KubeObject;
}

/** Everything the service needs, for the Gateways' configurations (at least one). In apply order. */
export function rateLimitObjects(
  configs: readonly RateLimitServiceConfig[],
  settings: RateLimitProvisionSettings,
): KubeObject[] {
  const { namespace } = settings;
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: RATE_LIMIT_NAME, namespace, labels: labels(RATE_LIMIT_COMPONENT) },
    data: rateLimitConfigData(configs),
  } as KubeObject;
  const redis = deployment(REDIS_NAME, REDIS_COMPONENT, namespace, {
    containers: [
      {
        name: 'redis',
        image: settings.redisImage ?? DEFAULT_REDIS_IMAGE,
        command: ['redis-server'],
        // Counters of windows of a day at most: nothing is saved, nothing is written to disk.
        // Protected mode would refuse every client but loopback (the NetworkPolicy admits the service only).
        args: [
          '--port',
          String(REDIS_PORT),
          '--protected-mode',
          'no',
          '--save',
          '',
          '--appendonly',
          'no',
          '--maxmemory',
          REDIS_MAX_MEMORY,
          '--maxmemory-policy',
          'allkeys-lru',
        ],
        ports: [{ name: 'redis', containerPort: REDIS_PORT, protocol: 'TCP' }],
        readinessProbe: { tcpSocket: { port: REDIS_PORT }, periodSeconds: 5 },
        resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
        securityContext: RESTRICTED_CONTAINER,
      },
    ],
  });
  const ratelimit = deployment(RATE_LIMIT_NAME, RATE_LIMIT_COMPONENT, namespace, {
    containers: [
      {
        name: 'ratelimit',
        image: settings.rateLimitImage ?? DEFAULT_RATE_LIMIT_IMAGE,
        command: ['/bin/ratelimit'],
        env: Object.entries({
          GRPC_PORT: String(RATE_LIMIT_GRPC_PORT),
          PORT: String(RATE_LIMIT_HTTP_PORT),
          // Its debug endpoints (configuration, counters) stay inside the Pod.
          DEBUG_HOST: '127.0.0.1',
          USE_STATSD: 'false',
          LOG_LEVEL: 'warn',
          REDIS_SOCKET_TYPE: 'tcp',
          REDIS_URL: `${REDIS_NAME}.${namespace}.svc:${REDIS_PORT}`,
          RUNTIME_ROOT,
          RUNTIME_SUBDIRECTORY,
          RUNTIME_APPDIRECTORY: RUNTIME_APP_DIRECTORY,
          RUNTIME_WATCH_ROOT: 'false',
          RUNTIME_IGNOREDOTFILES: 'true',
        }).map(([name, value]) => ({ name, value })),
        ports: [
          { name: 'grpc', containerPort: RATE_LIMIT_GRPC_PORT, protocol: 'TCP' },
          { name: 'http', containerPort: RATE_LIMIT_HTTP_PORT, protocol: 'TCP' },
        ],
        readinessProbe: { httpGet: { path: '/healthcheck', port: RATE_LIMIT_HTTP_PORT }, periodSeconds: 5 },
        resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { memory: '256Mi' } },
        securityContext: RESTRICTED_CONTAINER,
        volumeMounts: [
          {
            name: 'config',
            mountPath: `${RUNTIME_ROOT}/${RUNTIME_SUBDIRECTORY}/${RUNTIME_APP_DIRECTORY}`,
            readOnly: true,
          },
        ],
      },
    ],
    volumes: [{ name: 'config', configMap: { name: RATE_LIMIT_NAME } }],
  });
  return [
    serviceAccount(REDIS_NAME, REDIS_COMPONENT, namespace),
    redis,
    service(REDIS_NAME, REDIS_COMPONENT, namespace, REDIS_PORT, 'redis'),
    configMap,
    serviceAccount(RATE_LIMIT_NAME, RATE_LIMIT_COMPONENT, namespace),
    ratelimit,
    service(RATE_LIMIT_NAME, RATE_LIMIT_COMPONENT, namespace, RATE_LIMIT_GRPC_PORT, 'grpc'),
  ];
}
