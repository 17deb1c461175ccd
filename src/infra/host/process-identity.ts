/**
 * Whether a process Portico recorded is still the Envoy it started. A pid alone proves nothing
 * (pids are reused), so an Envoy is recognised by three things together: the pid is alive, its
 * command line names the bootstrap file Portico wrote for it (`-c <path>`), and the admin
 * address in that bootstrap answers with the same config path and node.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { get } from 'node:http';

/** Alive and not a zombie (a dead child not yet reaped still has its pid). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else, so it is not an Envoy of ours either way.
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? processStateOf(pid) !== 'Z' : false;
  }
  return processStateOf(pid) !== 'Z';
}

/** The one-letter state from /proc (R, S, Z…); undefined where there is no /proc (macOS). */
function processStateOf(pid: number): string | undefined {
  try {
    // The command name in parentheses may itself hold spaces and parentheses: the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** The process's arguments, or undefined when it is gone. */
export function commandLineOf(pid: number): string[] | undefined {
  if (existsSync('/proc/self/cmdline')) {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        .split('\0')
        .filter((arg) => arg !== '');
    } catch {
      return undefined;
    }
  }
  try {
    // Without /proc, ps prints the arguments joined by spaces: enough to find `-c <path>`.
    const line = execFileSync('ps', ['-ww', '-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return line === '' ? undefined : line.split(' ');
  } catch {
    return undefined;
  }
}

/** The process `pid` runs with `-c bootstrapPath`. */
export function runsWithBootstrap(pid: number, bootstrapPath: string): boolean {
  const args = commandLineOf(pid);
  if (!args) return false;
  const at = args.indexOf('-c');
  return at >= 0 && args[at + 1] === bootstrapPath;
}

export interface AdminIdentity {
  configPath: string;
  nodeId: string;
  cluster: string;
  /** LIVE, PRE_INITIALIZING, INITIALIZING, DRAINING. */
  state: string;
}

/** What the Envoy admin API on 127.0.0.1:`port` says about itself; undefined if nothing answers. */
export function adminIdentity(port: number, timeoutMs = 2000): Promise<AdminIdentity | undefined> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/server_info', timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', () => resolve(undefined));
      res.on('end', () => {
        try {
          const info = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            state?: string;
            command_line_options?: { config_path?: string };
            node?: { id?: string; cluster?: string };
          };
          resolve({
            configPath: info.command_line_options?.config_path ?? '',
            nodeId: info.node?.id ?? '',
            cluster: info.node?.cluster ?? '',
            state: info.state ?? '',
          });
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}
