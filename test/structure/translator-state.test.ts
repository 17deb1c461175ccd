/**
 * The translator keeps no state between calls at module level (issue 13): what it remembers from
 * one run to the next lives in the memory its caller owns (a `TranslationCache`, through the
 * `StageMemory` seam), where the cache's recorded reads can account for it. Checked over
 * src/translate as written: no module-level WeakMap or WeakSet, and no module-level Map or Set
 * that the file writes to (constant lookup tables are fine).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PACKAGE_ROOT } from '../../src/package-json.js';

const TRANSLATE = join(PACKAGE_ROOT, 'src', 'translate');

/** A module-level collection: its name, and whether it is weak. */
const MODULE_COLLECTION = /^(?:export )?(?:const|let) (\w+)\b[^=\n]*= new (Weak)?(?:Map|Set)\b/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** `file: name` of every module-level collection that holds state across calls. */
function moduleLevelState(): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(TRANSLATE)) {
    const text = readFileSync(file, 'utf8');
    const where = relative(PACKAGE_ROOT, file);
    for (const match of text.matchAll(MODULE_COLLECTION)) {
      const [, name, weak] = match;
      const written = new RegExp(`\\b${name}\\.(?:set|add|delete|clear)\\(`).test(text);
      if (weak || written) found.push(`${where}: ${name}`);
    }
  }
  return found;
}

describe('translator state', () => {
  it('keeps no memo at module level in src/translate', () => {
    expect(moduleLevelState()).toEqual([]);
  });

  it('finds a module-level memo when there is one', () => {
    // The check itself: the patterns it looks for, as the six memos it replaced were written.
    const text = 'const verdicts = new WeakMap<Secret, string>();\nconst byKey = new Map();\nbyKey.set(a, b);\n';
    const names = [...text.matchAll(MODULE_COLLECTION)].map((m) => m[1]);
    expect(names).toEqual(['verdicts', 'byKey']);
  });
});
