/**
 * Every manifest in `manifests/` against a REAL API server of its own (the binaries of
 * `make k8s-up`): server-side apply, dry run and for real; then its security settings, as an attacker who owns one namespace would
 * probe them:
 * - the controller's /debug listens on loopback, probes and metrics on a listener without /debug;
 * - the NetworkPolicy, as the API server stored it, admits to xDS only Pods labelled as provisioned
 *   Envoys, and exposes no other port but health and metrics;
 * - the ServiceAccount's RBAC (`kubectl auth can-i`): every call Portico's code makes, nothing
 *   dangerous (Pods, exec, RBAC, tokens, Gateway spec, namespaces);
 * - the admission policy, by impersonating the ServiceAccount: the provisioner's own objects pass,
 *   anything else a compromised Portico could try is refused;
 * - and Portico itself, run as that ServiceAccount with a real token: it elects itself, writes
 *   status and provisions a Gateway's Envoy, then removes it, and is never refused.
 *
 * It runs on a private API server (private-cluster.ts): Portico, running, watches every namespace
 * and deletes provisioned objects it does not want, which would disturb other test files on the
 * shared server. The manifests are still installed under a unique namespace (and unique names for
 * the cluster-scoped objects), as a second install next to a real one would be.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { KUBECTL_YAML_OPTIONS } from '../../src/resources/kubectl-yaml.js';
import { runCertgenCommand } from '../../src/cli/certgen-command.js';
import { parseServeArgs } from '../../src/cli/serve-command.js';
import { startServe } from '../../src/serve/serve.js';
import type { RunningServe, ServeConfig } from '../../src/serve/serve-config.js';
import { isLoopbackHost } from '../../src/debug/debug-server.js';
import { desiredObjects, gatewayLabels, provisionedName } from '../../src/infra/kubernetes/resources.js';
import { loadKubeConfig } from '../../src/kube-client/kube-config.js';
import type { KubeObject } from '../../src/resources/types.js';
import * as fixtures from '../support/fixtures.js';
import { PrivateCluster } from './private-cluster.js';
import { create, eventually, get, RecordingLogger, remove, uniqueName } from './test-cluster.js';

const run = promisify(execFile);
const KUBECTL = resolve('.cache/k8s/bin/kubectl');
const MANIFESTS = resolve('manifests');
const CLUSTER_SCOPED_RENAMED = new Set([
  'ClusterRole',
  'ClusterRoleBinding',
  'GatewayClass',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
]);

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

interface NetworkPolicyPeer {
  namespaceSelector?: LabelSelector;
  podSelector?: LabelSelector;
  ipBlock?: unknown;
}

interface NetworkPolicy {
  spec: {
    podSelector: LabelSelector;
    policyTypes: string[];
    ingress?: { from?: NetworkPolicyPeer[]; ports?: { port?: number | string; protocol?: string }[] }[];
  };
}

interface Container {
  args: string[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string | number } };
  readinessProbe: { httpGet: { path: string; port: string | number } };
  securityContext: { readOnlyRootFilesystem: boolean };
}

interface Deployment {
  spec: {
    replicas: number;
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        serviceAccountName: string;
        containers: Container[];
        securityContext: { runAsNonRoot: boolean };
        volumes: { name: string; secret?: { secretName: string; defaultMode?: number } }[];
      };
    };
  };
}

function loadManifests(): { file: string; objects: Manifest[] }[] {
  return readdirSync(MANIFESTS)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => ({
      file,
      // As `kubectl apply -f manifests/` reads them (YAML 1.1: `defaultMode: 0400` is octal).
      objects: parseAllDocuments(readFileSync(join(MANIFESTS, file), 'utf8'), KUBECTL_YAML_OPTIONS)
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
    if (object.kind === 'ValidatingAdmissionPolicyBinding')
      (object.spec as { policyName: string }).policyName = namespace;
  }
  return out;
}

/** Whether a label selector selects an object with these labels (what the network plugin computes). */
function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const matchLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const matchExpressions = (selector.matchExpressions ?? []).every((e) => {
    const value = labels[e.key];
    switch (e.operator) {
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      case 'In':
        return value !== undefined && (e.values ?? []).includes(value);
      case 'NotIn':
        return value === undefined || !(e.values ?? []).includes(value);
      default:
        throw new Error(`unknown operator ${e.operator}`);
    }
  });
  return matchLabels && matchExpressions;
}

