/**
 * Real HTTP backends for end-to-end tests: small servers on 127.0.0.1 that answer with what they
 * received (so a test can see the path, host and headers Envoy forwarded), remember every request
 * (mirroring), and can be told to be slow or to fail (timeouts, retries). One speaks h2c.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createH2Server, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  httpVersion: string;
}

export interface EchoReply {
  backend: string;
  method: string;
  path: string;
  host: string;
  headers: Record<string, string | string[] | undefined>;
  httpVersion: string;
}

export interface Backend {
  name: string;
  port: number;
  requests: RecordedRequest[];
  /** Delay every response by this many milliseconds. */
  delayMs: number;
  /** Answer the next N requests with this status instead of echoing. */
  failNext: { count: number; status: number };
  close(): Promise<void>;
}

function handler(backend: Backend) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: { ...req.headers },
      httpVersion: req.httpVersion,
    };
    backend.requests.push(recorded);
    req.resume();
    req.on('end', () => {
      const reply = () => {
        if (res.destroyed) return;
        if (backend.failNext.count > 0) {
          backend.failNext.count--;
          res.writeHead(backend.failNext.status, { 'content-type': 'text/plain' });
          res.end(`${backend.name} failing on purpose\n`);
          return;
        }
        const body: EchoReply = {
          backend: backend.name,
          method: recorded.method,
          path: recorded.path,
          host: String(req.headers.host ?? req.headers[':authority'] ?? ''),
          headers: recorded.headers,
          httpVersion: recorded.httpVersion,
        };
        res.writeHead(200, { 'content-type': 'application/json', 'x-backend': backend.name });
        res.end(JSON.stringify(body));
      };
      if (backend.delayMs > 0) setTimeout(reply, backend.delayMs);
      else reply();
    });
  };
}

async function listen(server: Server | Http2Server, address = '127.0.0.1', port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/**
 * An HTTP/1.1 echo backend (`h2c: true` for an HTTP/2 prior-knowledge one) on an ephemeral loopback
 * port, or on `address` and `port` (any 127.0.0.0/8 address is loopback: several backends can then
 * share a port, as the Pods of one workload do).
 */
export async function startBackend(
  name: string,
  options: { h2c?: boolean; address?: string; port?: number } = {},
): Promise<Backend> {
  const backend: Backend = {
    name,
    port: 0,
    requests: [],
    delayMs: 0,
    failNext: { count: 0, status: 503 },
    close: async () => undefined,
  };
  const server = options.h2c
    ? createH2Server(handler(backend) as unknown as Parameters<typeof createH2Server>[0])
    : createServer({ keepAlive: true }, handler(backend));
  backend.port = await listen(server, options.address, options.port);
  backend.close = () =>
    new Promise<void>((resolve) => {
      (server as Server).closeAllConnections?.();
      server.close(() => resolve());
    });
  return backend;
}
