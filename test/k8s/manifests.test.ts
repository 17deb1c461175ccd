/**
 * Every manifest in `manifests/` against the REAL API server (`make k8s-up`): server-side apply,
 * dry run and for real, then the ServiceAccount's RBAC checked with `kubectl auth can-i`.
 *
 * The manifests are installed under a unique namespace (and unique names for the cluster-scoped
 * ClusterRole, ClusterRoleBinding and GatewayClass) so the test never touches a real install and
 * can run next to other test files; the test API server has no namespace controller, so the
 * namespace is left Terminating afterwards (harmless: its name is never reused).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { parseServeArgs } from '../../src/cli/serve-command.js';
import { connectTestCluster, uniqueName } from './test-cluster.js';
import type { TestCluster } from './test-cluster.js';

const run = promisify(execFile);
const KUBECTL = resolve('.cache/k8s/bin/kubectl');
const MANIFESTS = resolve('manifests');
const CLUSTER_SCOPED_RENAMED = new Set(['ClusterRole', 'ClusterRoleBinding', 'GatewayClass']);

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}

function loadManifests(): { file: string; objects: Manifest[] }[] {
  return readdirSync(MANIFESTS)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => ({
      file,
      objects: parseAllDocuments(readFileSync(join(MANIFESTS, file), 'utf8'))
        .map((doc) => doc.toJS() as Manifest | null)
        .filter((o): o is Manifest => o !== null),
    }));
}

/** The manifests with `portico-system` → `namespace` and the cluster-scoped names made unique. */
function relocate(objects: Manifest[], namespace: string): Manifest[] {
  const text = JSON.stringify(objects).replaceAll('portico-system', namespace);
  const out = JSON.parse(text) as Manifest[];
  for (const object of out) {
    if (CLUSTER_SCOPED_RENAMED.has(object.kind)) object.metadata.name = namespace;
    if (object.kind === 'ClusterRoleBinding') (object.roleRef as { name: string }).name = namespace;
  }
  return out;
}

