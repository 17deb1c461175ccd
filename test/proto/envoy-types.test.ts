/**
 * The committed Envoy message types (gen/envoy) are what the generator writes from the protos
 * Portico loads today: regenerated into a temporary directory, every file must be byte-identical,
 * and no committed file may be left over. Run `make envoy-types` after changing the protos, the
 * entry points or the type URLs Portico packs.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/package-json.js';
import { generateEnvoyTypes, packedTypeUrls, writeEnvoyTypes } from '../../hack/envoy-types/generate.js';

const COMMITTED = join(PACKAGE_ROOT, 'gen', 'envoy');

describe('generated Envoy message types', () => {
  it('match what the generator writes from the protos (run `make envoy-types` if not)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portico-envoy-types-'));
    try {
      writeEnvoyTypes(dir);
      const fresh = readdirSync(dir).sort();
      expect(readdirSync(COMMITTED).sort()).toEqual(fresh);
      for (const name of fresh) {
        const committed = readFileSync(join(COMMITTED, name), 'utf8');
        const regenerated = readFileSync(join(dir, name), 'utf8');
        // toBe on whole files would print two huge strings; the first differing line says enough.
        const a = committed.split('\n');
        const b = regenerated.split('\n');
        const line = a.findIndex((text, i) => text !== b[i]);
        expect({ name, line: line + 1, committed: a[line], regenerated: b[line] }).toEqual({
          name,
          line: 0,
          committed: undefined,
          regenerated: undefined,
        });
        expect(a.length).toBe(b.length);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('are deterministic', () => {
    expect(generateEnvoyTypes()).toEqual(generateEnvoyTypes());
  });

  it('type every Any as one of the types Portico packs, each declared', () => {
    const text = generateEnvoyTypes().get('messages.d.ts')!;
    const anyMembers = [...text.matchAll(/\| \(\{ '@type': '([^']+)' \} & ([\w.]+)\)/g)];
    expect(anyMembers.map((m) => m[1])).toEqual(packedTypeUrls());
    for (const [, url, name] of anyMembers) expect(url).toBe(`type.googleapis.com/${name}`);
  });
});
