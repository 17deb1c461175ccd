/**
 * A small JSON client for the Kubernetes API, on top of client-node's `KubeConfig` (which knows
 * in-cluster service accounts, kubeconfig files, client certificates, tokens and exec plugins).
 *
 * Why not client-node's generated API classes: they turn timestamps into `Date` objects and drop
 * fields their models do not know, while the watch stream (and every custom resource) arrives as
 * plain JSON. Portico's translator reads plain JSON, so list, get, patch and the Lease calls all
 * go through this one path and every object looks the same whichever call produced it.
 */
import { request as httpRequest } from 'node:http';
import type { RequestOptions } from 'node:https';
import { Agent, request as httpsRequest } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export const MERGE_PATCH = 'application/merge-patch+json';
export const APPLY_PATCH = 'application/apply-patch+yaml';
/** The field manager of every write Portico makes (status patches, server-side applies). */
export const FIELD_MANAGER = 'portico';

export interface KubeRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path under the server URL, e.g. `/apis/gateway.networking.k8s.io/v1/gateways`. */
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  /** Content type of `body`; JSON unless a patch type is given. */
  contentType?: string;
  signal?: AbortSignal;
  /** Gives up (with an ApiError of status 0) after this long; default 30 s. */
  timeoutMs?: number;
}

/** One field error of an API server `Status` (`details.causes`). */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** A failed call: `status` is the HTTP status, or 0 when no response arrived. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The API server's `Status.reason` (`Conflict`, `NotFound`, …) when it sent one. */
    readonly reason?: string,
    /** The API server's `Status.message`, as it sent it. */
    readonly serverMessage?: string,
    /** The field errors of an `Invalid` answer, one per field. */
    readonly causes: readonly StatusCause[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404;
}

export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.status === 409;
}

export interface KubeApi {
  /** The parsed JSON response body. Rejects with `ApiError` on a non-2xx status or no response. */
  request<T = unknown>(req: KubeRequest): Promise<T>;
  /** The API server's URL, for messages. */
  readonly server: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export function createKubeApi(config: KubeConfig): KubeApi {
  const cluster = config.getCurrentCluster();
  if (!cluster) {
    throw new Error('the kubeconfig has no current cluster: set current-context, or pass --kubeconfig PATH');
  }
  const server = cluster.server.replace(/\/+$/, '');
  // client-node hands out a new Agent per request, so every request would pay a TCP connect and a
  // full TLS handshake (about 10 ms against 1 ms here). One keep-alive agent with the same TLS
  // settings is kept instead; the credentials in headers are still applied per request.
  let agent: Agent | undefined;
  const keepAlive = (fresh: unknown): Agent | undefined => {
    if (!(fresh instanceof Agent)) return undefined;
    agent ??= new Agent({ ...fresh.options, keepAlive: true, maxSockets: 32 });
    return agent;
  };
  return {
    server,
    request: async <T>(req: KubeRequest): Promise<T> => {
      const url = new URL(server + req.path);
      for (const [key, value] of Object.entries(req.query ?? {}))
        if (value !== undefined) url.searchParams.set(key, value);
      const options: RequestOptions = { method: req.method ?? 'GET', headers: { Accept: 'application/json' } };
      // Adds the CA, client certificate or bearer token, and an agent that carries the TLS settings.
      await config.applyToHTTPSOptions(options);
      const shared = keepAlive(options.agent);
      if (shared) options.agent = shared;
      const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
      if (payload) {
        options.headers = {
          ...options.headers,
          'Content-Type': req.contentType ?? 'application/json',
          'Content-Length': String(payload.length),
        };
      }
      const { status, text } = await send(url, options, payload, req.signal, req.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      if (status < 200 || status > 299) throw apiError(status, text, `${options.method} ${url.pathname}`);
      return (text === '' ? undefined : JSON.parse(text)) as T;
    },
  };
}

function send(
  url: URL,
  options: RequestOptions,
  payload: Buffer | undefined,
  signal: AbortSignal | undefined,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  const request = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const what = `${options.method} ${url.pathname}`;
    const req = request(url, { ...options, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => reject(new ApiError(0, `${what}: ${err.message}`)));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => reject(new ApiError(0, `${what}: ${err.message}`)));
    req.end(payload);
  });
}

function apiError(status: number, text: string, what: string): ApiError {
  let message = text.trim();
  let reason: string | undefined;
  let serverMessage: string | undefined;
  let causes: StatusCause[] = [];
  try {
    const body = JSON.parse(text) as { message?: unknown; reason?: unknown; details?: { causes?: unknown } };
    if (typeof body.message === 'string') message = serverMessage = body.message;
    if (typeof body.reason === 'string') reason = body.reason;
    if (Array.isArray(body.details?.causes)) causes = body.details.causes as StatusCause[];
  } catch {
    // Not a Status object: keep the raw text.
  }
  return new ApiError(status, `${what}: ${status}${message ? ` ${message}` : ''}`, reason, serverMessage, causes);
}