describe('manifests/ on the real API server', () => {
  let cluster: TestCluster;
  let namespace: string;
  let dir: string;
  const files = loadManifests();

  const kubectl = async (...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> => {
    try {
      const { stdout, stderr } = await run(KUBECTL, ['--kubeconfig', cluster.kubeconfig, ...args]);
      return { stdout, stderr, code: 0 };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: number };
      return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 };
    }
  };
  const apply = async (objects: Manifest[], dryRun: boolean): Promise<void> => {
    const path = join(dir, `${uniqueName('apply')}.yaml`);
    writeFileSync(path, objects.map((o) => stringify(o)).join('---\n'));
    const args = ['apply', '--server-side', '--field-manager', 'portico-manifests-test', '-f', path];
    if (dryRun) args.push('--dry-run=server');
    const result = await kubectl(...args);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed:\n${result.stderr}${result.stdout}`);
  };

  beforeAll(async () => {
    cluster = await connectTestCluster();
    namespace = uniqueName('portico-manifests');
    dir = mkdtempSync(join(tmpdir(), 'portico-manifests-'));
  });

  afterAll(async () => {
    if (cluster) {
      for (const plural of [
        'clusterrolebindings.rbac.authorization.k8s.io',
        'clusterroles.rbac.authorization.k8s.io',
        'gatewayclasses.gateway.networking.k8s.io',
      ]) {
        await kubectl('delete', plural, namespace, '--ignore-not-found', '--wait=false');
      }
      await kubectl('delete', 'namespace', namespace, '--ignore-not-found', '--wait=false');
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has the files the install needs', () => {
    expect(files.map((f) => f.file)).toEqual([
      'deployment.yaml',
      'gatewayclass.yaml',
      'namespace.yaml',
      'rbac.yaml',
      'service.yaml',
    ]);
  });

  it('runs a controller whose arguments portico serve accepts, with probes and a locked-down container', () => {
    const deployment = files.flatMap((f) => f.objects).find((o) => o.kind === 'Deployment') as unknown as {
      spec: {
        replicas: number;
        template: {
          spec: {
            containers: {
              args: string[];
              livenessProbe: { httpGet: { path: string } };
              readinessProbe: { httpGet: { path: string } };
              securityContext: { readOnlyRootFilesystem: boolean };
            }[];
            securityContext: { runAsNonRoot: boolean };
          };
        };
      };
    };
    const container = deployment.spec.template.spec.containers[0]!;
    const [command, ...args] = container.args;
    expect(command).toBe('serve');
    const parsed = parseServeArgs(args);
    expect(typeof parsed).toBe('object');
    expect(parsed).toMatchObject({ debug: { host: '0.0.0.0', port: 19000 }, xds: { host: '0.0.0.0', port: 18000 } });
    expect(deployment.spec.replicas).toBe(2);
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(deployment.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
  });

  it('applies every manifest with server-side apply (dry run, then for real)', async () => {
    const all = relocate(
      files.flatMap((f) => f.objects),
      namespace,
    );
    const [ns, ...rest] = [...all.filter((o) => o.kind === 'Namespace'), ...all.filter((o) => o.kind !== 'Namespace')];
    await apply([ns!], true);
    await apply([ns!], false);
    // Namespaced objects can be dry-run only once their namespace exists.
    await apply(rest, true);
    await apply(rest, false);
    // Applying the same manifests again is a no-op, not a conflict.
    await apply(rest, false);

    // Every object is there, as applied.
    const listed = join(dir, 'all.yaml');
    writeFileSync(listed, all.map((o) => stringify(o)).join('---\n'));
    const got = await kubectl('get', '-f', listed, '-o', 'json');
    expect(got.stderr).toBe('');
    const items = (JSON.parse(got.stdout) as { items: Manifest[] }).items;
    expect(items.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      all.map((o) => `${o.kind}/${o.metadata.name}`).sort(),
    );

    const deployment = JSON.parse(
      (await kubectl('get', 'deployments.apps', 'portico', '-n', namespace, '-o', 'json')).stdout,
    ) as { spec: { replicas: number; template: { spec: { serviceAccountName: string } } } };
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.serviceAccountName).toBe('portico');
    const gatewayClass = JSON.parse(
      (await kubectl('get', 'gatewayclasses.gateway.networking.k8s.io', namespace, '-o', 'json')).stdout,
    ) as { spec: { controllerName: string } };
    expect(gatewayClass.spec.controllerName).toBe('portico.dev/gateway-controller');
  });

  it('grants the controller least privilege (kubectl auth can-i as its ServiceAccount)', async () => {
    const as = `--as=system:serviceaccount:${namespace}:portico`;
    const canI = async (verb: string, resource: string, ns?: string): Promise<boolean> => {
      // `kind/status` is a subresource (kubectl would read it as a name); `kind/name` a name.
      const [kind, rest] = resource.split('/');
      const target = rest === 'status' || rest === 'token' ? [kind!, `--subresource=${rest}`] : [resource];
      const scope = ns ? ['-n', ns] : ['--all-namespaces'];
      const result = await kubectl('auth', 'can-i', verb, ...target, as, ...scope);
      const answer = result.stdout.trim();
      if (answer !== 'yes' && answer !== 'no') throw new Error(`can-i ${verb} ${resource}: ${result.stderr}`);
      return answer === 'yes';
    };
    const expectations: [verb: string, resource: string, ns: string | undefined, allowed: boolean][] = [
      // Reads what it watches, everywhere.
      ['list', 'gateways.gateway.networking.k8s.io', undefined, true],
      ['watch', 'httproutes.gateway.networking.k8s.io', undefined, true],
      ['list', 'gatewayclasses.gateway.networking.k8s.io', undefined, true],
      ['watch', 'grpcroutes.gateway.networking.k8s.io', undefined, true],
      ['list', 'listenersets.gateway.networking.k8s.io', undefined, true],
      ['list', 'backendtlspolicies.gateway.networking.k8s.io', undefined, true],
      ['list', 'referencegrants.gateway.networking.k8s.io', undefined, true],
      ['watch', 'endpointslices.discovery.k8s.io', undefined, true],
      ['list', 'services', undefined, true],
      ['list', 'namespaces', undefined, true],
      ['watch', 'secrets', undefined, true],
      // Writes status, never spec.
      ['patch', 'gateways.gateway.networking.k8s.io/status', 'default', true],
      ['patch', 'httproutes.gateway.networking.k8s.io/status', 'default', true],
      ['patch', 'backendtlspolicies.gateway.networking.k8s.io/status', 'default', true],
      ['patch', 'grpcroutes.gateway.networking.k8s.io/status', 'default', true],
      ['watch', 'configmaps', undefined, true],
      ['patch', 'listenersets.gateway.networking.k8s.io/status', 'default', true],
      ['patch', 'gatewayclasses.gateway.networking.k8s.io/status', undefined, true],
      ['update', 'gateways.gateway.networking.k8s.io', 'default', false],
      ['patch', 'httproutes.gateway.networking.k8s.io', 'default', false],
      ['create', 'gateways.gateway.networking.k8s.io', 'default', false],
      ['delete', 'gatewayclasses.gateway.networking.k8s.io', undefined, false],
      ['create', 'referencegrants.gateway.networking.k8s.io', 'default', false],
      // Secrets: read; create, patch (server-side apply) and delete each Gateway's own xDS client
      // certificate, whose name varies per Gateway; never update.
      ['patch', 'secrets', 'default', true],
      ['delete', 'secrets/portico-public-xds', 'default', true],
      ['update', 'secrets', 'default', false],
      // The leader Lease, only in its own namespace.
      ['create', 'leases.coordination.k8s.io', namespace, true],
      ['update', 'leases.coordination.k8s.io', namespace, true],
      ['get', 'leases.coordination.k8s.io', namespace, true],
      ['delete', 'leases.coordination.k8s.io', namespace, false],
      ['create', 'leases.coordination.k8s.io', 'default', false],
      // What it provisions per Gateway, in any namespace.
      ['patch', 'deployments.apps', 'default', true],
      ['delete', 'services', 'default', true],
      ['create', 'configmaps', 'default', true],
      ['create', 'serviceaccounts', 'default', true],
      // Nothing else.
      ['create', 'pods', 'default', false],
      ['create', 'serviceaccounts/token', 'default', false],
      ['patch', 'services/status', 'default', false],
      ['create', 'clusterrolebindings.rbac.authorization.k8s.io', undefined, false],
      ['patch', 'customresourcedefinitions.apiextensions.k8s.io', undefined, false],
      ['delete', 'namespaces', undefined, false],
    ];
    const results: boolean[] = [];
    for (const [verb, resource, ns] of expectations) results.push(await canI(verb, resource, ns));
    expect(expectations.map(([verb, resource, ns], i) => `${verb} ${resource} in ${ns ?? '*'}: ${results[i]}`)).toEqual(
      expectations.map(([verb, resource, ns, allowed]) => `${verb} ${resource} in ${ns ?? '*'}: ${allowed}`),
    );
  });
});
