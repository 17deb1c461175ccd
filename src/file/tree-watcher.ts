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
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { join } from 'node:path';

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
  nativeRecursive: boolean = NATIVE_RECURSIVE,
): TreeWatcher {
  const open = (dir: string, recursive: boolean, onError: (err: unknown) => void): FSWatcher => {
    const w = watch(dir, { recursive, persistent: false }, (_event, name) =>
      onChange(typeof name === 'string' && name !== '' ? join(dir, name) : undefined),
    );
    w.on('error', onError);
    return w;
  };

  const rootWatcher = open(root, nativeRecursive, (err) => {
    close();
    onFailed(err);
  });
  const subdirectories = new Map<string, FSWatcher>();
  let closed = false;

  function close(): void {
    if (closed) return;
    closed = true;
    rootWatcher.close();
    for (const w of subdirectories.values()) w.close();
    subdirectories.clear();
  }

  return {
    setDirectories(directories: readonly string[]): boolean {
      if (closed || nativeRecursive) return false;
      const wanted = new Set(directories);
      for (const [dir, w] of subdirectories) {
        if (wanted.has(dir)) continue;
        w.close();
        subdirectories.delete(dir);
      }
      let added = false;
      for (const dir of wanted) {
        if (subdirectories.has(dir)) continue;
        try {
          const w = open(dir, false, () => {
            // Removed or unreadable: forget it; a full scan finds out what is left.
            w.close();
            if (subdirectories.get(dir) === w) subdirectories.delete(dir);
            onChange(undefined);
          });
          subdirectories.set(dir, w);
          added = true;
        } catch {
          // Gone between the scan and now: the parent's watch reports it.
        }
      }
      return added;
    },
    close,
  };
}
