/**
 * The ReferenceGrant reader: what a grant can match, read once per spec object, and the entries
 * the CRD would refuse left out with their path.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readReferenceGrant } from '../../../src/resources/read/reference-grant.js';
import { buildResourceSet } from '../../../src/resources/resource-set.js';
import type { KubeObject } from '../../../src/resources/types.js';
import { translate } from '../../../src/translate/index.js';
import { conditionLines, unvalidatedObjects } from '../../support/translator-outcome.js';

const GOLDEN = fileURLToPath(new URL('../../../../test/golden/refgrant-backend-allowed.in.yaml', import.meta.url));

describe('readReferenceGrant', () => {
  it('gives the entries with the core group for an absent one, and a name only where one is given', () => {
    const read = readReferenceGrant({
      spec: {
        from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'apps' }],
        to: [
          { kind: 'Service', name: 'api' },
          { group: null, kind: 'Secret', name: '' },
        ],
      },
    });
    expect(read).toEqual({
      valid: true,
      result: {
        from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'apps' }],
        to: [
          { group: '', kind: 'Service', name: 'api' },
          { group: '', kind: 'Secret' },
        ],
        dropped: [],
      },
    });
  });

  it('leaves out the entries that can never match, naming each by its path', () => {
    const read = readReferenceGrant({
      spec: {
        from: [null, { group: 7, kind: 'HTTPRoute', namespace: 'apps' }, { kind: 'HTTPRoute', namespace: 'apps' }],
        to: [{ kind: 'Service', name: 5 }, 'Service'],
      },
    });
    expect(read.valid).toBe(true);
    if (!read.valid) return;
    expect(read.result.from).toEqual([{ group: '', kind: 'HTTPRoute', namespace: 'apps' }]);
    expect(read.result.to).toEqual([]);
    expect(read.result.dropped.map((e) => e.path)).toEqual([
      'spec.from[0]',
      'spec.from[1]',
      'spec.to[0]',
      'spec.to[1]',
    ]);
  });

  it('refuses a grant without both lists, with the path of the missing one', () => {
    expect(readReferenceGrant({ spec: { from: [] } })).toEqual({
      valid: false,
      errors: [{ path: 'spec.to', message: 'Required value: must be a list' }],
    });
    expect(readReferenceGrant({ spec: 'grant' })).toMatchObject({ valid: false, errors: [{ path: 'spec' }] });
  });

  it('reads a spec object once, however many objects carry it', () => {
    const spec = { from: [], to: [] };
    expect(readReferenceGrant({ spec })).toBe(readReferenceGrant({ spec }));
  });
});

describe('a ReferenceGrant with an entry the CRD refuses, in translation', () => {
  it('still grants what its valid entries grant: the route that relies on it is accepted', () => {
    const objects = unvalidatedObjects(readFileSync(GOLDEN, 'utf8'));
    const grant = objects.find((o) => o.kind === 'ReferenceGrant') as KubeObject<{ from: unknown[] }>;
    // Before the reader, this entry threw inside the route's translation and the route was refused.
    grant.spec!.from.unshift(null);
    const lines = conditionLines(translate(buildResourceSet(objects)));
    expect(lines).toContain('HTTPRoute apps/web parent gw: Accepted=True/Accepted');
    expect(lines).toContain('HTTPRoute apps/web parent gw: ResolvedRefs=True/ResolvedRefs');
  });
});
