/**
 * The debug and health HTTP server (`--debug-address`, default 127.0.0.1:19000):
 *
 *   /debug/config_dump?gateway=<ns>/<name>[&type=listeners|routes|clusters|endpoints|secrets]
 *   /debug/clients     connected Envoys, what they ACKed or NACKed
 *   /debug/status      computed status of every object, and provider/pipeline errors
 *   /metrics           Prometheus text format
 *   /healthz           the process is up
 *   /readyz            initial sync done and the xDS server listening
 *
 * `/debug/*` shows every tenant's Gateway configuration (routes, backends, certificates; private
 * keys redacted) and who is connected: it belongs on loopback, reached with `kubectl port-forward`
 * (which connects to localhost inside the Pod). Kubelet probes and Prometheus need the Pod IP, so
 * `--metrics-address` adds a second listener with the `public` scope: /metrics, /healthz and /readyz
 * only, never /debug.
 *
 * Routing is a pure function of the request (`answerDebugRequest`) so that it is tested without
 * sockets; the server only writes the answer.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../shared/logger.js';
import { silentLogger } from '../shared/logger.js';
import { errorMessage } from '../shared/error-message.js';
import { XDS_KINDS } from '../translate/xds/types.js';
import type { XdsKind } from '../translate/xds/types.js';
import type { ProxyTracker, SnapshotPublisher } from '../xds/contract.js';
import { configDumps } from './config-dump.js';
import type { MetricsRegistry } from '../shared/metrics.js';

export const DEFAULT_DEBUG_ADDRESS = '127.0.0.1:19000';

/**
 * What a listener answers: `all` on the debug address, `public` (health and metrics) on the metrics
 * address. Of a tenant's objects, the public scope names Gateways only (`gateway="<ns>/<name>"` on
 * the per-Gateway xDS figures, with a snapshot version, a hash): never a hostname, route, backend,
 * certificate or NACK message, which stay behind /debug.
 */
export type DebugScope = 'all' | 'public';

/** The paths the `public` scope answers. */
export const PUBLIC_PATHS: readonly string[] = ['/metrics', '/healthz', '/readyz'];

/** Whether a listen host is reachable from this machine (or Pod) only. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export interface Readiness {
  ready: boolean;
  /** Why not, one line each. */
  waitingFor: string[];
}

export interface DebugSources {
  publisher: SnapshotPublisher;
  tracker: ProxyTracker;
  /** `/debug/status`: any JSON (the pipeline's report merged with provider errors). */
  status: () => unknown;
  metrics: MetricsRegistry;
  readiness: () => Readiness;
}

export interface DebugAnswer {
  status: number;
  contentType: string;
  body: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';
const PROMETHEUS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function answerDebugRequest(
  sources: DebugSources,
  method: string,
  rawUrl: string,
  scope: DebugScope = 'all',
): DebugAnswer {
  const url = new URL(rawUrl, 'http://debug.invalid');
  if (method !== 'GET' && method !== 'HEAD') return json(405, { error: `method ${method} not allowed` });
  if (scope === 'public' && !PUBLIC_PATHS.includes(url.pathname)) {
    return json(404, {
      error: `no such endpoint here: ${url.pathname} (this address serves ${PUBLIC_PATHS.join(', ')})`,
    });
  }
  try {
    switch (url.pathname) {
      case '/healthz':
        return { status: 200, contentType: TEXT_TYPE, body: 'ok\n' };
      case '/readyz': {
        const readiness = sources.readiness();
        return readiness.ready
          ? { status: 200, contentType: TEXT_TYPE, body: 'ready\n' }
          : { status: 503, contentType: TEXT_TYPE, body: `not ready: ${readiness.waitingFor.join('; ')}\n` };
      }
      case '/metrics':
        return { status: 200, contentType: PROMETHEUS_TYPE, body: sources.metrics.render() };
      case '/debug/clients':
        return json(200, { clients: sources.tracker.clients() });
      case '/debug/status':
        return json(200, sources.status());
      case '/debug/config_dump':
        return configDumpAnswer(sources, url.searchParams);
      case '/':
      case '/debug':
        return json(200, {
          endpoints: ['/debug/config_dump', '/debug/clients', '/debug/status', '/metrics', '/healthz', '/readyz'],
        });
      default:
        return json(404, { error: `no such endpoint: ${url.pathname}` });
    }
  } catch (err) {
    return json(500, { error: errorMessage(err) });
  }
}

function configDumpAnswer(sources: DebugSources, params: URLSearchParams): DebugAnswer {
  const type = params.get('type') ?? undefined;
  const kind = XDS_KINDS.find((k) => k === type);
  if (type !== undefined && !kind) {
    return json(400, { error: `type must be one of ${XDS_KINDS.join(', ')}, not "${type}"` });
  }
  const gateway = params.get('gateway') ?? undefined;
  const answer = configDumps(sources.publisher, gateway, kind as XdsKind | undefined);
  if (!answer.found) return json(404, { error: answer.message, gateways: answer.gateways });
  return json(200, gateway === undefined ? { gateways: answer.dumps } : answer.dumps[0]);
}

function json(status: number, value: unknown): DebugAnswer {
  return { status, contentType: JSON_TYPE, body: `${JSON.stringify(value, null, 2)}\n` };
}

export interface DebugServer {
  /** The bound address (the port is real even when 0 was asked for). */
  address(): { host: string; port: number };
  close(): Promise<void>;
}

export function startDebugServer(
  listen: { host: string; port: number },
  sources: DebugSources,
  logger: Logger = silentLogger,
  scope: DebugScope = 'all',
): Promise<DebugServer> {
  const server: Server = createServer((req, res) => {
    const answer = answerDebugRequest(sources, req.method ?? 'GET', req.url ?? '/', scope);
    res.writeHead(answer.status, { 'content-type': answer.contentType, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : answer.body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      server.on('error', (err) => logger.error('debug server error', { error: err }));
      const bound = server.address() as AddressInfo;
      resolve({
        address: () => ({ host: bound.address, port: bound.port }),
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
