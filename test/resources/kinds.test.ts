/**
 * The kind table (src/resources/kinds.ts) says what the CRDs say: group, plural, the versions
 * served, scope and, for policies, the cap on `status.ancestors`. The CRDs are the vendored v1.7.0
 * ones (what test/k8s installs) and Portico's own. The install manifest's RBAC grants exactly the
 * table's kinds, and the listener protocols accept only the table's route kinds.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { packageInfo, PACKAGE_ROOT } from '../../src/package-json.js';
import {
  GATEWAY_API_KINDS,
  KINDS,
  OUTPUT_KINDS,
  POLICY_KINDS,
  ROUTE_KINDS,
  STATUS_KINDS,
} from '../../src/resources/kinds.js';
import { ROUTE_KINDS_BY_PROTOCOL } from '../../src/translate/gatewayapi/listeners/listener-state.js';

interface Crd {
  group: string;
  plural: string;
  scope: string;
  served: string[];
  maxAncestors: number | undefined;
}

interface CrdDocument {
  kind?: string;
  spec?: {
    group: string;
    names: { kind: string; plural: string };
    scope: string;
    versions: {
      name: string;
      served: boolean;
      schema?: {
        openAPIV3Schema?: { properties?: { status?: { properties?: { ancestors?: { maxItems?: number } } } } };
      };
    }[];
  };
}

function readCrds(files: readonly string[]): Map<string, Crd> {
  const out = new Map<string, Crd>();
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const crd = doc.toJS() as CrdDocument | null;
      if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
      const { group, names, scope, versions } = crd.spec;
      const served = versions.filter((v) => v.served);
      out.set(names.kind, {
        group,
        plural: names.plural,
        scope,
        served: served.map((v) => v.name),
        maxAncestors: served[0]?.schema?.openAPIV3Schema?.properties?.status?.properties?.ancestors?.maxItems,
      });
    }
  }
  return out;
}

const crdDir = packageInfo().gatewayApiCrdDir;
const crds = readCrds([
  ...readdirSync(crdDir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(crdDir, f)),
  join(PACKAGE_ROOT, 'manifests', 'crd-backendtrafficpolicy.yaml'),
  join(PACKAGE_ROOT, 'manifests', 'crd-envoyproxyparameters.yaml'),
  join(PACKAGE_ROOT, 'manifests', 'crd-securitypolicy.yaml'),
  join(PACKAGE_ROOT, 'manifests', 'crd-clienttrafficpolicy.yaml'),
]);
const customKinds = KINDS.filter((k) => k.group !== '' && k.group.includes('gateway'));

describe('the kind table', () => {
  it('covers every custom kind Portico reads, and no core kind has a CRD', () => {
    expect(customKinds.map((k) => k.kind)).toEqual(
      expect.arrayContaining(['Gateway', 'HTTPRoute', 'XBackend', 'EnvoyProxyParameters', 'SecurityPolicy']),
    );
    for (const kind of KINDS.filter((k) => !customKinds.includes(k))) expect(crds.has(kind.kind)).toBe(false);
  });

  it.each(customKinds.map((k) => [k.kind, k]))(
    '%s: group, plural, served versions and scope are its CRD’s',
    (_, kind) => {
      const crd = crds.get(kind.kind);
      expect(crd).toBeDefined();
      expect({
        group: kind.group,
        plural: kind.plural,
        versions: [...kind.versions].sort(),
        scope: kind.namespaced ? 'Namespaced' : 'Cluster',
      }).toEqual({ group: crd!.group, plural: crd!.plural, versions: [...crd!.served].sort(), scope: crd!.scope });
    },
  );

  it.each([...POLICY_KINDS].map((k) => [k]))('%s: the cap on status.ancestors is its CRD’s', (name) => {
    const kind = KINDS.find((k) => k.kind === name)!;
    expect(kind.maxAncestors).toBe(crds.get(name)!.maxAncestors);
  });

  it('routes are the kinds some listener protocol accepts', () => {
    expect(new Set(Object.values(ROUTE_KINDS_BY_PROTOCOL).flat())).toEqual(ROUTE_KINDS);
  });

  it('every kind with a status is one the translator gives back', () => {
    for (const kind of STATUS_KINDS) expect(OUTPUT_KINDS.map((k) => k.kind)).toContain(kind);
    expect(OUTPUT_KINDS.map((k) => k.kind)).toEqual(
      expect.arrayContaining([...GATEWAY_API_KINDS.map((k) => k.kind), 'SecurityPolicy']),
    );
  });
});

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

describe("the install manifest's ClusterRole", () => {
  const docs = parseAllDocuments(readFileSync(join(PACKAGE_ROOT, 'manifests', 'rbac.yaml'), 'utf8')).map(
    (d) => d.toJS() as { kind?: string; rules?: Rule[] },
  );
  const rules = docs.find((d) => d.kind === 'ClusterRole')!.rules!;
  /** `<resource>.<group>` for every resource granted all of `verbs`. */
  const granted = (verbs: readonly string[]): Set<string> =>
    new Set(
      rules
        .filter((r) => verbs.every((v) => r.verbs.includes(v)))
        .flatMap((r) => r.apiGroups.flatMap((g) => r.resources.map((res) => `${res}.${g}`))),
    );

  it('lets the informers list and watch every kind of the table', () => {
    const listWatch = granted(['list', 'watch']);
    for (const kind of KINDS) expect(listWatch).toContain(`${kind.plural}.${kind.group}`);
  });

  it('lets the status writer get and patch the status of exactly the kinds with a status', () => {
    const statusGrants = [...granted(['get', 'patch'])].filter((r) => r.split('.')[0]!.endsWith('/status'));
    const expected = KINDS.filter((k) => STATUS_KINDS.has(k.kind)).map((k) => `${k.plural}/status.${k.group}`);
    expect(statusGrants.sort()).toEqual(expected.sort());
  });
});
