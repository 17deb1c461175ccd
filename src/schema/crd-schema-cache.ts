/**
 * The CRD schemas as `make build` read them, kept as JSON next to this module (`crd-schemas.json`,
 * written by hack/crd-schema-cache.ts): reading a directory of CRDs costs a digest of its files
 * and one JSON parse instead of parsing 2 MB of YAML, half a second that every `portico translate`
 * paid at its first object. Each set of schemas is kept under the digest of the files it was read
 * from (their names and contents), so a changed, added or removed CRD file is read as YAML again,
 * and so is everything when the file is absent (a build that did not write it).
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the build keeps the schemas (dist/src/schema/crd-schemas.json). */
export const CRD_SCHEMA_CACHE = fileURLToPath(new URL('./crd-schemas.json', import.meta.url));

/** Schemas (each a `CrdVersionSchema` of crd-schemas.ts) by the digest of the files they were read from. */
type Cache = Record<string, unknown[]>;

/** Each cache file read, once a process. */
const loaded = new Map<string, Cache>();

function cache(file: string): Cache {
  let found = loaded.get(file);
  if (found) return found;
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    found = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Cache) : {};
  } catch {
    found = {}; // absent or unreadable: the YAML is read
  }
  loaded.set(file, found);
  return found;
}

/** The digest of `files` in `dir`: their names and contents, in the order given. */
export function crdFilesDigest(dir: string, files: readonly string[]): string {
  const hash = createHash('sha256');
  for (const file of files)
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(join(dir, file)))
      .update('\0');
  return hash.digest('hex');
}

/** The schemas kept for the files of this digest, or undefined. */
export function cachedCrdSchemas<T>(digest: string, file: string = CRD_SCHEMA_CACHE): readonly T[] | undefined {
  const schemas = cache(file)[digest];
  return Array.isArray(schemas) ? (schemas as T[]) : undefined;
}

/** Writes a cache file with each set of schemas under its digest. */
export function writeCrdSchemaCache(
  sets: ReadonlyMap<string, readonly unknown[]>,
  file: string = CRD_SCHEMA_CACHE,
): string {
  writeFileSync(file, JSON.stringify(Object.fromEntries(sets)));
  loaded.delete(file);
  return file;
}
