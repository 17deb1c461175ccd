/**
 * `portico serve`: parses its arguments into a `ServeConfig` and runs the serving root
 * (src/serve) until SIGINT/SIGTERM, then stops it (and every Envoy it started).
 */
import { DEFAULT_DEBUG_ADDRESS } from '../debug/debug-server.js';
import { DEFAULT_ADMIN_PORT, DEFAULT_XDS_ADDRESS, parseHostPort } from '../infra/bootstrap.js';
import { STATS_PORT_OFFSET } from '../infra/host/envoy-launcher.js';
import { XDS_SERVICE_NAME, XDS_SERVICE_PORT } from '../infra/kubernetes/certs.js';
import {
  DEFAULT_ENVOY_IMAGE,
  DEFAULT_RATE_LIMIT_IMAGE,
  DEFAULT_REDIS_IMAGE,
  SERVICE_TYPES,
} from '../infra/kubernetes/provision-settings.js';
import { rateLimitServiceAddress } from '../infra/kubernetes/rate-limit-resources.js';
import type { ServiceType } from '../infra/kubernetes/provision-settings.js';
import { createJsonLogger, isLogLevel, LOG_LEVELS } from '../shared/logger.js';
import { errorMessage } from '../shared/error-message.js';
import { DEFAULT_LEASE_NAME } from '../serve/kubernetes-source.js';
import type { KubernetesServeOptions } from '../serve/kubernetes-source.js';
import { startServe } from '../serve/serve.js';
import { DEFAULT_RATE_LIMIT_ADDRESS } from '../serve/rate-limit-host.js';
import type { RunningServe, ServeConfig } from '../serve/serve-config.js';
import { DEFAULT_XDS_LIMITS } from '../xds/stream-limits.js';
import type { XdsLimits } from '../xds/stream-limits.js';
import { EXIT_FAILURE, EXIT_OK } from './command.js';
import { CommandLine, readFlags } from './command-line.js';
import type { CliIo, CommandSpec } from './command.js';

