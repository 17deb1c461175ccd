/**
 * The real API server as the oracle of Portico's validation (src/schema): every Gateway API object
 * (and every object of Portico's own kinds, EnvoyProxyParameters and SecurityPolicy)
 * of the golden inputs (test/golden/*.in.yaml) and of the hand-written cases
 * (test/support/hand-written-objects.ts) is read by kubectl (one `kubectl create --dry-run=client
 * -o json` for all, so the API server receives what kubectl would send: YAML 1.1 included) and
 * created with dryRun=All and fieldValidation=Strict, the server's checks of `kubectl create
 * --dry-run=server --validate=strict`. Portico must accept exactly the objects the API server
 * accepts, and refuse the others with the same messages, in the same order. A known difference
 * would be pinned in KNOWN_DIFFERENCES, with why; there is none.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { ApiError } from '../../src/kube-client/kube-api.js';
import type { KubeApi } from '../../src/kube-client/kube-api.js';
import { KUBECTL_YAML_OPTIONS } from '../../src/resources/kubectl-yaml.js';
import { loadYaml } from '../../src/resources/load-yaml.js';
import { gatewayApiValidator } from '../../src/schema/validator.js';
import { HAND_WRITTEN } from '../support/hand-written-objects.js';
import { connectTestCluster, kindOf } from './test-cluster.js';

interface CrdName {
  metadata: { name: string };
}

const run = promisify(execFile);
const KUBECTL = resolve('.cache/k8s/bin/kubectl');
const GOLDEN_DIR = resolve('test/golden');

interface Source {
  name: string;
  text: string;
}

interface SentObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

/** What one side says of one object: undefined when it accepts it, else its messages in order. */
type Verdict = string[] | undefined;

interface Comparison {
  object: string;
  portico: Verdict;
  apiServer: Verdict;
}

/**
 * Where Portico and the API server are known to differ, and why it is left so. Each entry must
 * still occur (a fixed difference fails the test until its entry is removed).
 */
const KNOWN_DIFFERENCES: { object: string; why: string }[] = [
  // None. (Which of two failing operands of `||` a CEL error names differed until the rules were
  // compiled with their operands swapped: src/schema/cel-rules.ts, leftErrorFirst.)
];

function sources(): Source[] {
  const golden = readdirSync(GOLDEN_DIR)
    .filter((f) => f.endsWith('.in.yaml'))
    .sort()
    .map((f) => ({ name: `test/golden/${f}`, text: readFileSync(join(GOLDEN_DIR, f), 'utf8') }));
  const handWritten = Object.entries(HAND_WRITTEN).map(([name, lines]) => ({
    name: `hand-written ${name}`,
    text: lines.join('\n'),
  }));
  return [...golden, ...handWritten];
}

/** An object's name in messages; kubectl puts a namespaced object without one in `default`. */
function keyOf(source: string, o: { kind: string; metadata: { name: string; namespace?: string } }): string {
  const namespace = kindOf(o.kind).namespaced ? `${o.metadata.namespace ?? 'default'}/` : '';
  return `${source}: ${o.kind} ${namespace}${o.metadata.name}`;
}

/** Portico's verdict on each Gateway API object of a source. */
function porticoVerdicts(source: Source): Map<string, Verdict> {
  const loaded = loadYaml(source.text, source.name);
  const verdicts = new Map<string, Verdict>();
  for (const object of loaded.objects) {
    if (gatewayApiValidator().covers(object.apiVersion, object.kind))
      verdicts.set(keyOf(source.name, object), undefined);
  }
  for (const rejected of loaded.rejected) {
    const metadata = { name: rejected.name, ...(rejected.namespace ? { namespace: rejected.namespace } : {}) };
    verdicts.set(
      keyOf(source.name, { kind: rejected.kind, metadata }),
      rejected.problems.map((p) => p.message),
    );
  }
  return verdicts;
}

