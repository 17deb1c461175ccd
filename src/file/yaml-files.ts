/**
 * Reading a directory tree of manifests: every `*.yaml` / `*.yml` file below it, skipping hidden
 * files and directories (editor swap files, `.git`).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { ScannedFile } from './file-objects.js';
import { errorMessage } from '../shared/error-message.js';

export function isManifestFile(name: string): boolean {
  return !name.startsWith('.') && /\.ya?ml$/.test(name);
}

/** Paths (joined onto `dir`) of every manifest below `dir`, sorted. Throws if `dir` cannot be read. */
export async function listManifestFiles(dir: string): Promise<string[]> {
  return (await listManifestTree(dir)).files;
}

/**
 * Every manifest below `dir` (sorted), and every directory below it that was searched (the ones a
 * watch must cover). Throws if `dir` cannot be read.
 */
export async function listManifestTree(dir: string): Promise<{ files: string[]; directories: string[] }> {
  const files: string[] = [];
  const directories: string[] = [];
  const walk = async (current: string): Promise<void> => {
    const entries = await readdir(current, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        directories.push(path);
        await walk(path);
      } else if (entry.isFile() && isManifestFile(entry.name)) files.push(path);
    }
  };
  await walk(dir);
  const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return { files: files.sort(byName), directories: directories.sort(byName) };
}

/**
 * Reads only the named files: what a watch notification says changed. Returns undefined when a
 * name is not a plain manifest file (a directory, a rename of a tree…), which calls for a full scan.
 * A named file that no longer exists is left out, so reconciling treats it as deleted.
 */
export async function readChangedFiles(
  dir: string,
  files: Iterable<string>,
): Promise<Map<string, ScannedFile> | undefined> {
  const scanned = new Map<string, ScannedFile>();
  for (const file of files) {
    const name = file.slice(file.lastIndexOf('/') + 1);
    // Hidden below the watched directory, as `listManifestFiles` skips them (the directory's own
    // path may well contain a dot-segment, such as ~/.config/portico).
    if (
      relative(dir, file)
        .split(sep)
        .some((part) => part.startsWith('.'))
    )
      continue;
    try {
      const info = await stat(file);
      if (!info.isFile()) return undefined;
      if (!isManifestFile(name)) continue;
      scanned.set(file, { text: await readFile(file, 'utf8') });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      scanned.set(file, { readError: errorMessage(err) });
    }
  }
  return scanned;
}

/** What a full rescan remembers of a file to tell, without reading it, that it did not change. */
export interface FileStamp {
  mtimeMs: number;
  size: number;
  text: string;
}

/**
 * A full rescan that reads only files whose modification time or size changed since `stamps`
 * (the periodic rescan would otherwise read every file, about a second at 3,000 files). Notified
 * changes are read directly (`readChangedFiles`), so a same-size rewrite within one mtime tick is
 * still picked up by the watch.
 */
const RESCAN_PARALLELISM = 32;

export async function rescanManifestFiles(
  files: readonly string[],
  stamps: ReadonlyMap<string, FileStamp>,
): Promise<{ scanned: Map<string, ScannedFile>; stamps: Map<string, FileStamp> }> {
  type Result = { file: string; scanned?: ScannedFile; stamp?: FileStamp };
  const one = async (file: string): Promise<Result> => {
    try {
      const info = await stat(file);
      const known = stamps.get(file);
      if (known && known.mtimeMs === info.mtimeMs && known.size === info.size) {
        return { file, scanned: { text: known.text }, stamp: known };
      }
      const text = await readFile(file, 'utf8');
      return { file, scanned: { text }, stamp: { mtimeMs: info.mtimeMs, size: info.size, text } };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { file };
      return { file, scanned: { readError: errorMessage(err) } };
    }
  };
  // A few dozen at a time: one after the other, 3,000 stats took ≈ 140 ms here, and a change that
  // arrives during a periodic rescan waits for it.
  const results: Result[] = [];
  for (let i = 0; i < files.length; i += RESCAN_PARALLELISM) {
    results.push(...(await Promise.all(files.slice(i, i + RESCAN_PARALLELISM).map(one))));
  }
  const scanned = new Map<string, ScannedFile>();
  const next = new Map<string, FileStamp>();
  for (const r of results) {
    if (r.scanned) scanned.set(r.file, r.scanned);
    if (r.stamp) next.set(r.file, r.stamp);
  }
  return { scanned, stamps: next };
}