const SERVE_USAGE = `Usage: portico serve --provider file --watch DIR [options]
       portico serve --provider kubernetes [--kubeconfig PATH] [options]

Serves Gateway API resources from a directory of YAML to Envoy over ADS, and launches one local
Envoy per accepted Gateway. Edits to the directory apply within a fraction of a second; a file
that does not parse is reported (log and /debug/status) and its last good objects stay in service.

With --provider kubernetes, resources come from the cluster's API server; the replica holding the
leader Lease writes status back. No local Envoy is launched.

Options:
      --provider file|kubernetes where resources come from
      --watch DIR                file: directory of *.yaml / *.yml manifests (watched recursively)
      --kubeconfig PATH          kubernetes: kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)
      --leader-election-namespace NS
                                 kubernetes: namespace of the leader Lease (default: $POD_NAMESPACE,
                                 the service account's namespace, or default)
      --lease-name NAME          kubernetes: name of the leader Lease (default ${DEFAULT_LEASE_NAME})
      --xds-address HOST:PORT    ADS server listen address (default ${DEFAULT_XDS_ADDRESS})
      --xds-tls-dir DIR          serve xDS over mutual TLS: DIR holds ca.crt, tls.crt, tls.key (the
                                 portico-xds-server Secret of portico certgen); clients need a
                                 certificate signed by ca.crt naming the Gateway they claim
      --xds-ca-dir DIR           the CA (tls.crt, tls.key: the portico-xds-ca Secret of portico
                                 certgen) that signs each Gateway's Envoy client certificate, and
                                 ca.crt, the CAs Envoys trust; required with --xds-tls-dir unless no
                                 Envoy is launched or provisioned. Both directories are watched: a
                                 renewed certificate or a CA rotation step applies without a restart
      --xds-max-connection-age SECONDS
                                 close each xDS connection after about this long; its Envoy
                                 reconnects (and its certificate is checked again) (default: never)
      --xds-max-streams-per-identity N
                                 open xDS streams per Gateway identity (default ${DEFAULT_XDS_LIMITS.maxStreamsPerIdentity})
      --xds-max-names-per-subscription N
                                 resource names in one type's subscription (default ${DEFAULT_XDS_LIMITS.maxNamesPerSubscription})
      --xds-max-names-per-stream N
                                 resource names of all of a stream's subscriptions (default ${DEFAULT_XDS_LIMITS.maxNamesPerStream})
      --xds-max-request-bytes N  size of one xDS request message (default ${DEFAULT_XDS_LIMITS.maxRequestBytes})
      --xds-max-streams-per-namespace N
                                 open xDS streams of all Gateways of one namespace (default ${DEFAULT_XDS_LIMITS.maxStreamsPerNamespace})
      --xds-max-names-per-namespace N
                                 resource names subscribed by all streams of one namespace
                                 (default ${DEFAULT_XDS_LIMITS.maxNamesPerNamespace})
      --no-provision             kubernetes: do not create Envoy Deployments/Services for Gateways
      --xds-service-address HOST:PORT
                                 kubernetes: where provisioned Envoys reach xDS
                                 (default ${XDS_SERVICE_NAME}.<namespace>.svc:${XDS_SERVICE_PORT})
      --gateway-service-type TYPE
                                 kubernetes: ${SERVICE_TYPES.join(', ')} (default LoadBalancer)
      --envoy-image IMAGE        kubernetes: Envoy image (default ${DEFAULT_ENVOY_IMAGE})
      --rate-limit-image IMAGE   kubernetes: the rate limit service's image, provisioned in Portico's
                                 namespace for Global rate limits (default ${DEFAULT_RATE_LIMIT_IMAGE})
      --redis-image IMAGE        kubernetes: its Redis (default ${DEFAULT_REDIS_IMAGE})
      --debug-address HOST:PORT  /debug/*, /metrics, /healthz, /readyz (default ${DEFAULT_DEBUG_ADDRESS});
                                 /debug shows every Gateway's configuration: keep it on loopback
                                 (in a Pod: kubectl port-forward)
      --metrics-address HOST:PORT
                                 also serve /metrics, /healthz and /readyz (never /debug) here: for
                                 kubelet probes and Prometheus on the Pod IP (default: not served)
      --listener-address ADDR    address Envoy listeners bind (default 127.0.0.1)
      --admin-port-base PORT     admin port of the first local Envoy; the next ones count up
                                 (default ${DEFAULT_ADMIN_PORT})
      --stats-port-base PORT     Prometheus stats port (/stats/prometheus, loopback) of the first
                                 local Envoy; the next ones count up (default: the admin port
                                 base + ${STATS_PORT_OFFSET}, ${DEFAULT_ADMIN_PORT + STATS_PORT_OFFSET})
      --no-envoy                 do not launch Envoy (connect your own: portico bootstrap)
      --rate-limit-address HOST:PORT
                                 file: where the rate limit service Portico runs (with redis-server)
                                 for Global rate limits answers Envoy (default ${DEFAULT_RATE_LIMIT_ADDRESS});
                                 kubernetes: its provisioned Service (portico-ratelimit.<namespace>.svc:8081)
      --rate-limit-fail-closed   refuse requests (500) when the rate limit service does not answer
                                 (default: let them through)
      --state-dir DIR            file: where the local Envoys' bootstraps, pids and logs are kept, so
                                 that a restarted Portico adopts the Envoys that kept serving
                                 (default: a directory per watched directory in $TMPDIR; removed
                                 on a graceful stop)
      --log-level LEVEL          ${LOG_LEVELS.join(', ')} (default warn); JSON lines on stderr
  -h, --help                     show this help
`;

export const serveCommand: CommandSpec = {
  usage: SERVE_USAGE,
  run: runServeCommand,
};

export async function runServeCommand(args: string[], io: CliIo): Promise<number> {
  const cli = new CommandLine('serve', SERVE_USAGE, io);
  const parsed = parseServeArgs(args);
  if (parsed === 'help') return cli.help();
  if (typeof parsed === 'string') return cli.fail(parsed);
  const logger = createJsonLogger({ level: parsed.logLevel, sink: io.stderr });
  // Listen before starting: a process with no listener is killed by the kernel on SIGTERM, so a
  // signal that came between the `serving` line and a listener added after it would skip the
  // graceful stop (local Envoys and the state directory left behind). One that comes during the
  // start stops the server as soon as it is up.
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  let running: RunningServe;
  try {
    running = await startServe(parsed, logger);
  } catch (err) {
    io.stderr.write(`portico serve: ${errorMessage(err)}\n`);
    return EXIT_FAILURE;
  }
  const signal = await signalled;
  logger.info('shutting down', { signal });
  await running.stop();
  return EXIT_OK;
}

