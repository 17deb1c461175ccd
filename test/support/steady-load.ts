/**
 * A steady stream of real requests through Envoy, counting what failed. Each request opens a new
 * connection, so a listener that went away shows as a refused request, not as a kept-alive
 * connection that still works.
 */
import { Agent } from 'node:http';
import { request } from './http-client.js';

export interface LoadResults {
  ok: number;
  /** One line per failed request: time since the load started, path, status or error. */
  failed: string[];
}

export interface SteadyLoad {
  readonly results: LoadResults;
  stop(): Promise<LoadResults>;
}

export function steadyLoad(port: number, host: string, paths: readonly string[], workers = 2): SteadyLoad {
  const agent = new Agent({ keepAlive: false });
  const results: LoadResults = { ok: 0, failed: [] };
  const started = Date.now();
  let running = true;
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let i = w; running; i += workers) {
      const path = paths[i % paths.length]!;
      try {
        const res = await request(port, path, { host, agent, timeoutMs: 3000 });
        if (res.status === 200) results.ok++;
        else results.failed.push(`${Date.now() - started} ms ${path}: status ${res.status}`);
      } catch (err) {
        results.failed.push(`${Date.now() - started} ms ${path}: ${(err as Error).message}`);
      }
    }
  });
  return {
    results,
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return results;
    },
  };
}
