/**
 * `portico serve` as a user runs it: a separate process (bin/portico.js), so that a test can
 * `kill -9` it, and a view of the Envoy processes it left on the machine (read from /proc, not
 * from Portico, which may be dead).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { waitFor } from './envoy-ads.js';

/** bin/portico.js, from the compiled location dist/test/support/. */
const PORTICO_BIN = fileURLToPath(new URL('../../../bin/portico.js', import.meta.url));

export class PorticoProcess {
  readonly logs: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    let partial = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      this.logs.push(...lines);
    });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.logs.push(chunk));
  }

  /** Starts `portico serve ARGS` with `env` added to this process's environment. */
  static start(args: readonly string[], env: Record<string, string> = {}): PorticoProcess {
    const child = spawn(process.execPath, [PORTICO_BIN, 'serve', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new PorticoProcess(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The debug server's port, from the `serving` log line (`--log-level info`). */
  async debugPort(): Promise<number> {
    return waitFor(
      () => {
        if (this.child.exitCode !== null) throw new Error(`portico exited:\n${this.logs.join('\n')}`);
        for (const line of this.logs) {
          if (!line.includes('"msg":"serving"')) continue;
          return (JSON.parse(line) as { debug: { port: number } }).debug.port;
        }
        return undefined;
      },
      { timeoutMs: 30_000, what: 'portico to log "serving"' },
    );
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

export interface EnvoyProcess {
  pid: number;
  cmdline: string[];
}

/**
 * Live Envoy processes (not zombies) whose bootstrap (`-c`) lies under `dir`: the test gives
 * Portico a TMPDIR of its own, so these are the Envoys this Portico started.
 */
export function envoysConfiguredUnder(dir: string): EnvoyProcess[] {
  const out: EnvoyProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string[];
    let state: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      state = /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${entry}/stat`, 'utf8'))?.[1] ?? '';
    } catch {
      continue; // gone meanwhile
    }
    if (state === 'Z' || !cmdline[0]?.endsWith('envoy')) continue;
    const config = cmdline[cmdline.indexOf('-c') + 1];
    if (cmdline.includes('-c') && config?.startsWith(dir)) out.push({ pid: Number(entry), cmdline });
  }
  return out;
}
