/**
 * A private test API server: its own etcd and kube-apiserver, started by `hack/k8s/up.sh` with the
 * overrides it documents (`PORTICO_K8S_DIR`, `PORTICO_K8S_PORT`, `PORTICO_K8S_ETCD_PORT`), on free
 * ports and in a temporary directory, and stopped by `hack/k8s/down.sh`. Starting one costs about
 * 10 s (etcd, kube-apiserver, the 13 Gateway API CRDs) and about 450 MB of memory while it runs.
 *
 * Which tests need one rather than the shared `make k8s-up` server:
 *   - a test that kills and restarts the API server (the shared one serves other test files, which
 *     Jest runs in parallel workers);
 *   - a test that runs a whole Portico (informers + status writer): Portico watches every namespace
 *     and writes the status of every object of a Portico GatewayClass, so two Porticos in one
 *     cluster write each other's objects (each its own `Programmed`, from its own Envoys) and count
 *     each other's writes. `api-server.test.ts` asserts exact write counts on the shared server.
 *
 * The binaries are hard links to `.cache/k8s/bin`'s (same build stamp, so `up.sh` builds nothing);
 * `make k8s-binaries` (or `make k8s-up`) must have built them. Starting fails — it never skips —
 * when they are missing or the server does not come up.
 */
import { execFile, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createKubeApi } from '../../src/kube-client/kube-api.js';
import type { KubeApi } from '../../src/kube-client/kube-api.js';
import { loadKubeConfig } from '../../src/kube-client/kube-config.js';

const ROOT = resolve('.');
const SHARED_BIN = join(ROOT, '.cache/k8s/bin');
const BINARIES = ['etcd', 'kube-apiserver', 'kubectl', '.stamp'] as const;
const SCRIPT_TIMEOUT_MS = 180_000;

export interface ScriptResult {
  code: number;
  output: string;
}

export class PrivateCluster {
  readonly api: KubeApi;
  readonly kubeconfig: string;
  private stopped = false;
  private readonly onExit = (): void => this.killNow();

  private constructor(
    readonly dir: string,
    readonly apiPort: number,
    readonly etcdPort: number,
    /** up.sh's log lines (stderr) of every start, for failure messages. */
    readonly log: string[],
  ) {
    this.kubeconfig = join(dir, 'kubeconfig');
    this.api = createKubeApi(loadKubeConfig({ path: this.kubeconfig }));
    // A test process that dies without its afterAll must not leave two servers behind.
    process.once('exit', this.onExit);
  }

