/**
 * The file provider: `portico serve --provider file --watch DIR`. Watches a directory of YAML and
 * emits, per file, the objects it holds (`replace` events keyed by the file's path), then `synced`
 * once the initial scan is done.
 *
 * A notification that names a file reads and parses just that file (reconciling the directory's
 * state still walks every known file, which is cheap next to I/O and parsing). `fs.watch` is
 * unreliable in what it reports (renames from atomic saves, events lost on some file systems, no
 * file name on some platforms), so a notification without a usable name, one naming a directory,
 * and a periodic timer trigger a full rescan; either way only files whose text changed are parsed
 * again. How the tree is watched: `tree-watcher.ts`.
 */
import { sep } from 'node:path';
import { Observable } from 'rxjs';
import type { ResourceEvent } from '../pipeline/resource-store.js';
import { silentLogger } from '../shared/logger.js';
import type { Logger } from '../shared/logger.js';
import { EMPTY_DIRECTORY_STATE, fileErrors, fileWarnings, reconcileFiles } from './file-objects.js';
import type { DirectoryState, FileError, ScannedFile } from './file-objects.js';
import { listManifestTree, readChangedFiles, rescanManifestFiles } from './yaml-files.js';
import type { FileStamp } from './yaml-files.js';
import { watchTree } from './tree-watcher.js';
import type { TreeWatcher } from './tree-watcher.js';

export interface FileProviderOptions {
  /** Periodic full rescan, in case a change notification was lost. 0 disables it. */
  rescanMs?: number;
  /** Coalesces the notifications of one save (editors write, rename and chmod). */
  settleMs?: number;
  /** Use `fs.watch`; off means rescans only. */
  watch?: boolean;
  logger?: Logger;
}

export const DEFAULT_RESCAN_MS = 5000;
export const DEFAULT_SETTLE_MS = 20;

export class FileProvider {
  private state: DirectoryState = EMPTY_DIRECTORY_STATE;
  private dirError: FileError | undefined;
  /** Modification time, size and text of each file at the last full rescan. */
  private stamps: ReadonlyMap<string, FileStamp> = new Map();
  /** Directories below the watched one, as the last full scan found them. */
  private directories: readonly string[] = [];
  private readonly logger: Logger;
  private readonly reportedErrors = new Map<string, string>();

  /**
   * Starts watching on subscription and stops on unsubscribe. Meant for one subscriber (the
   * pipeline); it never errors.
   */
  readonly events$: Observable<ResourceEvent>;

