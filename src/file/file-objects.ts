/**
 * The pure half of the file provider: given what is on disk now, and what was read last time,
 * which per-file object sets changed and which files are broken.
 *
 * A file that no longer parses keeps its last good objects in service (a half-saved edit must not
 * take a Gateway down) and is reported with its file, document and line until it parses again.
 * Likewise an object the API server would refuse (`load-yaml.ts`: schema, CEL rules) keeps its
 * last good version in service, and is reported, while the file's other objects are updated.
 * Only files whose text changed are parsed and validated again.
 */
import { LoadError, loadYaml, rejectionReason } from '../resources/load-yaml.js';
import type { RejectedObject } from '../resources/load-yaml.js';
import type { KubeObject } from '../resources/types.js';
import type { ResourceEvent } from '../pipeline/resource-store.js';
import { errorMessage } from '../shared/error-message.js';

export interface FileError {
  file: string;
  /** 1-based YAML document; absent when the file as a whole could not be read. */
  document?: number;
  line?: number;
  message: string;
}

interface FileEntry {
  /** Last text read, parsed or not: an unchanged file is not parsed again. Undefined after a read error. */
  text: string | undefined;
  /** Last good objects (what the pipeline has for this file). */
  objects: readonly KubeObject[] | undefined;
  /** The file could not be read or parsed. */
  error?: FileError;
  /** Objects of the file the API server would refuse, one entry per problem. */
  invalid?: FileError[];
  warnings: string[];
}

export type DirectoryState = ReadonlyMap<string, FileEntry>;

export const EMPTY_DIRECTORY_STATE: DirectoryState = new Map();

/** What a scan found for one file: its text, or why it could not be read. */
export type ScannedFile = { text: string } | { readError: string };

export interface Reconciled {
  state: DirectoryState;
  /** `replace` events for files whose objects changed (an empty list for a deleted file). */
  events: ResourceEvent[];
  /** Files that were read and parsed this time (for logging). */
  parsed: string[];
}

export function reconcileFiles(previous: DirectoryState, scanned: ReadonlyMap<string, ScannedFile>): Reconciled {
  const state = new Map(previous);
  const events: ResourceEvent[] = [];
  const parsed: string[] = [];

  for (const [file, found] of scanned) {
    const before = previous.get(file);
    if ('readError' in found) {
      // Keep the last good objects; report until the file can be read again.
      state.set(file, {
        text: undefined,
        objects: before?.objects,
        error: { file, message: `cannot read file: ${found.readError}` },
        warnings: before?.warnings ?? [],
      });
      continue;
    }
    if (before?.text === found.text) continue;
    parsed.push(file);
    try {
      const loaded = loadYaml(found.text, file);
      const objects = [...loaded.objects, ...lastGoodVersions(loaded.rejected, before?.objects)];
      const invalid = loaded.rejected.flatMap(invalidObjectErrors);
      state.set(file, {
        text: found.text,
        objects,
        warnings: loaded.warnings,
        ...(invalid.length > 0 ? { invalid } : {}),
      });
      events.push({ type: 'replace', source: file, objects });
    } catch (err) {
      const error: FileError =
        err instanceof LoadError
          ? {
              file,
              ...(err.document !== undefined ? { document: err.document } : {}),
              ...(err.line !== undefined ? { line: err.line } : {}),
              message: err.reason,
            }
          : { file, message: errorMessage(err) };
      state.set(file, { text: found.text, objects: before?.objects, error, warnings: before?.warnings ?? [] });
    }
  }

  for (const [file, entry] of previous) {
    if (scanned.has(file)) continue;
    state.delete(file);
    if (entry.objects !== undefined) events.push({ type: 'replace', source: file, objects: [] });
  }
  return { state, events, parsed };
}

export function fileErrors(state: DirectoryState): FileError[] {
  return [...state.values()].flatMap((entry) => [...(entry.error ? [entry.error] : []), ...(entry.invalid ?? [])]);
}

const identity = (kind: string, namespace: string | undefined, name: string): string =>
  `${kind}/${namespace ?? ''}/${name}`;

/** The versions last served of the objects now refused (an object new to the file has none). */
function lastGoodVersions(
  rejected: readonly RejectedObject[],
  before: readonly KubeObject[] | undefined,
): KubeObject[] {
  if (rejected.length === 0 || !before) return [];
  const refused = new Set(rejected.map((r) => identity(r.kind, r.namespace, r.name)));
  return before.filter((o) => refused.has(identity(o.kind, o.metadata.namespace || undefined, o.metadata.name)));
}

function invalidObjectErrors(rejected: RejectedObject): FileError[] {
  return rejected.problems.map((problem) => ({
    file: rejected.file,
    document: rejected.document,
    ...(problem.line !== undefined ? { line: problem.line } : {}),
    message: rejectionReason(rejected, problem.message),
  }));
}

export function fileWarnings(state: DirectoryState): string[] {
  return [...state.values()].flatMap((entry) => entry.warnings);
}
