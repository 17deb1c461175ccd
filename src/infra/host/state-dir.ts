/**
 * Where standalone Portico keeps what must outlive it: for each local Envoy its bootstrap, a
 * record (pid, admin port, slot) and its log; and for Portico itself its pid and the xDS address
 * its Envoys connect to. A restarted Portico reads them to adopt the Envoys that kept serving
 * (src/infra/host/envoy-launcher.ts) and to listen where they reconnect.
 *
 * One directory per watched directory and listener address (two Porticos serving different
 * directories never share one), by default `$TMPDIR/portico-standalone-<hash>`; created private
 * (0700) and refused if it is not a directory of this user's that only this user can write, since the bootstraps it holds are
 * what Envoy runs. A graceful stop removes it; a kill leaves it for the next start to find.
 *
 * The Portico serving from a directory holds its lock (state-dir-lock.ts) from opening it to its
 * last breath: a second Portico started at the same moment is refused before it binds anything.
 */
import { createHash } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { HostPort } from '../bootstrap.js';
import type { GatewayKey } from '../../xds/contract.js';
import { lockStateDir } from './state-dir-lock.js';
import type { StateDirLock } from './state-dir-lock.js';

const PORTICO_FILE = 'portico.json';
const RECORD_SUFFIX = '.envoy.json';

/** What Portico writes about itself. */
interface PorticoRecord {
  pid: number;
  /** Where the Envoys connect (the bootstraps name it). */
  xds: HostPort;
}

/** What the launcher writes about each Envoy it runs. */
export interface EnvoyRecord {
  gateway: GatewayKey;
  pid: number;
  slot: number;
  adminPort: number;
  nodeId: string;
  bootstrapPath: string;
}

/** The files of one Gateway's Envoy. */
export interface EnvoyFiles {
  bootstrap: string;
  record: string;
  log: string;
}

export function defaultStateDir(watchDir: string, listenerAddress: string): string {
  let watched: string;
  try {
    watched = realpathSync(watchDir);
  } catch {
    watched = resolve(watchDir);
  }
  const key = createHash('sha256')
    .update(`${watched}\0${listenerAddress}\0${process.getuid?.() ?? ''}`)
    .digest('hex')
    .slice(0, 16);
  return join(tmpdir(), `portico-standalone-${key}`);
}

export class StateDir {
  private constructor(
    readonly path: string,
    private readonly previous: PorticoRecord | undefined,
    private readonly lock: StateDirLock | undefined,
  ) {}

  /**
   * Creates or opens the directory as the Portico serving from it, and holds its lock until
   * `release` (or the process ends). Throws if it is not a directory only this user can write,
   * or (StateDirBusyError) if another live Portico holds it.
   */
  static async open(path: string): Promise<StateDir> {
    StateDir.prepare(path);
    const lock = await lockStateDir(path);
    return new StateDir(path, readJson<PorticoRecord>(join(path, PORTICO_FILE)), lock);
  }

  /** The directory as the Envoy launcher uses it: its Envoys' files only. */
  static at(path: string): StateDir {
    StateDir.prepare(path);
    return new StateDir(path, undefined, undefined);
  }

  private static prepare(path: string): void {
    mkdirSync(path, { recursive: true, mode: 0o700 });
    const stat = lstatSync(path);
    const uid = process.getuid?.();
    if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid) || (stat.mode & 0o022) !== 0) {
      throw new Error(
        `state directory ${path} must be a directory of this user's that nobody else can write to; remove it or pass --state-dir`,
      );
    }
  }

  /** The xDS address the last Portico here served on (its Envoys reconnect there). */
  previousXds(): HostPort | undefined {
    const xds = this.previous?.xds;
    return xds && typeof xds.host === 'string' && Number.isInteger(xds.port) ? xds : undefined;
  }

  /** Records this Portico as the directory's holder, serving xDS at `xds`. */
  claim(xds: HostPort): void {
    writeAtomically(join(this.path, PORTICO_FILE), JSON.stringify({ pid: process.pid, xds } satisfies PorticoRecord));
  }

  filesOf(gateway: GatewayKey): EnvoyFiles {
    // Namespaces and names are DNS labels and subdomains: they hold no '_'.
    const base = join(this.path, gateway.replace('/', '_'));
    return { bootstrap: `${base}.bootstrap.json`, record: `${base}${RECORD_SUFFIX}`, log: `${base}.log` };
  }

  writeRecord(record: EnvoyRecord): void {
    writeAtomically(this.filesOf(record.gateway).record, JSON.stringify(record));
  }

  /** Writes the bootstrap file (atomically: an Envoy started meanwhile never reads half of one). */
  writeBootstrap(gateway: GatewayKey, content: string): string {
    const path = this.filesOf(gateway).bootstrap;
    writeAtomically(path, content);
    return path;
  }

  readBootstrap(gateway: GatewayKey): string | undefined {
    try {
      return readFileSync(this.filesOf(gateway).bootstrap, 'utf8');
    } catch {
      return undefined;
    }
  }

  /** Every Envoy record left here (by this Portico or one before it). */
  records(): EnvoyRecord[] {
    const out: EnvoyRecord[] = [];
    for (const name of readdirSync(this.path)) {
      if (!name.endsWith(RECORD_SUFFIX)) continue;
      const record = readJson<EnvoyRecord>(join(this.path, name));
      if (
        record &&
        typeof record.gateway === 'string' &&
        Number.isInteger(record.pid) &&
        Number.isInteger(record.slot) &&
        Number.isInteger(record.adminPort) &&
        typeof record.bootstrapPath === 'string'
      ) {
        out.push(record);
      } else {
        rmSync(join(this.path, name), { force: true });
      }
    }
    return out;
  }

  removeEnvoyFiles(gateway: GatewayKey): void {
    for (const path of Object.values(this.filesOf(gateway))) rmSync(path, { force: true });
  }

  /**
   * Removes Portico's record and the directory itself, and lets the next Portico in. Files of
   * Envoys still running (there should be none after a graceful stop) are left, and with them the
   * directory. Returns the names left behind.
   */
  async remove(): Promise<string[]> {
    rmSync(join(this.path, PORTICO_FILE), { force: true });
    for (const name of readdirSync(this.path)) {
      // A write interrupted by a kill.
      if (name.endsWith('.tmp')) rmSync(join(this.path, name), { force: true });
    }
    const left = readdirSync(this.path).filter((name) => join(this.path, name) !== this.lock?.file);
    if (left.length > 0 || !this.lock?.file) {
      // Removed while the lock is held: a Portico starting now never finds its directory half gone.
      if (left.length === 0) rmdirSync(this.path);
      await this.release();
      return left;
    }
    // The lock is a file in the directory: released first. A Portico that took the directory
    // meanwhile keeps it (its lock file is in it; rmdir fails).
    await this.release();
    try {
      rmdirSync(this.path);
    } catch {
      // Taken over, or removed: the directory is not ours any more.
    }
    return [];
  }

  /** Lets the next Portico in (idempotent). */
  release(): Promise<void> {
    return this.lock?.release() ?? Promise.resolve();
  }
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function writeAtomically(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 });
  renameSync(temporary, path);
}
