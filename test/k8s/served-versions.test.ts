/**
 * The versions Portico reads are the ones the vendored CRDs serve (test/k8s installs the same
 * CRDs): the file reader accepts every served version of each kind, and the informers prefer the
 * storage version (what a v1.7.0 user writes, e.g. TCPRoute gateway.networking.k8s.io/v1) and fall
 * back to the older ones a cluster may still serve. Status is written at the version the informer
 * watches, so a served one.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { WATCHED_KINDS } from '../../src/k8s/kinds.js';
import { packageInfo } from '../../src/package-json.js';
import { apiVersionsOf, KIND_BY_NAME } from '../../src/resources/kinds.js';
import { GATEWAY_GROUP } from '../../src/resources/types.js';

interface CrdVersions {
  served: string[];
  storage: string;
}

function crdVersions(dir: string): Map<string, CrdVersions> {
  const out = new Map<string, CrdVersions>();
  for (const file of readdirSync(dir).filter((f) => f.startsWith(`${GATEWAY_GROUP}_`))) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const crd = doc.toJS() as {
        kind?: string;
        spec?: { names: { kind: string }; versions: { name: string; served: boolean; storage: boolean }[] };
      };
      if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
      out.set(crd.spec.names.kind, {
        served: crd.spec.versions.filter((v) => v.served).map((v) => v.name),
        storage: crd.spec.versions.find((v) => v.storage)!.name,
      });
    }
  }
  return out;
}

/** Kubernetes version priority: GA before beta before alpha, higher numbers first. */
function byKubeVersionPriority(a: string, b: string): number {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v)!;
    return [m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [ra, rb] = [rank(a), rank(b)];
  return rb[0] - ra[0] || rb[1] - ra[1] || rb[2] - ra[2];
}

const experimental = crdVersions(packageInfo().gatewayApiCrdDir);
const standard = crdVersions(packageInfo().gatewayApiCrdDir.replace(/experimental$/, 'standard'));

describe('the API versions Portico reads', () => {
  const gatewayKinds = WATCHED_KINDS.filter((k) => k.group === GATEWAY_GROUP);

  it.each(gatewayKinds.map((k) => [k.kind, k]))('%s: informers try every served version, newest first', (_, kind) => {
    const crd = experimental.get(kind.kind)!;
    expect(crd).toBeDefined();
    // The API server's preferred version (its discovery order) is the newest: v1 > v1beta1 > v1alpha3 > v1alpha2.
    expect(kind.versions).toEqual([...crd.served].sort(byKubeVersionPriority));
    // A standard-channel cluster serves fewer versions; discovery still finds one Portico reads.
    const std = standard.get(kind.kind);
    if (std) expect(kind.versions.some((v) => std.served.includes(v))).toBe(true);
  });

  it.each(gatewayKinds.map((k) => [k.kind]))('%s: the file reader accepts every served version', (kind) => {
    const crd = experimental.get(kind)!;
    expect(apiVersionsOf(KIND_BY_NAME.get(kind)!).sort()).toEqual(
      crd.served.map((v) => `${GATEWAY_GROUP}/${v}`).sort(),
    );
  });

  it('reads TCPRoute, UDPRoute and TLSRoute at v1, as the v1.7.0 conformance suite writes them', () => {
    for (const kind of ['TCPRoute', 'UDPRoute', 'TLSRoute']) {
      expect(WATCHED_KINDS.find((k) => k.kind === kind)!.versions[0]).toBe('v1');
      expect(standard.get(kind)!.served).toEqual(['v1']);
    }
  });
});
