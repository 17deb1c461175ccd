import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoadError, loadYaml, loadYamlFiles } from '../../src/resources/load-yaml.js';
import { buildResourceSet, collectResourceSet } from '../../src/resources/resource-set.js';
import type { KubeObject } from '../../src/resources/types.js';

function loadError(text: string): LoadError {
  try {
    loadYaml(text, 'in.yaml');
  } catch (err) {
    if (err instanceof LoadError) return err;
    throw err;
  }
  throw new Error('expected a LoadError');
}

const route = (name: string, namespace?: string): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: namespace === undefined ? { name } : { name, namespace },
  spec: {},
});

describe('loadYaml', () => {
  it('reads every document and skips empty ones', () => {
    const { objects, warnings } = loadYaml(
      [
        '---',
        '# only a comment',
        '---',
        'apiVersion: gateway.networking.k8s.io/v1',
        'kind: Gateway',
        'metadata: {name: eg, namespace: infra}',
        'spec: {gatewayClassName: portico, listeners: [{name: http, port: 80, protocol: HTTP}]}',
        '---',
        '---',
        'apiVersion: v1',
        'kind: Service',
        'metadata: {name: backend}',
      ].join('\n'),
      'in.yaml',
    );
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Gateway/eg', 'Service/backend']);
    expect(objects[0]?.spec).toEqual({
      gatewayClassName: 'portico',
      // The CRD's default, as the API server applies it.
      listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } }],
    });
    expect(warnings).toEqual([]);
  });

  it('accepts every supported kind and apiVersion', () => {
    const grant = 'spec: {from: [{group: "", kind: Service, namespace: a}], to: [{group: "", kind: Service}]}';
    const docs = [
      ['gateway.networking.k8s.io/v1', 'GatewayClass', 'spec: {controllerName: example.com/x}'],
      [
        'gateway.networking.k8s.io/v1beta1',
        'Gateway',
        'spec: {gatewayClassName: x, listeners: [{name: a, port: 80, protocol: HTTP}]}',
      ],
      ['gateway.networking.k8s.io/v1', 'HTTPRoute', 'spec: {}'],
      ['gateway.networking.k8s.io/v1beta1', 'ReferenceGrant', grant],
      ['gateway.networking.k8s.io/v1', 'ReferenceGrant', grant],
      ['v1', 'Service', ''],
      ['discovery.k8s.io/v1', 'EndpointSlice', ''],
      ['v1', 'Secret', ''],
      ['v1', 'Namespace', ''],
    ].map(([apiVersion, kind, spec]) => `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: x\n${spec}\n`);
    expect(loadYaml(docs.join('---\n'), 'in.yaml').objects).toHaveLength(docs.length);
  });

  it('expands a v1 List', () => {
    const { objects } = loadYaml(
      'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: a}\n',
      'in.yaml',
    );
    expect(objects.map((o) => o.metadata.name)).toEqual(['a']);
  });

  it('ignores kinds that are not supported yet, with a warning naming the document', () => {
    const { objects, warnings } = loadYaml(
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: BackendLBPolicy\nmetadata: {name: lb}\n',
      'in.yaml',
    );
    expect(objects).toHaveLength(1);
    expect(warnings).toEqual(['in.yaml: document 2, line 6: BackendLBPolicy lb is not supported and is ignored']);
  });

  it('reports invalid YAML with file, document and line', () => {
    const err = loadError('apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: [oops\n');
    expect(err.file).toBe('in.yaml');
    expect(err.document).toBe(2);
    expect(err.line).toBeGreaterThanOrEqual(6);
    expect(err.message).toMatch(/^in\.yaml: document 2, line \d+: invalid YAML: /);
  });

  it('reports duplicate keys as invalid YAML', () => {
    expect(loadError('apiVersion: v1\nkind: Namespace\nkind: Service\nmetadata: {name: a}\n').reason).toMatch(
      /invalid YAML/,
    );
  });

  it('rejects an unknown kind, pointing at the kind line', () => {
    const err = loadError('apiVersion: v1\nmetadata:\n  name: a\nkind: PersistentVolume\n');
    expect([err.document, err.line]).toEqual([1, 4]);
    expect(err.reason).toMatch(/^unknown kind "PersistentVolume" \(apiVersion "v1"\); supported kinds: GatewayClass, /);
  });

  it('rejects a supported kind with an unsupported apiVersion', () => {
    const err = loadError('apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: HTTPRoute\nmetadata: {name: r}\n');
    expect(err.line).toBe(1);
    expect(err.reason).toBe(
      'HTTPRoute r: unsupported apiVersion "gateway.networking.k8s.io/v1alpha2" (expected gateway.networking.k8s.io/v1 or gateway.networking.k8s.io/v1beta1)',
    );
  });

  it.each([
    ['kind: Service\nmetadata: {name: a}\n', 'missing apiVersion', 1],
    ['apiVersion: v1\nmetadata: {name: a}\n', 'missing kind', 1],
    ['apiVersion: v1\nkind: Service\n', 'missing metadata', 1],
    ['apiVersion: v1\nkind: Service\nmetadata:\n  namespace: x\n', 'Service has no metadata.name', 4],
    ['apiVersion: v1\nkind: Service\nmetadata:\n  name: ""\n', 'Service has no metadata.name', 4],
    ['- a\n- b\n', 'expected a Kubernetes object (a mapping with apiVersion, kind, metadata), got a sequence', 1],
  ])('rejects %j: %s', (text, reason, line) => {
    const err = loadError(text);
    expect(err.reason).toBe(reason);
    expect(err.line).toBe(line);
    expect(err.document).toBe(1);
  });

  it('counts documents from 1 including empty ones', () => {
    // The first marker opens document 1 (empty); the second opens document 2.
    expect(loadError('---\n---\napiVersion: v1\nkind: Nope\nmetadata: {name: a}\n').document).toBe(2);
  });
});