export function parseServeArgs(args: string[]): ServeConfig | 'help' | string {
  const read = readFlags(args, {
    provider: { type: 'string' },
    watch: { type: 'string' },
    kubeconfig: { type: 'string' },
    'leader-election-namespace': { type: 'string' },
    'lease-name': { type: 'string' },
    'xds-address': { type: 'string', default: DEFAULT_XDS_ADDRESS },
    'debug-address': { type: 'string', default: DEFAULT_DEBUG_ADDRESS },
    'metrics-address': { type: 'string' },
    'listener-address': { type: 'string', default: '127.0.0.1' },
    'admin-port-base': { type: 'string', default: String(DEFAULT_ADMIN_PORT) },
    'stats-port-base': { type: 'string' },
    'no-envoy': { type: 'boolean', default: false },
    'state-dir': { type: 'string' },
    'xds-tls-dir': { type: 'string' },
    'xds-ca-dir': { type: 'string' },
    'xds-max-streams-per-identity': { type: 'string' },
    'xds-max-names-per-subscription': { type: 'string' },
    'xds-max-names-per-stream': { type: 'string' },
    'xds-max-request-bytes': { type: 'string' },
    'xds-max-streams-per-namespace': { type: 'string' },
    'xds-max-names-per-namespace': { type: 'string' },
    'xds-max-connection-age': { type: 'string' },
    'no-provision': { type: 'boolean', default: false },
    'xds-service-address': { type: 'string' },
    'gateway-service-type': { type: 'string' },
    'envoy-image': { type: 'string' },
    'rate-limit-image': { type: 'string' },
    'redis-image': { type: 'string' },
    'log-level': { type: 'string', default: 'warn' },
    'rate-limit-address': { type: 'string', default: DEFAULT_RATE_LIMIT_ADDRESS },
    'rate-limit-fail-closed': { type: 'boolean', default: false },
  });
  if ('help' in read) return 'help';
  if ('error' in read) return read.error;
  const values = read.flags;
  let kubernetes: KubernetesServeOptions | undefined;
  if (values.provider === 'kubernetes') {
    if (values.watch !== undefined) return '--watch needs a provider that reads files: the provider must be "file"';
    if (values['state-dir'] !== undefined) return '--state-dir applies to --provider file only';
    kubernetes = {
      ...(values.kubeconfig !== undefined ? { kubeconfig: values.kubeconfig } : {}),
      ...(values['leader-election-namespace'] !== undefined
        ? { leaseNamespace: values['leader-election-namespace'] }
        : {}),
      ...(values['lease-name'] !== undefined ? { leaseName: values['lease-name'] } : {}),
    };
  } else if (values.provider !== 'file') {
    return values.provider === undefined
      ? '--provider file is required'
      : `--provider must be "file" or "kubernetes", not "${values.provider}"`;
  } else {
    for (const option of [
      'kubeconfig',
      'leader-election-namespace',
      'lease-name',
      'xds-service-address',
      'gateway-service-type',
      'envoy-image',
      'rate-limit-image',
      'redis-image',
    ] as const) {
      if (values[option] !== undefined) return `--${option} applies to --provider kubernetes only`;
    }
    if (!values.watch) return '--watch DIR is required with --provider file';
  }
  if (!isLogLevel(values['log-level'])) return `--log-level must be one of ${LOG_LEVELS.join(', ')}`;
  const adminPortBase = Number(values['admin-port-base']);
  if (!Number.isInteger(adminPortBase) || adminPortBase < 1 || adminPortBase > 65535) {
    return `--admin-port-base must be a port number, not "${values['admin-port-base']}"`;
  }
  const statsPortBase = Number(values['stats-port-base'] ?? adminPortBase + STATS_PORT_OFFSET);
  if (!Number.isInteger(statsPortBase) || statsPortBase < 1 || statsPortBase > 65535) {
    return `--stats-port-base must be a port number, not "${values['stats-port-base']}"`;
  }
  const xdsLimits: Partial<XdsLimits> = {};
  for (const [flag, key] of [
    ['xds-max-streams-per-identity', 'maxStreamsPerIdentity'],
    ['xds-max-names-per-subscription', 'maxNamesPerSubscription'],
    ['xds-max-names-per-stream', 'maxNamesPerStream'],
    ['xds-max-request-bytes', 'maxRequestBytes'],
    ['xds-max-streams-per-namespace', 'maxStreamsPerNamespace'],
    ['xds-max-names-per-namespace', 'maxNamesPerNamespace'],
  ] as const) {
    const text = values[flag];
    if (text === undefined) continue;
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 1) return `--${flag} must be a positive whole number, not "${text}"`;
    xdsLimits[key] = n;
  }
  let xdsMaxConnectionAgeMs: number | undefined;
  if (values['xds-max-connection-age'] !== undefined) {
    const seconds = Number(values['xds-max-connection-age']);
    if (!Number.isSafeInteger(seconds) || seconds < 1) {
      return `--xds-max-connection-age must be a positive whole number of seconds, not "${values['xds-max-connection-age']}"`;
    }
    xdsMaxConnectionAgeMs = seconds * 1000;
  }
  const serviceType = values['gateway-service-type'] ?? 'LoadBalancer';
  if (!(SERVICE_TYPES as readonly string[]).includes(serviceType)) {
    return `--gateway-service-type must be one of ${SERVICE_TYPES.join(', ')}`;
  }
  try {
    const controllerNamespace = values['leader-election-namespace'] ?? process.env.POD_NAMESPACE ?? 'portico-system';
    const provision =
      kubernetes && !values['no-provision']
        ? {
            controllerNamespace,
            xds: parseHostPort(
              values['xds-service-address'] ?? `${XDS_SERVICE_NAME}.${controllerNamespace}.svc:${XDS_SERVICE_PORT}`,
              '--xds-service-address',
            ),
            tls: values['xds-tls-dir'] !== undefined,
            serviceType: serviceType as ServiceType,
            ...(values['envoy-image'] ? { envoyImage: values['envoy-image'] } : {}),
            rateLimit: {
              ...(values['rate-limit-image'] ? { rateLimitImage: values['rate-limit-image'] } : {}),
              ...(values['redis-image'] ? { redisImage: values['redis-image'] } : {}),
            },
          }
        : undefined;
    return {
      watchDir: values.watch ?? '',
      ...(values['state-dir'] !== undefined ? { stateDir: values['state-dir'] } : {}),
      ...(kubernetes ? { kubernetes } : {}),
      ...(values['xds-tls-dir'] !== undefined ? { xdsTlsDir: values['xds-tls-dir'] } : {}),
      ...(values['xds-ca-dir'] !== undefined ? { xdsCaDir: values['xds-ca-dir'] } : {}),
      ...(Object.keys(xdsLimits).length > 0 ? { xdsLimits } : {}),
      ...(xdsMaxConnectionAgeMs !== undefined ? { xdsMaxConnectionAgeMs } : {}),
      ...(provision ? { provision } : {}),
      xds: parseHostPort(values['xds-address'], '--xds-address'),
      debug: parseHostPort(values['debug-address'], '--debug-address'),
      ...(values['metrics-address'] !== undefined
        ? { metrics: parseHostPort(values['metrics-address'], '--metrics-address') }
        : {}),
      listenerAddress: values['listener-address'],
      adminPortBase,
      statsPortBase,
      // In a cluster, Envoys are provisioned there (or connected with `portico bootstrap`), not launched here.
      launchEnvoy: !values['no-envoy'] && !kubernetes,
      logLevel: values['log-level'],
      // In a cluster, the service provisioned in Portico's namespace (none with --no-provision:
      // Global rate limits are refused there).
      ...(kubernetes && !provision
        ? {}
        : {
            rateLimit: {
              grpc: provision
                ? rateLimitServiceAddress(provision.controllerNamespace)
                : parseHostPort(values['rate-limit-address'], '--rate-limit-address'),
              failClosed: values['rate-limit-fail-closed'],
            },
          }),
    };
  } catch (err) {
    return errorMessage(err);
  }
}
