/**
 * Reading a directory tree of manifests: every `*.yaml` / `*.yml` file below it, skipping hidden
 * files and directories (editor swap files, `.git`).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScannedFile } from './file-objects.js';
import { errorMessage } from '../pipeline/logger.js';

export function isManifestFile(name: string): boolean {
  return !name.startsWith('.') && /\.ya?ml$/.test(name);
}

/** Paths (joined onto `dir`) of every manifest below `dir`, sorted. Throws if `dir` cannot be read. */
export async function listManifestFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (current: string): Promise<void> => {
    const entries = await readdir(current, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(current, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && isManifestFile(entry.name)) files.push(path);
    }
  };
  await walk(dir);
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Reads every listed file. A file deleted since it was listed is left out (it is gone). */
export async function readManifestFiles(files: readonly string[]): Promise<Map<string, ScannedFile>> {
  const scanned = new Map<string, ScannedFile>();
  for (const file of files) {
    try {
      scanned.set(file, { text: await readFile(file, 'utf8') });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      scanned.set(file, { readError: errorMessage(err) });
    }
  }
  return scanned;
}

/**
 * Reads only the named files: what a watch notification says changed. Returns undefined when a
 * name is not a plain manifest file (a directory, a rename of a tree…), which calls for a full scan.
 * A named file that no longer exists is left out, so reconciling treats it as deleted.
 */
export async function readChangedFiles(files: Iterable<string>): Promise<Map<string, ScannedFile> | undefined> {
  const scanned = new Map<string, ScannedFile>();
  for (const file of files) {
    const name = file.slice(file.lastIndexOf('/') + 1);
    if (name.startsWith('.') || file.split('/').some((part) => part.startsWith('.'))) continue;
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
