/**
 * A plain HTTP(S) client for end-to-end tests. `fetch` cannot set the Host header, and routing on
 * Host (and TLS SNI) is what a Gateway does, so this uses node:http / node:https directly.
 */
import { request as httpRequest, Agent as HttpAgent, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RequestOptions {
  method?: string;
  host?: string;
  headers?: Record<string, string>;
  body?: string;
  /** HTTPS: the TLS server name (SNI), the CA that signed the server's certificate, and a client certificate. */
  tls?: { servername: string; ca: string; cert?: string; key?: string };
  timeoutMs?: number;
  agent?: HttpAgent;
  /** The client's own address (a loopback address other than 127.0.0.1: another client). */
  localAddress?: string;
}

export function request(port: number, path: string, options: RequestOptions = {}): Promise<HttpResult> {
  const send = options.tls ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: { ...(options.host ? { host: options.host } : {}), ...options.headers },
        timeout: options.timeoutMs ?? 5000,
        ...(options.agent ? { agent: options.agent } : {}),
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        ...(options.tls ? { servername: options.tls.servername, ca: options.tls.ca } : {}),
        ...(options.tls?.cert ? { cert: options.tls.cert, key: options.tls.key, agent: false } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request to ${path} timed out`)));
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