  constructor(
    readonly dir: string,
    private readonly options: FileProviderOptions = {},
  ) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'file', dir });
    this.events$ = new Observable<ResourceEvent>((subscriber) => this.run((event) => subscriber.next(event)));
  }

  /** Files that do not parse or cannot be read (their last good objects stay in service). */
  errors(): FileError[] {
    return [...(this.dirError ? [this.dirError] : []), ...fileErrors(this.state)];
  }

  /** Objects ignored because their kind is not supported yet, one message each. */
  warnings(): string[] {
    return fileWarnings(this.state);
  }

  /**
   * One scan: of the named files when given (falls back to a full scan when a name is not a plain
   * file), else of the whole directory. Resolves once its events have been emitted. Exposed for tests.
   */
  async scan(emit: (event: ResourceEvent) => void, changed?: ReadonlySet<string>): Promise<void> {
    if (changed && changed.size > 0) {
      const partial = await readChangedFiles(this.dir, changed);
      if (partial && !this.namesGoneDirectory(changed, partial)) {
        // Every other known file counts as unchanged: reconciling sees the same text and skips it.
        const scanned = new Map<string, ScannedFile>();
        for (const [file, entry] of this.state) if (!changed.has(file)) scanned.set(file, unchangedFile(entry));
        for (const [file, found] of partial) scanned.set(file, found);
        this.apply(scanned, emit);
        return;
      }
    }
    let scanned: Map<string, ScannedFile>;
    try {
      const tree = await listManifestTree(this.dir);
      const rescanned = await rescanManifestFiles(tree.files, this.stamps);
      scanned = rescanned.scanned;
      this.stamps = rescanned.stamps;
      this.directories = tree.directories;
      this.dirError = undefined;
    } catch (err) {
      // The directory itself is unreadable (or gone): keep serving what was last read.
      const message = `cannot read directory: ${(err as Error).message}`;
      if (this.dirError?.message !== message)
        this.logger.error('cannot read the watched directory', { error: message });
      this.dirError = { file: this.dir, message };
      return;
    }
    this.apply(scanned, emit);
  }

  /**
   * Whether a named path that no longer exists held known files: a directory moved or removed as a
   * whole, whose files the notification did not name one by one.
   */
  private namesGoneDirectory(changed: ReadonlySet<string>, found: ReadonlyMap<string, ScannedFile>): boolean {
    for (const path of changed) {
      if (found.has(path) || this.state.has(path)) continue;
      const prefix = path + sep;
      for (const file of this.state.keys()) if (file.startsWith(prefix)) return true;
    }
    return false;
  }

  private apply(scanned: ReadonlyMap<string, ScannedFile>, emit: (event: ResourceEvent) => void): void {
    const { state, events, parsed } = reconcileFiles(this.state, scanned);
    this.state = state;
    if (parsed.length > 0) this.logger.debug('read files', { files: parsed });
    this.logErrorChanges();
    for (const event of events) emit(event);
  }

  private run(emit: (event: ResourceEvent) => void): () => void {
    let stopped = false;
    let scanning = false;
    let again = false;
    let settleTimer: NodeJS.Timeout | undefined;
    let watcher: TreeWatcher | undefined;
    /** The watch failed once: whatever changed until it is back was not notified. */
    let watchLost = false;
    // Files named by notifications since the last scan; `full` when some notification named none.
    let pending = { full: true, files: new Set<string>() };

    const scanLoop = async (): Promise<void> => {
      scanning = true;
      do {
        again = false;
        const work = pending;
        pending = { full: false, files: new Set() };
        try {
          await this.scan(emit, work.full ? undefined : work.files);
        } catch (err) {
          this.logger.error('scan failed', { error: err });
        }
        const existing = watcher;
        if (!watcher && !stopped && this.options.watch !== false) {
          watcher = this.startWatcher(trigger, () => {
            watcher = undefined;
            watchLost = true;
          });
          if (watcher && watchLost) {
            // Back after a failure: what changed meanwhile was not notified.
            watchLost = false;
            pending.full = true;
            again = true;
          }
        }
        // A directory watched from now on may have had files written into it before: scan again.
        if (watcher?.setDirectories(this.directories) && existing) {
          pending.full = true;
          again = true;
        }
      } while (again && !stopped);
      scanning = false;
    };
    const trigger = (file?: string): void => {
      if (stopped) return;
      if (file === undefined) pending.full = true;
      else pending.files.add(file);
      clearTimeout(settleTimer);
      settleTimer = setTimeout(() => {
        if (scanning) again = true;
        else void scanLoop();
      }, this.options.settleMs ?? DEFAULT_SETTLE_MS);
    };

    void scanLoop().then(() => {
      if (!stopped) emit({ type: 'synced' });
    });
    const rescanMs = this.options.rescanMs ?? DEFAULT_RESCAN_MS;
    const rescanTimer = rescanMs > 0 ? setInterval(() => trigger(), rescanMs) : undefined;
    rescanTimer?.unref();

    return () => {
      stopped = true;
      clearTimeout(settleTimer);
      clearInterval(rescanTimer);
      watcher?.close();
    };
  }

  /** Watches the tree; undefined if it cannot (the directory does not exist yet, say). */
  private startWatcher(onChange: (file?: string) => void, onClosed: () => void): TreeWatcher | undefined {
    try {
      return watchTree(
        this.dir,
        onChange,
        (err) => {
          this.logger.warn('directory watch failed; relying on periodic rescans', { error: err });
          onClosed();
        },
        { warn: (msg, fields) => this.logger.warn(msg, fields) },
      );
    } catch (err) {
      this.logger.debug('cannot watch the directory yet', { error: err });
      return undefined;
    }
  }

  /**
   * A broken file (or a file with refused objects) is logged once when it breaks, and again if its
   * errors change, not on every rescan.
   */
  private logErrorChanges(): void {
    const current = new Map<string, FileError[]>();
    for (const error of fileErrors(this.state)) current.set(error.file, [...(current.get(error.file) ?? []), error]);
    for (const [file, errors] of current) {
      const text = JSON.stringify(errors);
      if (this.reportedErrors.get(file) === text) continue;
      for (const error of errors) {
        this.logger.error('cannot load file; its last good objects stay in service', {
          file: error.file,
          ...(error.document !== undefined ? { document: error.document } : {}),
          ...(error.line !== undefined ? { line: error.line } : {}),
          error: error.message,
        });
      }
    }
    for (const file of this.reportedErrors.keys()) {
      if (!current.has(file)) this.logger.info('file loads again', { file });
    }
    this.reportedErrors.clear();
    for (const [file, errors] of current) this.reportedErrors.set(file, JSON.stringify(errors));
  }
}

/** A known file as a scan would find it if it did not change (a read error stays an error). */
function unchangedFile(entry: { text: string | undefined; error?: FileError }): ScannedFile {
  if (entry.text !== undefined) return { text: entry.text };
  return { readError: (entry.error?.message ?? 'unreadable').replace(/^cannot read file: /, '') };
}