describe('loadYamlFiles', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'portico-load-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads *.yaml and *.yml of a directory in name order, ignoring other files', () => {
    const ns = (name: string): string => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}}\n`;
    writeFileSync(join(dir, 'b.yml'), ns('b'));
    writeFileSync(join(dir, 'a.yaml'), ns('a'));
    writeFileSync(join(dir, 'c.txt'), ns('c'));
    mkdirSync(join(dir, 'nested.yaml'));
    expect(loadYamlFiles([dir]).objects.map((o) => o.metadata.name)).toEqual(['a', 'b']);
  });

  it('names an unreadable file', () => {
    const missing = join(dir, 'missing.yaml');
    expect(() => loadYamlFiles([missing])).toThrow(LoadError);
    expect(() => loadYamlFiles([missing])).toThrow(`${missing}: cannot read file: `);
  });
});

describe('buildResourceSet', () => {
  it('sorts each kind by namespace then name and defaults the namespace', () => {
    const rs = buildResourceSet([route('b', 'ns2'), route('b', 'ns1'), route('a', 'ns2'), route('z')]);
    expect(rs.httpRoutes.map((r) => `${r.metadata.namespace}/${r.metadata.name}`)).toEqual([
      'default/z',
      'ns1/b',
      'ns2/a',
      'ns2/b',
    ]);
    expect(rs.gateways).toEqual([]);
  });

  it('sorts independently of input order', () => {
    const objects = [route('c'), route('a'), route('b', 'x')];
    expect(buildResourceSet(objects)).toEqual(buildResourceSet([...objects].reverse()));
  });

  it('keeps the last of duplicates and warns', () => {
    const first = { ...route('r', 'default'), spec: { hostnames: ['first'] } };
    const second = { ...route('r'), spec: { hostnames: ['second'] } };
    const { resources, warnings } = collectResourceSet([first, second]);
    expect(resources.httpRoutes).toHaveLength(1);
    expect(resources.httpRoutes[0]?.spec).toEqual({ hostnames: ['second'] });
    expect(warnings).toEqual(['duplicate HTTPRoute default/r: the last definition wins']);
  });

  it('does not give cluster-scoped objects a namespace', () => {
    const rs = buildResourceSet([
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'gc', namespace: 'x' } },
    ]);
    expect(rs.gatewayClasses[0]?.metadata).toEqual({ name: 'gc' });
  });

  it('does not modify its input', () => {
    const input = route('r');
    buildResourceSet([input]);
    expect(input.metadata).toEqual({ name: 'r' });
  });
});
