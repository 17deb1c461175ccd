/**
 * THE wiring point between `portico serve` and the ADS server: everything else in serve codes
 * against `src/xds/contract.ts` (SnapshotPublisher, ProxyTracker); only this file knows the
 * concrete `AdsServer`.
 */
import type * as grpc from '@grpc/grpc-js';
import type { MetricsCollector } from '../shared/metrics.js';
import { gatewayXdsFamilies, xdsMetricFamilies } from '../debug/xds-metrics.js';
import type { HostPort } from '../infra/bootstrap.js';
import { errorMessage } from '../shared/error-message.js';
import type { Logger } from '../shared/logger.js';
import type { ProxyTracker, SnapshotPublisher } from '../xds/contract.js';
import { AdsServer } from '../xds/index.js';
import type { XdsLimits } from '../xds/stream-limits.js';

export interface XdsServing {
  publisher: SnapshotPublisher;
  tracker: ProxyTracker;
  /** The server's counters for `/metrics`. */
  metrics: MetricsCollector;
  /** Where Envoys connect (the bound port when 0 was asked for). */
  address(): HostPort | undefined;
  /** Refuses new streams (UNAVAILABLE, with the reason) and ends the open ones; undefined serves again. */
  refuseStreams(reason: string | undefined): void;
  stop(): Promise<void>;
}

/**
 * After GOAWAY at `--xds-max-connection-age`, how long a connection may stay before it is closed.
 * An ADS stream never ends on its own, so this only delays the Envoy's reconnection: kept short.
 */
const CONNECTION_AGE_GRACE_MS = 1_000;

/**
 * `credentials`: mutual TLS (`--xds-tls-dir`, src/infra/kubernetes/xds-server-credentials.ts);
 * plaintext without. With them, each stream is served only the Gateway its client certificate
 * names. `maxConnectionAgeMs`: each connection is closed after about that long (±10%), and its
 * Envoy reconnects, checked again against the certificates and CAs of the moment.
 */
export async function startXdsServer(
  listen: HostPort,
  logger: Logger,
  credentials?: grpc.ServerCredentials,
  limits?: Partial<XdsLimits>,
  maxConnectionAgeMs?: number,
): Promise<XdsServing> {
  const xdsLogger = logger.child({ component: 'xds' });
  const server = new AdsServer({
    host: listen.host,
    port: listen.port,
    ...(credentials ? { credentials, requirePeerIdentity: true } : {}),
    ...(limits ? { limits } : {}),
    ...(maxConnectionAgeMs !== undefined
      ? {
          grpcOptions: {
            'grpc.max_connection_age_ms': maxConnectionAgeMs,
            'grpc.max_connection_age_grace_ms': CONNECTION_AGE_GRACE_MS,
          },
        }
      : {}),
    logger: xdsLogger,
  });
  await server.start();
  return {
    publisher: server,
    tracker: server,
    metrics: () => {
      const snapshot = server.metrics.metrics();
      return [...xdsMetricFamilies(snapshot), ...gatewayXdsFamilies(snapshot, server.clients())];
    },
    address: () => server.address(),
    refuseStreams: (reason) => server.refuseStreams(reason),
    stop: async () => {
      await server.stop();
      server.dispose();
    },
  };
}

/**
 * The ADS server, on the address the last Portico of this state directory served when the port
 * is left to the system (port 0): the Envoys it left reconnect there. If that port is taken now,
 * a new one is chosen (and those Envoys are replaced, since their bootstrap no longer matches).
 */
export async function startXdsServerAt(
  listen: HostPort,
  previous: HostPort | undefined,
  logger: Logger,
  credentials: grpc.ServerCredentials | undefined,
  limits: Partial<XdsLimits> | undefined,
  maxConnectionAgeMs: number | undefined,
): Promise<XdsServing> {
  if (listen.port === 0 && previous && previous.host === listen.host) {
    try {
      return await startXdsServer(previous, logger, credentials, limits, maxConnectionAgeMs);
    } catch (err) {
      logger.warn('the xDS port of the last run is taken; choosing another', {
        port: previous.port,
        error: errorMessage(err),
      });
    }
  }
  return startXdsServer(listen, logger, credentials, limits, maxConnectionAgeMs);
}
