/**
 * The house's import rules (issue 13), checked over src/ as written (the .ts files, relative imports):
 *
 * - no import circle between files;
 * - a room (a folder directly under src/) imports only rooms of a lower layer, never one of its own
 *   layer or above (arrows run down: the CLI at the top, the data types at the bottom).
 *
 * The breaches the code has today are listed in KNOWN, each by the importing and the imported file;
 * the test fails on any breach not listed, and on a listed one that has gone (so the list only
 * shrinks, and says what is left to do).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { PACKAGE_ROOT } from '../../src/package-json.js';

/** Higher imports lower. Rooms of one layer do not import each other. */
const LAYER: Record<string, number> = {
  cli: 10,
  serve: 9,
  debug: 8,
  k8s: 7,
  file: 7,
  infra: 7,
  'kube-client': 6,
  pipeline: 5,
  xds: 4,
  translate: 3,
  resources: 2,
  schema: 1.5,
  proto: 1.5,
  ir: 1,
  types: 1,
  shared: 0.5,
  '.': 0, // files directly in src/ (package-json.ts)
};

/** Breaches present when the rule was written: importer -> imported. */
const KNOWN: readonly string[] = [];

const SRC = join(PACKAGE_ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT = /(?:import|export)\s[^;]*?from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/g;

function importsOf(file: string, known: Set<string>): string[] {
  const text = readFileSync(file, 'utf8');
  const out = new Set<string>();
  for (const m of text.matchAll(IMPORT)) {
    const target = normalize(join(dirname(file), (m[1] ?? m[2])!)).replace(/\.js$/, '.ts');
    if (known.has(target)) out.add(target);
  }
  return [...out];
}

const rel = (file: string): string => relative(PACKAGE_ROOT, file);
function room(file: string): string {
  const parts = relative(SRC, file).split('/');
  return parts.length > 1 ? parts[0]! : '.';
}

/** Strongly connected components of more than one file (Tarjan). */
function circles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('the import graph of src/', () => {
  const files = sourceFiles(SRC);
  const all = new Set(files);
  const graph = new Map(files.map((f) => [f, importsOf(f, all)]));

  it('knows the layer of every room', () => {
    expect([...new Set(files.map(room))].filter((r) => LAYER[r] === undefined)).toEqual([]);
  });

  it('has no breach beyond the known ones, and every known one is still there', () => {
    const breaches: string[] = [];
    for (const component of circles(graph)) breaches.push(`cycle: ${component.map(rel).join(' <-> ')}`);
    for (const [file, targets] of graph) {
      for (const target of targets) {
        const from = room(file);
        const to = room(target);
        if (from === to) continue;
        if (LAYER[to]! >= LAYER[from]!) breaches.push(`up: ${rel(file)} -> ${rel(target)} (${from} -> ${to})`);
      }
    }
    expect(breaches.sort()).toEqual([...KNOWN].sort());
  });
});