/** Whether a NetworkPolicy admits a Pod (with these labels, in a namespace with these labels) to a port. */
function admits(
  policy: NetworkPolicy,
  container: Container,
  port: number,
  pod: Record<string, string>,
  namespace: Record<string, string>,
): boolean {
  const resolvePort = (p: number | string | undefined) =>
    typeof p === 'string' ? container.ports.find((c) => c.name === p)?.containerPort : p;
  return (policy.spec.ingress ?? []).some((rule) => {
    const portMatches = rule.ports === undefined || rule.ports.some((p) => resolvePort(p.port) === port);
    const peerMatches =
      rule.from === undefined ||
      rule.from.some((peer) => {
        if (peer.ipBlock) return true; // any address: counts as admitting everyone
        const nsOk = peer.namespaceSelector ? selects(peer.namespaceSelector, namespace) : true;
        const podOk = peer.podSelector ? selects(peer.podSelector, pod) : true;
        return nsOk && podOk;
      });
    return portMatches && peerMatches;
  });
}

describe('manifests/ on the real API server', () => {
  let cluster: PrivateCluster;
  let namespace: string;
  let tenant: string;
  let dir: string;
  const files = loadManifests();
  const all = (): Manifest[] => files.flatMap((f) => f.objects);
  const deploymentOf = (objects: Manifest[]) =>
    objects.find((o) => o.kind === 'Deployment') as unknown as Deployment & Manifest;

  const kubectl = async (...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> => {
    try {
      const { stdout, stderr } = await run(KUBECTL, ['--kubeconfig', cluster.kubeconfig, ...args]);
      return { stdout, stderr, code: 0 };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: number };
      return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 };
    }
  };
  const writeObjects = (objects: unknown[]): string => {
    const path = join(dir, `${uniqueName('objects')}.yaml`);
    writeFileSync(path, objects.map((o) => stringify(o)).join('---\n'));
    return path;
  };
  const apply = async (objects: Manifest[], dryRun: boolean): Promise<void> => {
    const args = ['apply', '--server-side', '--field-manager', 'portico-manifests-test', '-f', writeObjects(objects)];
    if (dryRun) args.push('--dry-run=server');
    const result = await kubectl(...args);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed:\n${result.stderr}${result.stdout}`);
  };
  const serviceAccount = () => `system:serviceaccount:${namespace}:portico`;
  const getJson = async <T>(...args: string[]): Promise<T> => {
    const result = await kubectl('get', ...args, '-o', 'json');
    if (result.code !== 0) throw new Error(`kubectl get ${args.join(' ')}: ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  };

  beforeAll(async () => {
    cluster = await PrivateCluster.start('manifests');
    namespace = uniqueName('portico-manifests');
    tenant = uniqueName('portico-tenant');
    dir = mkdtempSync(join(tmpdir(), 'portico-manifests-'));
  });

  afterAll(async () => {
    // Everything the file created lives in the private server's etcd, which goes with it.
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has the files the install needs', () => {
    expect(files.map((f) => f.file)).toEqual([
      'admission-policy.yaml',
      'crd-backendtrafficpolicy.yaml',
      'crd-envoyproxyparameters.yaml',
      'crd-securitypolicy.yaml',
      'deployment.yaml',
      'gatewayclass.yaml',
      'namespace.yaml',
      'networkpolicy.yaml',
      'rbac.yaml',
      'service.yaml',
    ]);
  });

  it('runs a controller whose arguments portico serve accepts, /debug on loopback, probes on the metrics port', () => {
    const deployment = deploymentOf(all());
    const container = deployment.spec.template.spec.containers[0]!;
    const [command, ...args] = container.args;
    expect(command).toBe('serve');
    const parsed = parseServeArgs(args) as ServeConfig;
    expect(typeof parsed).toBe('object');
    expect(parsed).toMatchObject({
      debug: { host: '127.0.0.1', port: 19000 },
      metrics: { host: '0.0.0.0', port: 19001 },
      xds: { host: '0.0.0.0', port: 18000 },
    });
    expect(isLoopbackHost(parsed.debug.host)).toBe(true);
    // Only xDS and the metrics listener are ports of the Pod; the probes use the metrics one.
    expect(container.ports.map((p) => [p.name, p.containerPort])).toEqual([
      ['xds', 18000],
      ['metrics', 19001],
    ]);
    for (const probe of [container.livenessProbe, container.readinessProbe]) {
      const port = container.ports.find((p) => p.name === probe.httpGet.port)?.containerPort ?? probe.httpGet.port;
      expect(port).toBe(parsed.metrics!.port);
    }
    expect(deployment.spec.replicas).toBe(2);
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(deployment.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
  });

  it("mounts the CA's key readable by its owner only (defaultMode 0400, octal as kubectl reads it)", () => {
    const volumes = deploymentOf(all()).spec.template.spec.volumes;
    expect(volumes.find((v) => v.name === 'xds-ca')?.secret).toEqual({
      secretName: 'portico-xds-ca',
      defaultMode: 0o400,
    });
  });

  it('applies every manifest with server-side apply (dry run, then for real)', async () => {
    const objects = relocate(all(), namespace);
    const [ns, ...rest] = [
      ...objects.filter((o) => o.kind === 'Namespace'),
      ...objects.filter((o) => o.kind !== 'Namespace'),
    ];
    await apply([ns!], true);
    await apply([ns!], false);
    // Namespaced objects can be dry-run only once their namespace exists.
    await apply(rest, true);
    await apply(rest, false);
    // Applying the same manifests again is a no-op, not a conflict.
    await apply(rest, false);

    // Every object is there, as applied.
    const got = await kubectl('get', '-f', writeObjects(objects), '-o', 'json');
    expect(got.stderr).toBe('');
    const items = (JSON.parse(got.stdout) as { items: Manifest[] }).items;
    expect(items.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      objects.map((o) => `${o.kind}/${o.metadata.name}`).sort(),
    );

    const deployment = await getJson<Deployment>('deployments.apps', 'portico', '-n', namespace);
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.serviceAccountName).toBe('portico');
    // As the API server stored it: /debug on loopback.
    const args = deployment.spec.template.spec.containers[0]!.args;
    expect(args[args.indexOf('--debug-address') + 1]).toBe('127.0.0.1:19000');
    const gatewayClass = await getJson<{ spec: { controllerName: string } }>(
      'gatewayclasses.gateway.networking.k8s.io',
      namespace,
    );
    expect(gatewayClass.spec.controllerName).toBe('portico.dev/gateway-controller');
  });

  it('admits to xDS only Pods labelled as provisioned Envoys, and opens no port but xDS and metrics', async () => {
    const policy = await getJson<NetworkPolicy>('networkpolicies.networking.k8s.io', 'portico', '-n', namespace);
    const deployment = await getJson<Deployment>('deployments.apps', 'portico', '-n', namespace);
    const container = deployment.spec.template.spec.containers[0]!;
    // It selects the controller Pods, for ingress.
    expect(selects(policy.spec.podSelector, deployment.spec.template.metadata.labels)).toBe(true);
    expect(policy.spec.policyTypes).toEqual(['Ingress']);

    // The labels the provisioner puts on an Envoy Pod, in any namespace: admitted to xDS.
    const envoy = gatewayLabels('public');
    const anyNamespace = { 'kubernetes.io/metadata.name': 'team-a' };
    expect(admits(policy, container, 18000, envoy, anyNamespace)).toBe(true);
    expect(admits(policy, container, 18000, envoy, { 'kubernetes.io/metadata.name': 'kube-system' })).toBe(true);
    // Any other Pod: refused at xDS.
    const others: Record<string, string>[] = [
      {},
      { app: 'web' },
      { 'app.kubernetes.io/managed-by': 'portico' },
      { 'app.kubernetes.io/name': 'portico' },
    ];
    for (const pod of others) {
      expect([pod, admits(policy, container, 18000, pod, anyNamespace)]).toEqual([pod, false]);
    }
    // Health and metrics: any Pod (Prometheus); the kubelet's probes come from the node.
    expect(admits(policy, container, 19001, { app: 'prometheus' }, anyNamespace)).toBe(true);
    // Nothing else, not even to a provisioned Envoy: /debug's port, any other.
    for (const port of [19000, 8080, 9090]) {
      expect([port, admits(policy, container, port, envoy, anyNamespace)]).toEqual([port, false]);
    }
  });

  it('grants the controller only what its code calls (kubectl auth can-i as its ServiceAccount)', async () => {
    const as = `--as=${serviceAccount()}`;
    const canI = async (verb: string, resource: string, ns?: string): Promise<boolean> => {
      // `kind/status` is a subresource (kubectl would read it as a name); `kind/name` a name.
      const [kind, rest] = resource.split('/');
      const sub = ['status', 'token', 'exec', 'finalizers', 'proxy'];
      const target = rest && sub.includes(rest) ? [kind!, `--subresource=${rest}`] : [resource];
      const scope = ns ? ['-n', ns] : ['--all-namespaces'];
      const result = await kubectl('auth', 'can-i', verb, ...target, as, ...scope);
      const answer = result.stdout.trim();
      if (answer !== 'yes' && answer !== 'no') throw new Error(`can-i ${verb} ${resource}: ${result.stderr}`);
      return answer === 'yes';
    };
    const gw = (plural: string) => `${plural}.gateway.networking.k8s.io`;
    const expectations: [verb: string, resource: string, ns: string | undefined, allowed: boolean][] = [
      // Informers: list and watch what Portico translates, everywhere.
      ...[
        'gatewayclasses',
        'gateways',
        'httproutes',
        'referencegrants',
        'grpcroutes',
        'tlsroutes',
        'tcproutes',
        'udproutes',
        'backendtlspolicies',
        'listenersets',
      ].flatMap((plural): [string, string, undefined, boolean][] => [
        ['list', gw(plural), undefined, true],
        ['watch', gw(plural), undefined, true],
      ]),
      ...[
        'services',
        'namespaces',
        'configmaps',
        'secrets',
        'endpointslices.discovery.k8s.io',
        'clustertrustbundles.certificates.k8s.io',
        // XBackends and the Pods their EndpointSelector selects.
        'xbackends.gateway.networking.x-k8s.io',
        'pods',
      ].flatMap((resource): [string, string, undefined, boolean][] => [
        ['list', resource, undefined, true],
        ['watch', resource, undefined, true],
      ]),
      // Experimental kinds (gateway.networking.x-k8s.io): read, and their status written.
      ...['xbackends', 'xtelemetrypolicies'].flatMap((plural): [string, string, string | undefined, boolean][] => [
        ['list', `${plural}.gateway.networking.x-k8s.io`, undefined, true],
        ['watch', `${plural}.gateway.networking.x-k8s.io`, undefined, true],
        ['patch', `${plural}.gateway.networking.x-k8s.io/status`, 'default', true],
        ['get', `${plural}.gateway.networking.x-k8s.io/status`, 'default', true],
        ['patch', `${plural}.gateway.networking.x-k8s.io`, 'default', false],
      ]),
      // Portico's parameters kind: read, never written.
      ['list', 'envoyproxyparameters.gateway.portico.dev', undefined, true],
      ['watch', 'envoyproxyparameters.gateway.portico.dev', undefined, true],
      ['patch', 'envoyproxyparameters.gateway.portico.dev', 'default', false],
      ['create', 'envoyproxyparameters.gateway.portico.dev', 'default', false],
      // The status writer: patch the status subresource, get it after a conflict. Never the spec.
      ...[
        'gatewayclasses',
        'gateways',
        'httproutes',
        'grpcroutes',
        'tlsroutes',
        'tcproutes',
        'udproutes',
        'backendtlspolicies',
        'listenersets',
      ].flatMap((plural): [string, string, string | undefined, boolean][] => [
        ['patch', `${gw(plural)}/status`, plural === 'gatewayclasses' ? undefined : 'default', true],
        ['get', `${gw(plural)}/status`, plural === 'gatewayclasses' ? undefined : 'default', true],
        ['update', `${gw(plural)}/status`, plural === 'gatewayclasses' ? undefined : 'default', false],
      ]),
      ['update', gw('gateways'), 'default', false],
      ['patch', gw('httproutes'), 'default', false],
      ['create', gw('gateways'), 'default', false],
      ['delete', gw('gatewayclasses'), undefined, false],
      ['create', gw('referencegrants'), 'default', false],
      ['patch', gw('referencegrants'), 'default', false],
      ['update', `${gw('gateways')}/finalizers`, 'default', false],
      // The provisioner: server-side apply (create + patch), delete, list by label. Never update.
      ...['serviceaccounts', 'configmaps', 'services', 'deployments.apps', 'secrets'].flatMap(
        (resource): [string, string, string | undefined, boolean][] => [
          ['create', resource, 'default', true],
          ['patch', resource, 'default', true],
          ['delete', resource, 'default', true],
          ['list', resource, undefined, true],
          ['update', resource, 'default', false],
          ['deletecollection', resource, 'default', false],
        ],
      ),
      ['get', 'deployments.apps', 'default', false],
      // spec.addresses: the Gateway's Service's cluster IPs, the holder of a requested one.
      ['get', 'services', 'default', true],
      ['get', 'ipaddresses.networking.k8s.io', undefined, true],
      ['list', 'servicecidrs.networking.k8s.io', undefined, true],
      ['get', 'secrets', 'default', false],
      // Its own namespace: the xDS certificates; the leader Lease by name (created once).
      ['get', 'secrets', namespace, true],
      ['get', 'leases.coordination.k8s.io/portico-leader', namespace, true],
      ['update', 'leases.coordination.k8s.io/portico-leader', namespace, true],
      ['create', 'leases.coordination.k8s.io', namespace, true],
      ['update', 'leases.coordination.k8s.io/kube-controller-manager', namespace, false],
      ['delete', 'leases.coordination.k8s.io', namespace, false],
      ['create', 'leases.coordination.k8s.io', 'kube-system', false],
      ['update', 'leases.coordination.k8s.io/kube-scheduler', 'kube-system', false],
      // Nothing that runs code, reads tokens, changes RBAC or takes the cluster apart.
      ['create', 'pods', 'default', false],
      ['create', 'pods/exec', 'default', false],
      ['get', 'pods', 'default', false],
      ['create', 'serviceaccounts/token', 'default', false],
      ['create', 'daemonsets.apps', 'default', false],
      ['create', 'jobs.batch', 'default', false],
      ['patch', 'services/status', 'default', false],
      ['patch', 'nodes', undefined, false],
      ['get', 'nodes/proxy', undefined, false],
      ['create', 'clusterrolebindings.rbac.authorization.k8s.io', undefined, false],
      ['create', 'rolebindings.rbac.authorization.k8s.io', 'default', false],
      ['escalate', 'clusterroles.rbac.authorization.k8s.io', undefined, false],
      ['bind', 'clusterroles.rbac.authorization.k8s.io', undefined, false],
      ['impersonate', 'serviceaccounts', 'default', false],
      ['create', 'certificatesigningrequests.certificates.k8s.io', undefined, false],
      ['patch', 'customresourcedefinitions.apiextensions.k8s.io', undefined, false],
      ['patch', 'validatingadmissionpolicies.admissionregistration.k8s.io', undefined, false],
      ['delete', 'validatingadmissionpolicybindings.admissionregistration.k8s.io', undefined, false],
      ['create', 'namespaces', undefined, false],
      ['delete', 'namespaces', undefined, false],
      ['patch', 'networkpolicies.networking.k8s.io', namespace, false],
    ];
    const results: boolean[] = [];
    for (const [verb, resource, ns] of expectations) results.push(await canI(verb, resource, ns));
    expect(expectations.map(([verb, resource, ns], i) => `${verb} ${resource} in ${ns ?? '*'}: ${results[i]}`)).toEqual(
      expectations.map(([verb, resource, ns, allowed]) => `${verb} ${resource} in ${ns ?? '*'}: ${allowed}`),
    );
  });

  it('lets the ServiceAccount write only what the provisioner writes (admission policy, impersonated)', async () => {
    await create(cluster.api, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: tenant } });
    // The tenant's own objects, which Portico must never change or delete.
    await create(cluster.api, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'tenant-config', namespace: tenant },
      data: { a: 'b' },
    } as KubeObject);
    await create(cluster.api, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'portico-lookalike', namespace: tenant },
      spec: { ports: [{ port: 80 }] },
    } as KubeObject);

    const as = `--as=${serviceAccount()}`;
    const asPortico = async (verb: 'apply' | 'delete', target: unknown): Promise<string> => {
      const args =
        verb === 'apply'
          ? ['apply', '--server-side', '--force-conflicts', '--field-manager', 'portico', '-f', writeObjects([target])]
          : ['delete', ...(target as string[]), '-n', tenant, '--wait=false'];
      const result = await kubectl(...args, as);
      return result.code === 0 ? 'allowed' : result.stderr.trim();
    };

    // What the provisioner creates for a Gateway, exactly (src/infra/kubernetes/resources.ts).
    const gateway = fixtures.gateway({
      name: 'public',
      namespace: tenant,
      uid: '00000000-0000-0000-0000-000000000001',
      className: namespace,
      listeners: [fixtures.listener('http', 80)],
    });
    const provisioned = desiredObjects(gateway, { xds: { host: `portico-xds.${namespace}.svc`, port: 18000 } });
    expect(provisioned.map((o) => o.kind)).toEqual(['ServiceAccount', 'ConfigMap', 'Deployment', 'Service']);
    for (const object of provisioned) {
      expect([object.kind, await asPortico('apply', object)]).toEqual([object.kind, 'allowed']);
    }
    // And with every field an EnvoyProxyParameters sets.
    const withParameters = desiredObjects(
      gateway,
      { xds: { host: `portico-xds.${namespace}.svc`, port: 18000 } },
      [],
      undefined,
      {
        deployment: {
          replicas: 2,
          image: 'registry.example/envoy:v1.40.0',
          logLevel: 'debug',
          resources: { requests: { cpu: '1' }, limits: { cpu: '2', memory: '256Mi' } },
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'edge', effect: 'NoSchedule' }],
        },
        service: { type: 'NodePort', externalTrafficPolicy: 'Local', annotations: { 'example.com/lb': 'internal' } },
      },
    );
    for (const object of withParameters.filter((o) => o.kind === 'Deployment' || o.kind === 'Service')) {
      expect([object.kind, await asPortico('apply', object)]).toEqual([object.kind, 'allowed']);
    }
    // Back to the plain objects the checks below start from.
    for (const object of provisioned.filter((o) => o.kind === 'Deployment' || o.kind === 'Service')) {
      expect([object.kind, await asPortico('apply', object)]).toEqual([object.kind, 'allowed']);
    }
    const deployment = provisioned.find((o) => o.kind === 'Deployment')!;
    const service = provisioned.find((o) => o.kind === 'Service')!;
    const ours = { 'app.kubernetes.io/managed-by': 'portico' };
    const tls = { 'tls.crt': Buffer.from('cert').toString('base64'), 'tls.key': Buffer.from('key').toString('base64') };
    interface PodSpec {
      [field: string]: unknown;
      volumes: unknown[];
      containers: { securityContext: { [field: string]: unknown; capabilities: { add: string[] } } }[];
    }
    /** A copy of the provisioned Deployment with its Pod spec changed. */
    const withPod = (change: (pod: PodSpec) => void): KubeObject => {
      const copy = structuredClone(deployment) as unknown as { spec: { template: { spec: PodSpec } } };
      change(copy.spec.template.spec);
      return copy as unknown as KubeObject;
    };
    const secret = (name: string, type: string, annotations: Record<string, string> = {}) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: tenant, labels: ours, annotations },
      type,
      data: type === 'kubernetes.io/tls' ? tls : {},
    });

    const attempts: [what: string, verb: 'apply' | 'delete', target: unknown, refusal: RegExp | 'allowed'][] = [
      [
        'an xDS client certificate Secret',
        'apply',
        secret('portico-xds-client-public', 'kubernetes.io/tls'),
        'allowed',
      ],
      [
        'a service-account token Secret (a token for any ServiceAccount)',
        'apply',
        secret('portico-token', 'kubernetes.io/service-account-token', {
          'kubernetes.io/service-account.name': 'default',
        }),
        /only Secrets of type kubernetes.io\/tls/,
      ],
      ['an Opaque Secret', 'apply', secret('portico-opaque', 'Opaque'), /only Secrets of type kubernetes.io\/tls/],
      [
        'an unlabelled object',
        'apply',
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'portico-unlabelled', namespace: tenant } },
        /named portico-\* and labelled/,
      ],
      [
        'an object not named portico-*',
        'apply',
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: tenant, labels: ours } },
        /named portico-\* and labelled/,
      ],
      [
        "the tenant's ConfigMap, taken over by labelling it",
        'apply',
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tenant-config', namespace: tenant, labels: ours } },
        /changes and deletes only objects labelled/,
      ],
      [
        "the tenant's Service, deleted",
        'delete',
        ['service', 'portico-lookalike'],
        /changes and deletes only objects labelled/,
      ],
      [
        "the tenant's ConfigMap, deleted",
        'delete',
        ['configmap', 'tenant-config'],
        /changes and deletes only objects labelled/,
      ],
      [
        'an Envoy Deployment running as another ServiceAccount',
        'apply',
        withPod((pod) => (pod.serviceAccountName = 'default')),
        /runs as its own ServiceAccount/,
      ],
      [
        'an Envoy Deployment mounting its token',
        'apply',
        withPod((pod) => (pod.automountServiceAccountToken = true)),
        /runs as its own ServiceAccount/,
      ],
      [
        'an Envoy Deployment on the host network',
        'apply',
        withPod((pod) => (pod.hostNetwork = true)),
        /no host namespace/,
      ],
      [
        'an Envoy Deployment mounting a host path',
        'apply',
        withPod((pod) => pod.volumes.push({ name: 'root', hostPath: { path: '/' } })),
        /no host namespace/,
      ],
      // (A privileged container is refused by this API server itself: it runs without --allow-privileged.)
      [
        'an Envoy with a host port',
        'apply',
        withPod(
          (pod) => ((pod.containers[0] as unknown as { ports: { hostPort?: number }[] }).ports[0]!.hostPort = 80),
        ),
        /no host namespace/,
      ],
      [
        'an Envoy with NET_ADMIN',
        'apply',
        withPod((pod) => pod.containers[0]!.securityContext.capabilities.add.push('NET_ADMIN')),
        /no host namespace/,
      ],
      [
        'a Service with external IPs',
        'apply',
        { ...service, spec: { ...(service.spec as object), externalIPs: ['10.0.0.1'] } },
        /no Service of type ExternalName or with externalIPs/,
      ],
      [
        'an ExternalName Service',
        'apply',
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'portico-external', namespace: tenant, labels: ours },
          spec: { type: 'ExternalName', externalName: 'kubernetes.default.svc' },
        },
        /no Service of type ExternalName or with externalIPs/,
      ],
      // What the provisioner deletes: its own objects.
      ['the provisioned Deployment, deleted', 'delete', ['deployment', provisionedName('public')], 'allowed'],
      ['the client certificate Secret, deleted', 'delete', ['secret', 'portico-xds-client-public'], 'allowed'],
    ];
    const outcomes: string[] = [];
    for (const [, verb, target] of attempts) outcomes.push(await asPortico(verb, target));
    attempts.forEach(([what, , , refusal], i) => {
      const outcome = outcomes[i]!;
      if (refusal === 'allowed') expect([what, outcome]).toEqual([what, 'allowed']);
      else {
        expect([what, outcome]).toEqual([what, expect.stringContaining(`ValidatingAdmissionPolicy '${namespace}'`)]);
        expect([what, outcome]).toEqual([what, expect.stringMatching(refusal)]);
      }
    });
    // The tenant's objects are untouched.
    expect((await get(cluster.api, 'ConfigMap', 'tenant-config', tenant))?.metadata.labels).toBeUndefined();
    expect(await get(cluster.api, 'Service', 'portico-lookalike', tenant)).toBeDefined();
  });

  describe('Portico running as its ServiceAccount', () => {
    let serving: RunningServe | undefined;
    const logger = new RecordingLogger();
    const gatewayNs = () => tenant;

    afterAll(async () => {
      await serving?.stop();
    });

    it("with the Deployment's arguments: elects itself, writes status, provisions a Gateway and removes it, never refused", async () => {
      // certgen, as the operator does after applying the namespace.
      const io = { stdout: { write: () => true }, stderr: { write: () => true } };
      expect(await runCertgenCommand(['--kubeconfig', cluster.kubeconfig, '--namespace', namespace], io as never)).toBe(
        0,
      );
      // A real token of the ServiceAccount (TokenRequest), in a kubeconfig of its own.
      const token = await kubectl('create', 'token', 'portico', '-n', namespace, '--duration', '1h');
      expect(token.stderr).toBe('');
      const admin = JSON.parse(loadKubeConfig({ path: cluster.kubeconfig }).exportConfig()) as {
        clusters: { name: string; cluster: Record<string, unknown> }[];
      };
      const kubeconfig = join(dir, 'portico-sa.kubeconfig');
      writeFileSync(
        kubeconfig,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: admin.clusters,
          users: [{ name: 'portico', user: { token: token.stdout.trim() } }],
          contexts: [{ name: 'portico', context: { cluster: admin.clusters[0]!.name, user: 'portico' } }],
          'current-context': 'portico',
        }),
        { mode: 0o600 },
      );

      // The Deployment's own arguments, with its Secret volumes written to directories here, its
      // listeners on loopback ports of this machine, and the token's kubeconfig.
      const container = deploymentOf(relocate(all(), namespace)).spec.template.spec.containers[0]!;
      const pod = deploymentOf(relocate(all(), namespace)).spec.template.spec as unknown as {
        volumes: { name: string; secret?: { secretName: string } }[];
      };
      const mounts = (container as unknown as { volumeMounts: { name: string; mountPath: string }[] }).volumeMounts;
      let args = container.args.slice(1);
      for (const mount of mounts) {
        const secretName = pod.volumes.find((v) => v.name === mount.name)?.secret?.secretName;
        if (!secretName) continue;
        const secret = await cluster.api.request<{ data: Record<string, string> }>({
          path: `/api/v1/namespaces/${namespace}/secrets/${secretName}`,
        });
        const local = mkdtempSync(join(dir, `${mount.name}-`));
        for (const [key, value] of Object.entries(secret.data)) {
          writeFileSync(join(local, key), Buffer.from(value, 'base64'));
        }
        args = args.map((arg) => (arg.startsWith(mount.mountPath) ? local + arg.slice(mount.mountPath.length) : arg));
      }
      const overrides: Record<string, string> = {
        '--xds-address': '127.0.0.1:0',
        '--debug-address': '127.0.0.1:0',
        '--metrics-address': '127.0.0.1:0',
      };
      args = args.map((arg, i) => overrides[args[i - 1] ?? ''] ?? arg);
      // POD_NAMESPACE in the Pod.
      args.push('--kubeconfig', kubeconfig, '--leader-election-namespace', namespace);
      const config = parseServeArgs(args);
      if (typeof config !== 'object') throw new Error(`the Deployment's arguments: ${config}`);
      serving = await startServe(config, logger);
      // Its metrics listener (the Pod IP's in the cluster) answers probes and never /debug.
      const metrics = `http://127.0.0.1:${serving.metricsAddress()!.port}`;
      await eventually('ready', async () => ((await fetch(`${metrics}/readyz`)).status === 200 ? true : undefined));
      expect((await fetch(`${metrics}/debug/config_dump`)).status).toBe(404);
      expect((await fetch(`${metrics}/debug/clients`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${serving.debugAddress().port}/debug/clients`)).status).toBe(200);
      await create(cluster.api, fixtures.gateway({ name: 'web', namespace: gatewayNs(), className: namespace }));

      const name = provisionedName('web');
      const provisioned = [
        ['ServiceAccount', `/api/v1/namespaces/${gatewayNs()}/serviceaccounts/${name}`],
        ['ConfigMap', `/api/v1/namespaces/${gatewayNs()}/configmaps/${name}`],
        ['Deployment', `/apis/apps/v1/namespaces/${gatewayNs()}/deployments/${name}`],
        ['Service', `/api/v1/namespaces/${gatewayNs()}/services/${name}`],
      ] as const;
      const exists = async (path: string) =>
        cluster.api.request({ path }).then(
          () => true,
          () => false,
        );
      // Status written by the leader, under its RBAC.
      await eventually('the Gateway Accepted by Portico', async () => {
        const gateway = await get(cluster.api, 'Gateway', 'web', gatewayNs());
        const conditions = (gateway?.status as { conditions?: { type: string; status: string }[] } | undefined)
          ?.conditions;
        return conditions?.some((c) => c.type === 'Accepted' && c.status === 'True') ? true : undefined;
      });
      // Provisioned under its RBAC and the admission policy.
      for (const [kind, path] of provisioned) {
        await eventually(`the provisioned ${kind}`, async () => ((await exists(path)) ? true : undefined));
      }
      const secrets = await cluster.api.request<{ items: KubeObject[] }>({
        path: `/api/v1/namespaces/${gatewayNs()}/secrets`,
        query: { labelSelector: 'app.kubernetes.io/managed-by=portico' },
      });
      expect(secrets.items.length).toBeGreaterThan(0);

      // The Gateway goes: the provisioner deletes what it made (this API server has no garbage collector).
      await remove(cluster.api, 'Gateway', 'web', gatewayNs());
      for (const [kind, path] of provisioned) {
        await eventually(`the provisioned ${kind} deleted`, async () => ((await exists(path)) ? undefined : true));
      }

      // Never refused by RBAC (`User "system:serviceaccount:…" cannot …`) or by the admission policy.
      const refusals = logger.lines
        .map((line) => JSON.stringify(line))
        .filter((line) => line.includes(serviceAccount()) || line.includes('ValidatingAdmissionPolicy'));
      expect(refusals).toEqual([]);
    });
  });
});
