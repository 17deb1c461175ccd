/**
 * The quick reading of manifests (src/resources/quick-yaml.ts) against the careful one
 * (`parseAllDocuments` with kubectl's options): the same values wherever the quick reading gives
 * any, and no reading at all where only the careful one can say what the file means or where it
 * is wrong.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { KUBECTL_YAML_OPTIONS } from '../../src/resources/kubectl-yaml.js';
import { quickDocuments } from '../../src/resources/quick-yaml.js';
import { KUBECTL_SCALARS } from '../support/kubectl-scalars.js';

const careful = (text: string): unknown[] =>
  parseAllDocuments(text, KUBECTL_YAML_OPTIONS).map((d) => d.toJS({ maxAliasCount: 100 }) as unknown);

const ROOT = new URL('../../../', import.meta.url).pathname;

/** Every YAML file of the repository's examples, goldens and manifests. */
function repositoryYaml(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(entry.name)) files.push(path);
    }
  };
  for (const dir of ['examples', 'manifests', 'test/golden', 'test/conformance']) {
    try {
      walk(join(ROOT, dir));
    } catch {
      // a directory this checkout does not have
    }
  }
  return files;
}

describe('the quick reading of manifests', () => {
  it('reads every YAML file of the repository it reads at all as the careful reading does', () => {
    const files = repositoryYaml();
    expect(files.length).toBeGreaterThan(100);
    let read = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const quick = quickDocuments(text);
      if (!quick) continue;
      read++;
      expect({ file, documents: quick }).toEqual({ file, documents: careful(text) });
    }
    // Most files are plain manifests: the quick reading is what reads them.
    expect(read).toBeGreaterThan(files.length / 2);
  });

  it.each(KUBECTL_SCALARS)('reads the scalar %j as kubectl does, or leaves it to the careful reading', (text) => {
    const yaml = `x: ${text}\ny:\n  - ${text}\n`;
    const quick = quickDocuments(yaml);
    if (quick) expect(quick).toEqual(careful(yaml));
    // Only tags, anchors, numbers JSON cannot hold and an empty list item are left to the careful reading.
    else expect(text).toMatch(/^$|[!&]|inf|nan|e\d{3}/i);
  });

  it.each([
    ['a number JSON cannot hold', 'x: .inf\n'],
    ['a number beyond a float', 'x: 1e999\n'],
    ['a duplicate key', 'x: 1\nx: 2\n'],
    ['an alias', 'a: &v {b: 1}\nc: *v\n'],
    ['a bare alias', 'a: [1]\nc: *v\n'],
    ['a tag', 'x: !!binary aGk=\n'],
    ['a merge key', 'a: {b: 1}\nc:\n  <<: {b: 2}\n'],
    ['broken YAML', 'x: "open\n'],
    ['a null key', '~: a\n'],
    ['a null key in a list item', '- null: a\n'],
    ['a null key in a flow mapping', 'x: {a: 1, Null: 2}\n'],
    ['an explicit collection key', '? [a, b]\n: c\n'],
    ['a collection key in a flow mapping', 'x: {[a]: 1}\n'],
    ['a tab for indentation', 'x:\n\t- 1\n'],
  ])('leaves %s to the careful reading', (_what, text) => {
    expect(quickDocuments(text)).toBeUndefined();
  });

  it.each([
    ['a block scalar', 'x: |\n  a\n'],
    ['a flow collection', 'x: [a, b]\n'],
    ['a multi-line quoted scalar', 'x: "a\n  b"\n'],
    ['a double-quoted escape', 'x: "a\\tb"\n'],
    ['a comment after a value', 'x: a # note\n'],
    ['a lone CR', 'x: 1\ry: 2\n'],
    ['a tab', 'x:\n\t- 1\n'],
    ['an empty list item', 'a:\n    -\n  - b\n'],
    ['content after ---', '--- a: 1\n'],
    ['comments alone', '# c\n'],
  ])('leaves a line it does not know to the careful reading: %s', (_what, text) => {
    expect(quickDocuments(text)).toBeUndefined();
  });

  it('reads quoted scalars as strings and empty documents as null, as the careful reading does', () => {
    const text = `a: "on"\nb: '0755'\nc: "1:30"\nd: 2001-12-14\ne: 1:30\n---\n---\nf: 'two ''quoted'''\n`;
    expect(quickDocuments(text)).toEqual(careful(text));
    expect(quickDocuments(text)![0]).toEqual({ a: 'on', b: '0755', c: '1:30', d: '2001-12-14', e: '1:30' });
  });
});
