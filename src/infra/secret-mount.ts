/**
 * Directories laid out, and watched, like a Kubernetes Secret volume mount.
 *
 * The kubelet writes a Secret's files into a new hidden directory, points the symlink `..data` at
 * it with one rename, and shows each key as a symlink `<key> -> ..data/<key>`: a reader never sees
 * a certificate of one version with the key of another. `writeSecretMount` does the same on the
 * host (standalone mode, `portico certgen --out-dir`), so the certificates Portico and Envoy read
 * change at once, the same way in a cluster and on a laptop.
 *
 * `watchSecretMount` tells when the files of such a directory changed: the directory is watched
 * (the `..data` swap renames in it) and, since a watch can miss events (some volume types, a
 * directory created later), also read again every `pollMs`. Only a change of content is reported.
 */
import { createHash } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  watch,
  writeFileSync,
  type FSWatcher,
} from 'node:fs';
import { join } from 'node:path';

/** Files whose name ends in `.key` are written readable by the owner only. */
function modeOf(name: string): number {
  return name.endsWith('.key') ? 0o600 : 0o644;
}

/**
 * Writes `files` (name → content) into `dir` as one new version and swaps it in with one rename.
 * Names of the previous version that `files` lacks are removed afterwards. Plain files left by an
 * older layout are replaced by the symlinks (each with one rename).
 */
export function writeSecretMount(dir: string, files: Readonly<Record<string, string>>): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const version = `..${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  mkdirSync(join(dir, version), { mode: 0o700 });
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, version, name), content, { mode: modeOf(name) });
  }
  let previous: string | undefined;
  try {
    previous = readlinkSync(join(dir, '..data'));
  } catch {
    previous = undefined;
  }
  rmSync(join(dir, '..data_tmp'), { force: true });
  symlinkSync(version, join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  for (const name of Object.keys(files)) {
    const path = join(dir, name);
    if (isLinkTo(path, join('..data', name))) continue;
    const tmp = join(dir, `..${name}_tmp`);
    rmSync(tmp, { force: true });
    symlinkSync(join('..data', name), tmp);
    renameSync(tmp, path);
  }
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('..') || Object.hasOwn(files, entry)) continue;
    // Only what this layout made: a key of an earlier version (a dangling symlink now).
    if (isLinkTo(join(dir, entry), join('..data', entry))) rmSync(join(dir, entry), { force: true });
  }
  if (previous && previous !== version && previous.startsWith('..')) {
    rmSync(join(dir, previous), { recursive: true, force: true });
  }
}

function isLinkTo(path: string, target: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink() && readlinkSync(path) === target;
  } catch {
    return false;
  }
}

export interface SecretMountWatch {
  close(): void;
}

export interface WatchOptions {
  /** Read again this often even without a notification (default 10 s). */
  pollMs?: number;
  /** Wait this long after a notification before reading (a write is several events; default 100 ms). */
  settleMs?: number;
}

/**
 * Calls `onChange` each time the content of `names` in `dir` differs from the last it saw (the
 * content at the call is the first seen). A missing file counts as content too.
 */
export function watchSecretMount(
  dir: string,
  names: readonly string[],
  onChange: () => void,
  options: WatchOptions = {},
): SecretMountWatch {
  const fingerprint = (): string => {
    const hash = createHash('sha256');
    for (const name of names) {
      hash.update(name).update('\0');
      try {
        hash.update(readFileSync(join(dir, name)));
      } catch {
        hash.update('\0missing');
      }
      hash.update('\0');
    }
    return hash.digest('hex');
  };
  let last = fingerprint();
  let settle: NodeJS.Timeout | undefined;
  let closed = false;
  const check = (): void => {
    if (closed) return;
    const now = fingerprint();
    if (now === last) return;
    last = now;
    onChange();
  };
  const notified = (): void => {
    clearTimeout(settle);
    settle = setTimeout(check, options.settleMs ?? 100);
    settle.unref();
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { persistent: false }, notified);
    // A watch that fails later (the directory removed) leaves the polling.
    watcher.on('error', () => watcher?.close());
  } catch {
    watcher = undefined;
  }
  const poll = setInterval(check, options.pollMs ?? 10_000);
  poll.unref();
  return {
    close: () => {
      closed = true;
      clearTimeout(settle);
      clearInterval(poll);
      watcher?.close();
    },
  };
}
