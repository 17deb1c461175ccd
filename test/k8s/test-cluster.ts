/**
 * The real API server the integration tests use: `make k8s-up` (hack/k8s/up.sh) starts
 * kube-apiserver + etcd with the Gateway API CRDs and writes `.cache/k8s/kubeconfig`
 * (`PORTICO_TEST_KUBECONFIG` overrides). Tests FAIL, never skip, when it cannot be reached.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createKubeApi, isNotFound, MERGE_PATCH } from '../../src/kube-client/kube-api.js';
import type { KubeApi } from '../../src/kube-client/kube-api.js';
import { loadKubeConfig } from '../../src/kube-client/kube-config.js';
import { objectPath, resolveKind, WATCHED_KINDS } from '../../src/k8s/kinds.js';
import type { ResolvedKind } from '../../src/k8s/kinds.js';
import type { KubeObject } from '../../src/resources/types.js';

export const TEST_KUBECONFIG = process.env.PORTICO_TEST_KUBECONFIG ?? resolve('.cache/k8s/kubeconfig');

export interface TestCluster {
  api: KubeApi;
  kubeconfig: string;
}

/** Connects to the test API server, or throws saying how to start it. */
export async function connectTestCluster(): Promise<TestCluster> {
  if (!existsSync(TEST_KUBECONFIG)) {
    throw new Error(`no test cluster: ${TEST_KUBECONFIG} does not exist; run \`make k8s-up\` first`);
  }
  const api = createKubeApi(loadKubeConfig({ path: TEST_KUBECONFIG }));
  try {
    await api.request({ path: '/readyz', timeoutMs: 5_000 }).catch((err: unknown) => {
      // /readyz answers text, not JSON: a parse error means it answered.
      if (err instanceof SyntaxError) return;
      throw err;
    });
    await api.request({ path: '/apis/gateway.networking.k8s.io/v1', timeoutMs: 5_000 });
  } catch (err) {
    throw new Error(
      `the test API server at ${api.server} cannot be reached or has no Gateway API CRDs (${(err as Error).message}); run \`make k8s-up\``,
    );
  }
  return { api, kubeconfig: TEST_KUBECONFIG };
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

const KINDS = new Map<string, ResolvedKind>(WATCHED_KINDS.map((k) => [k.kind, resolveKind(k, k.versions[0]!)]));

export function kindOf(kind: string): ResolvedKind {
  const resolved = KINDS.get(kind);
  if (!resolved) throw new Error(`unknown kind ${kind}`);
  return resolved;
}

function collectionPath(kind: ResolvedKind, namespace: string | undefined): string {
  const prefix = kind.group === '' ? '/api' : '/apis';
  const scope = kind.namespaced ? `/namespaces/${namespace ?? 'default'}` : '';
  return `${prefix}/${kind.apiVersion}${scope}/${kind.plural}`;
}

export async function create<T extends KubeObject>(api: KubeApi, object: T): Promise<T> {
  const kind = kindOf(object.kind);
  return api.request<T>({ method: 'POST', path: collectionPath(kind, object.metadata.namespace), body: object });
}

export async function get(
  api: KubeApi,
  kind: string,
  name: string,
  namespace?: string,
): Promise<KubeObject | undefined> {
  try {
    return await api.request<KubeObject>({ path: objectPath(kindOf(kind), name, namespace) });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function patch(
  api: KubeApi,
  kind: string,
  name: string,
  namespace: string | undefined,
  body: unknown,
  subresource = '',
): Promise<KubeObject> {
  return api.request<KubeObject>({
    method: 'PATCH',
    path: objectPath(kindOf(kind), name, namespace) + subresource,
    contentType: MERGE_PATCH,
    body,
  });
}

export async function remove(api: KubeApi, kind: string, name: string, namespace?: string): Promise<void> {
  try {
    await api.request({ method: 'DELETE', path: objectPath(kindOf(kind), name, namespace) });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Polls `probe` until it returns a value other than undefined, or fails with `what` and the last value seen. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
      );
    }
    await sleep(100);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A TCP proxy in front of the API server (TLS passes through untouched), to cut one client off:
 * `cut()` drops every connection and refuses new ones until `restore()`.
 */
export class CuttableProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private down = false;

  private constructor(target: URL) {
    this.server = createServer((client) => {
      if (this.down) {
        client.destroy();
        return;
      }
      const upstream = connect(Number(target.port || 443), target.hostname);
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.sockets.add(a);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          this.sockets.delete(a);
          b.destroy();
        });
        a.pipe(b);
      }
    });
  }

  static async start(target: string): Promise<CuttableProxy> {
    const proxy = new CuttableProxy(new URL(target));
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('proxy not listening');
    return `https://127.0.0.1:${address.port}`;
  }

  cut(): void {
    this.down = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.down = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * A copy of `kubeconfig` whose cluster server is `server` (e.g. a CuttableProxy), in a temporary
 * directory that `cleanups` removes.
 */
export function kubeconfigVia(kubeconfig: string, server: string, cleanups: (() => Promise<void>)[]): string {
  const config = loadKubeConfig({ path: kubeconfig });
  const cluster = config.getCurrentCluster()!;
  const parsed = JSON.parse(config.exportConfig()) as { clusters: { name: string; cluster: { server: string } }[] };
  for (const entry of parsed.clusters) if (entry.name === cluster.name) entry.cluster.server = server;
  const dir = mkdtempSync(join(tmpdir(), 'portico-kubeconfig-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'kubeconfig');
  writeFileSync(path, JSON.stringify(parsed), { mode: 0o600 });
  return path;
}

// The recording logger moved to test/support (the xDS tests use it too); re-exported for the Kubernetes tests.
export { RecordingLogger } from '../support/recording-logger.js';

/**
 * The backend most Kubernetes tests route to: Service `web` (port 80 → 8080) and its
 * EndpointSlice with one endpoint, 10.1.2.3 (the API server rejects loopback addresses).
 */
export async function createWebBackend(api: KubeApi, namespace: string): Promise<void> {
  await create(api, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace },
    spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  });
  await create(api, {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-1', namespace, labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.1.2.3'], conditions: { ready: true } }],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  } as KubeObject);
}
