/**
 * Worker thread of the propagation benchmark: the echo backends and the poller that waits, through
 * Envoy, for a change to show. They run off the main thread so that the main thread's event loop
 * is Portico's alone (file watch, pipeline, ADS server), as it would be in production.
 *
 * Messages in:  {type: 'poll', id, port, host, path, expect, timeoutMs}
 * Messages out: {type: 'ready', ports}, {type: 'started', id, first}, {type: 'seen', id, at, requests},
 *               {type: 'timeout', id, last}
 */
import { Agent } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { startBackend } from '../test/support/backends.js';
import type { Backend } from '../test/support/backends.js';
import { request } from '../test/support/http-client.js';
import { sleep, wallNow } from './bench-util.js';

export interface PollRequest {
  type: 'poll';
  id: number;
  port: number;
  host: string;
  path: string;
  /** Backend name that means "the change is visible". */
  expect: string;
  timeoutMs: number;
  /** Least time between the starts of two requests. */
  intervalMs: number;
}

export type WorkerMessage =
  | { type: 'ready'; ports: Record<string, number> }
  | { type: 'started'; id: number; first: string }
  | { type: 'seen'; id: number; at: number; requests: number }
  | { type: 'timeout'; id: number; last: string };

/** Which backend answered: the echo reply's `backend`, or the status / error. */
async function answeredBy(port: number, host: string, path: string, agent: Agent): Promise<string> {
  try {
    const r = await request(port, path, { host, agent, timeoutMs: 2000 });
    if (r.status !== 200) return `status ${r.status}`;
    return (JSON.parse(r.body) as { backend?: string }).backend ?? 'no backend in reply';
  } catch (err) {
    return `error ${(err as Error).message}`;
  }
}

async function poll(msg: PollRequest, post: (m: WorkerMessage) => void): Promise<void> {
  // One kept-alive connection, as a client would have: Envoy applies a new route table to new requests.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const deadline = wallNow() + msg.timeoutMs;
  let requests = 0;
  let last = '';
  try {
    while (wallNow() < deadline) {
      const sentAt = wallNow();
      last = await answeredBy(msg.port, msg.host, msg.path, agent);
      requests++;
      const now = wallNow();
      if (last === msg.expect) {
        post({ type: 'seen', id: msg.id, at: now, requests });
        return;
      }
      if (requests === 1) post({ type: 'started', id: msg.id, first: last });
      const wait = msg.intervalMs - (now - sentAt);
      if (wait > 0) await sleep(wait);
    }
    post({ type: 'timeout', id: msg.id, last });
  } finally {
    agent.destroy();
  }
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('propagation-worker runs as a worker thread of propagation-bench');
  const names = (workerData as { backends: string[] }).backends;
  const backends: Backend[] = [];
  for (const name of names) backends.push(await startBackend(name));
  // Requests are recorded by the test backends; nothing here reads them, so keep the arrays empty.
  const trim = setInterval(() => backends.forEach((b) => (b.requests.length = 0)), 1000);
  port.on('message', (msg: PollRequest | { type: 'stop' }) => {
    if (msg.type === 'poll') void poll(msg, (m) => port.postMessage(m));
    else {
      clearInterval(trim);
      void Promise.all(backends.map((b) => b.close())).then(() => port.close());
    }
  });
  port.postMessage({ type: 'ready', ports: Object.fromEntries(backends.map((b) => [b.name, b.port])) });
}

void main();
