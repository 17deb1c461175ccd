/**
 * Change notifications for a directory tree, naming the path that changed when the platform says.
 *
 * `fs.watch(dir, { recursive: true })` is native on macOS and Windows. On Linux, Node 20 emulates
 * it in JavaScript: one inotify watch per file, and a `readdirSync` of the whole directory on every
 * event. With 3,000 manifests that cost about 12 ms of the main thread per saved file, and used
 * 3,000 of the user's inotify watches (`fs.inotify.max_user_watches`). There this module opens one
 * native watch per directory instead; the file provider tells it, after each full scan, which
 * directories the tree has.
 */
import { statSync, watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { basename, join } from 'node:path';

export interface TreeWatcher {
  /**
   * The directories below the root that exist now (found by a full scan). Returns true when it
   * began watching one it did not watch before: what was written there before the watch began was
   * not notified, so the caller scans again.
   */
  setDirectories(directories: readonly string[]): boolean;
  close(): void;
}

/** Where `fs.watch` watches a tree natively. */
const NATIVE_RECURSIVE = process.platform === 'darwin' || process.platform === 'win32';

/**
 * Watches `root`. `onChange` gets the changed path, or undefined when a notification named none (or
 * a watched subdirectory went away): the caller then scans everything. `onFailed` means the root's
 * watch is gone. Throws if the root cannot be watched (it does not exist yet, say).
 */
export function watchTree(
  root: string,
  onChange: (path?: string) => void,
  onFailed: (err: unknown) => void,
  options: { nativeRecursive?: boolean; warn?: (msg: string, fields: Record<string, unknown>) => void } = {},
): TreeWatcher {
  const nativeRecursive = options.nativeRecursive ?? NATIVE_RECURSIVE;
  /** `onGone`: the watched directory itself was removed or moved (Linux reports it under its own name). */
  const open = (dir: string, recursive: boolean, onError: (err: unknown) => void, onGone?: () => void): FSWatcher => {
    const own = basename(dir);
    const w = watch(dir, { recursive, persistent: false }, (event, name) => {
      if (onGone && event === 'rename' && name === own) return onGone();
      onChange(typeof name === 'string' && name !== '' ? join(dir, name) : undefined);
    });
    w.on('error', onError);
    return w;
  };

  const rootWatcher = open(root, nativeRecursive, (err) => {
    close();
    onFailed(err);
  });
  /** Each watched subdirectory, with the inode it had: a directory replaced at the same path needs a new watch. */
  const subdirectories = new Map<string, { watcher: FSWatcher; inode: string }>();
  const inodeOf = (dir: string): string | undefined => {
    try {
      const info = statSync(dir);
      return `${info.dev}:${info.ino}`;
    } catch {
      return undefined;
    }
  };
  let closed = false;

  function close(): void {
    if (closed) return;
    closed = true;
    rootWatcher.close();
    for (const { watcher } of subdirectories.values()) watcher.close();
    subdirectories.clear();
  }

  return {
    setDirectories(directories: readonly string[]): boolean {
      if (closed || nativeRecursive) return false;
      const wanted = new Map<string, string | undefined>(directories.map((dir) => [dir, inodeOf(dir)]));
      for (const [dir, entry] of subdirectories) {
        // Gone, or another directory now at this path (removed and made again, or moved onto it):
        // the old watch follows the old inode and would report nothing more here.
        if (wanted.has(dir) && wanted.get(dir) === entry.inode) continue;
        entry.watcher.close();
        subdirectories.delete(dir);
      }
      let added = false;
      for (const [dir, inode] of wanted) {
        if (subdirectories.has(dir) || inode === undefined) continue;
        try {
          // Removed, moved or unreadable: forget it; a full scan finds out what is left (and watches
          // a directory made again at this path; Linux may give it the same inode). A child
          // that happens to share the directory's name only costs that scan.
          const forget = (): void => {
            watcher.close();
            if (subdirectories.get(dir)?.watcher === watcher) subdirectories.delete(dir);
            onChange(undefined);
          };
          const watcher = open(dir, false, forget, forget);
          subdirectories.set(dir, { watcher, inode });
          added = true;
        } catch (err) {
          // Gone between the scan and now (the parent's watch reports it), or out of watches.
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
            options.warn?.('cannot watch a directory; its changes show at the next periodic rescan', {
              dir,
              error: (err as Error).message,
            });
          }
        }
      }
      return added;
    },
    close,
  };
}