/** What kubectl sends for every document of every source, in order, split back per source. */
async function sentByKubectl(kubeconfig: string, all: Source[]): Promise<SentObject[][]> {
  const dir = mkdtempSync(join(tmpdir(), 'portico-schema-oracle-'));
  try {
    const files = all.map((source, i) => {
      const file = join(dir, `${String(i).padStart(4, '0')}.yaml`);
      writeFileSync(file, source.text);
      return file;
    });
    const args = ['--kubeconfig', kubeconfig, 'create', '--dry-run=client', '--validate=false', '-o', 'json'];
    const { stdout } = await run(KUBECTL, [...args, ...files.flatMap((f) => ['-f', f])], {
      maxBuffer: 256 * 1024 * 1024,
    });
    // Objects one after another, each pretty-printed: one opens wherever a line is only `{`.
    const objects = stdout
      .split(/^(?=\{$)/m)
      .filter((chunk) => chunk.trim() !== '')
      .map((chunk) => JSON.parse(chunk) as SentObject);
    const perSource: SentObject[][] = [];
    let next = 0;
    for (const source of all) {
      const documents = parseAllDocuments(source.text, KUBECTL_YAML_OPTIONS).filter((d) => d.toJS() != null).length;
      perSource.push(objects.slice(next, next + documents));
      next += documents;
    }
    expect(next).toBe(objects.length);
    return perSource;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The API server's verdict on creating `object` (dry run, strict field validation). */
async function apiServerVerdict(api: KubeApi, object: SentObject): Promise<Verdict> {
  const kind = kindOf(object.kind);
  const scope = kind.namespaced ? `/namespaces/${object.metadata.namespace ?? 'default'}` : '';
  try {
    await api.request({
      method: 'POST',
      path: `/apis/${object.apiVersion}${scope}/${kind.plural}`,
      query: { dryRun: 'All', fieldValidation: 'Strict' },
      body: object,
    });
    return undefined;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    // Validation comes before the store: an object that exists already passed it.
    if (err.reason === 'AlreadyExists') return undefined;
    if (err.reason === 'Invalid') return err.causes.map((c) => (c.field ? `${c.field}: ${c.message}` : `${c.message}`));
    // Strict decoding: every unknown (or duplicate) field in one message.
    const strict = err.reason === 'BadRequest' && /strict decoding error: (.*)$/s.exec(err.serverMessage ?? '');
    if (strict) return [...strict[1]!.matchAll(/(?:unknown|duplicate) field "(?:[^"\\]|\\.)*"/g)].map((m) => m[0]);
    throw err;
  }
}

/** Runs `work` over `items`, `width` at a time. */
async function pooled<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

it('accepts and refuses every Gateway API object as the API server does, with its messages', async () => {
  const { api, kubeconfig } = await connectTestCluster();
  // Portico's own kinds, which golden inputs use and file mode validates too: their CRDs are in
  // manifests/, not in the Gateway API bundle the test API server installs (whether another test
  // installed them first must not matter).
  const crd = ['--kubeconfig', kubeconfig];
  const porticoCrds = readdirSync('manifests').filter((f) => f.startsWith('crd-') && f.endsWith('.yaml'));
  for (const file of porticoCrds) {
    await run(KUBECTL, [...crd, 'apply', '--server-side', '--force-conflicts', '-f', `manifests/${file}`]);
  }
  const names = porticoCrds.map(
    (f) => `crd/${(parse(readFileSync(`manifests/${f}`, 'utf8')) as CrdName).metadata.name}`,
  );
  await run(KUBECTL, [...crd, 'wait', '--for', 'condition=Established', '--timeout', '60s', ...names]);
  const all = sources();
  const sent = await sentByKubectl(kubeconfig, all);

  const pairs: { key: string; object: SentObject; portico: Verdict }[] = [];
  const unseen: string[] = [];
  all.forEach((source, i) => {
    const verdicts = porticoVerdicts(source);
    for (const object of sent[i]!) {
      if (!gatewayApiValidator().covers(object.apiVersion, object.kind)) continue;
      const key = keyOf(source.name, object);
      if (verdicts.has(key)) pairs.push({ key, object, portico: verdicts.get(key) });
      else unseen.push(key);
    }
  });
  expect(unseen).toEqual([]); // kubectl sent an object Portico did not read

  // The namespaces the objects name must exist, even for a dry run.
  const namespaces = new Set(pairs.map((p) => p.object.metadata.namespace ?? 'default'));
  for (const name of namespaces) {
    await api
      .request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name } } })
      .catch((err: unknown) => {
        if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
      });
  }

  const compared: Comparison[] = await pooled(pairs, 8, async (p) => ({
    object: p.key,
    portico: p.portico,
    apiServer: await apiServerVerdict(api, p.object),
  }));
  // Compared as sets: the API server runs the CEL rules of an object's properties in Go map order
  // (apiextensions-apiserver schema/cel/validation.go, `for k, v := range obj`), so the order of
  // errors from two sibling properties changes from one request to the next.
  const sameErrors = (a: unknown, b: unknown): boolean =>
    Array.isArray(a) && Array.isArray(b)
      ? JSON.stringify([...a].map((e) => JSON.stringify(e)).sort()) ===
        JSON.stringify([...b].map((e) => JSON.stringify(e)).sort())
      : JSON.stringify(a) === JSON.stringify(b);
  const differ = compared.filter((c) => !sameErrors(c.portico, c.apiServer));
  const known = new Set(KNOWN_DIFFERENCES.map((d) => d.object));
  expect(differ.filter((c) => !known.has(c.object))).toEqual([]);
  expect(KNOWN_DIFFERENCES.filter((d) => !differ.some((c) => c.object === d.object))).toEqual([]);
  // What was compared: every golden and hand-written object, accepted and refused ones both.
  expect(compared.length).toBeGreaterThan(500);
  expect(compared.filter((c) => c.apiServer !== undefined).length).toBeGreaterThan(30);
}, 120_000);