  /** Starts etcd + kube-apiserver with the Gateway API CRDs installed; throws saying why it could not. */
  static async start(label = 'test'): Promise<PrivateCluster> {
    for (const file of BINARIES) {
      if (!existsSync(join(SHARED_BIN, file))) {
        throw new Error(`no ${join(SHARED_BIN, file)}: run \`make k8s-up\` (or \`make k8s-binaries\`) first`);
      }
    }
    let lastFailure = '';
    // A port taken between the check and the start (another test starting its own) is retried.
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const dir = mkdtempSync(join(tmpdir(), `portico-k8s-${label}-`));
      mkdirSync(join(dir, 'bin'));
      for (const file of BINARIES) {
        try {
          linkSync(join(SHARED_BIN, file), join(dir, 'bin', file));
        } catch {
          copyFileSync(join(SHARED_BIN, file), join(dir, 'bin', file)); // another file system
        }
      }
      const etcdPort = await freePortPair();
      const apiPort = await freePortNear(etcdPort + 2);
      const log: string[] = [];
      const result = await runScript('up.sh', envFor(dir, apiPort, etcdPort));
      log.push(result.output);
      if (result.code === 0) {
        const cluster = new PrivateCluster(dir, apiPort, etcdPort, log);
        await cluster.waitReady(30_000);
        return cluster;
      }
      lastFailure = result.output;
      await runScript('down.sh', envFor(dir, apiPort, etcdPort));
      rmSync(dir, { recursive: true, force: true });
      if (!/already in use/.test(result.output)) break;
    }
    throw new Error(`could not start a private API server (hack/k8s/up.sh):\n${lastFailure}`);
  }

  get server(): string {
    return `https://127.0.0.1:${this.apiPort}`;
  }

  /** The PID of the running kube-apiserver (the same checks as hack/k8s/lib.sh: never another program). */
  apiServerPid(): number | undefined {
    return this.pidOf('kube-apiserver');
  }

  /** SIGKILLs kube-apiserver (a crash, no graceful shutdown) and returns once it is gone; etcd keeps running. */
  async killApiServer(): Promise<void> {
    const pid = this.pidOf('kube-apiserver');
    if (pid === undefined) throw new Error('kube-apiserver is not running');
    process.kill(pid, 'SIGKILL');
    const deadline = Date.now() + 15_000;
    while (isAlive(pid)) {
      if (Date.now() > deadline) throw new Error(`kube-apiserver (PID ${pid}) still alive 15 s after SIGKILL`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * `hack/k8s/up.sh` again: with etcd alive it starts only kube-apiserver, against the same etcd
   * data (and the same serving certificate, so clients keep trusting it). Resolves once `/readyz` is 200.
   */
  async restartApiServer(): Promise<ScriptResult> {
    if (this.pidOf('etcd') === undefined) throw new Error('etcd is not running: up.sh would start a fresh cluster');
    const result = await runScript('up.sh', envFor(this.dir, this.apiPort, this.etcdPort));
    this.log.push(result.output);
    if (result.code !== 0) throw new Error(`hack/k8s/up.sh failed to restart kube-apiserver:\n${result.output}`);
    await this.waitReady(30_000);
    return result;
  }

  /** The built kubectl against this server; `input` goes to its stdin. Rejects on a non-zero exit. */
  kubectl(args: string[], input?: string): Promise<string> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn(join(this.dir, 'bin/kubectl'), ['--kubeconfig', this.kubeconfig, ...args], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        if (code === 0) resolvePromise(stdout);
        else reject(new Error(`kubectl ${args.join(' ')} exited ${code}: ${stderr.trim()}`));
      });
      child.stdin.end(input ?? '');
    });
  }

  /** `hack/k8s/down.sh`, then removes the directory. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    process.removeListener('exit', this.onExit);
    const result = await runScript('down.sh', envFor(this.dir, this.apiPort, this.etcdPort));
    if (result.code !== 0) this.killNow();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.api.request({ path: '/apis/gateway.networking.k8s.io/v1', timeoutMs: 5_000 });
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`private API server at ${this.server} not ready: ${String(err)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private pidOf(name: 'etcd' | 'kube-apiserver'): number | undefined {
    let pid: number;
    try {
      pid = Number(readFileSync(join(this.dir, 'run', `${name}.pid`), 'utf8').trim());
    } catch {
      return undefined;
    }
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    let exe = '';
    try {
      exe = readlinkSync(`/proc/${pid}/exe`);
    } catch {
      return undefined;
    }
    const expected = join(this.dir, 'bin', name);
    return exe === expected || exe === `${expected} (deleted)` ? pid : undefined;
  }

  /** Synchronous last resort (process exit, failed down.sh): SIGKILL both servers. */
  private killNow(): void {
    for (const name of ['kube-apiserver', 'etcd'] as const) {
      const pid = this.pidOf(name);
      if (pid !== undefined) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  }
}

function envFor(dir: string, apiPort: number, etcdPort: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PORTICO_K8S_DIR: dir,
    PORTICO_K8S_PORT: String(apiPort),
    PORTICO_K8S_ETCD_PORT: String(etcdPort),
    PORTICO_K8S_TIMEOUT: '90',
  };
}

function runScript(script: 'up.sh' | 'down.sh', env: NodeJS.ProcessEnv): Promise<ScriptResult> {
  return new Promise((resolvePromise) => {
    execFile(
      join(ROOT, 'hack/k8s', script),
      [],
      { env, timeout: SCRIPT_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolvePromise({ code, output: `${stdout}${stderr}${err && code === 1 ? `\n${err.message}` : ''}` });
      },
    );
  });
}

function isAlive(pid: number): boolean {
  try {
    // A zombie (exited, not reaped) has no exe link: it counts as gone, as in hack/k8s/lib.sh.
    return readlinkSync(`/proc/${pid}/exe`) !== '';
  } catch {
    return false;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolvePromise(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePromise(true)));
  });
}

/**
 * Ports below Linux's ephemeral range (32768+), so that no outgoing connection takes one between
 * the check and the server's bind; random, so that parallel test files rarely pick the same.
 */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 200; i += 1) {
    const port = 20_000 + 2 * Math.floor(Math.random() * 6_000);
    if ((await portFree(port)) && (await portFree(port + 1))) return port;
  }
  throw new Error('no two free consecutive ports in 20000-32000');
}

async function freePortNear(start: number): Promise<number> {
  for (let port = start; port < start + 200 && port < 32_768; port += 1) if (await portFree(port)) return port;
  throw new Error(`no free port from ${start}`);
}
