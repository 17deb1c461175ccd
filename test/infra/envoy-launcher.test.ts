import { EventEmitter } from 'node:events';
import { spawn as spawnProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { HostEnvoyLauncher, identifyEnvoy } from '../../src/infra/host/envoy-launcher.js';
import type { EnvoyIdentity, HostEnvoyOptions, SpawnFunction } from '../../src/infra/host/envoy-launcher.js';
import { isRunning } from '../../src/infra/host/process-identity.js';
import { StateDir } from '../../src/infra/host/state-dir.js';

/** Just enough of a ChildProcess for the supervisor. */
class FakeChild extends EventEmitter {
  static nextPid = 1000;
  readonly pid = FakeChild.nextPid++;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly signals: string[] = [];

  constructor(
    readonly args: readonly string[],
    readonly options: Record<string, unknown>,
  ) {
    super();
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    this.signals.push(signal);
    setImmediate(() => this.die(null, signal));
    return true;
  }

  die(code: number | null, signal: NodeJS.Signals | null = null): void {
    if (this.exitCode !== null || this.signalCode !== null) return;
    this.exitCode = code;
    this.signalCode = signal;
    this.emit('exit', code, signal);
  }

  arg(name: string): string | undefined {
    const i = this.args.indexOf(name);
    return i < 0 ? undefined : this.args[i + 1];
  }
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await tick(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('HostEnvoyLauncher', () => {
  let workDir: string;
  let children: FakeChild[];
  let launcher: HostEnvoyLauncher;
  const fakeSpawn: SpawnFunction = (_command, args, options) => {
    const child = new FakeChild(args, options as Record<string, unknown>);
    children.push(child);
    return child as unknown as ChildProcess;
  };
  const options = (more: Partial<HostEnvoyOptions> = {}): HostEnvoyOptions => ({
    envoyBin: '/bin/envoy',
    xds: { host: '127.0.0.1', port: 18000 },
    workDir,
    adminPortBase: 19901,
    spawn: fakeSpawn,
    backoff: { initialMs: 10, maxMs: 40, resetAfterMs: 10_000 },
    ...more,
  });
  beforeEach(() => {
    workDir = join(mkdtempSync(join(tmpdir(), 'portico-launcher-')), 'state');
    children = [];
    launcher = new HostEnvoyLauncher(options());
  });
  afterEach(async () => {
    await launcher.stopAll();
    rmSync(join(workDir, '..'), { recursive: true, force: true });
  });

  it('starts one Envoy per Gateway with its own bootstrap and admin port, outside Portico’s process group', () => {
    launcher.sync(['default/b', 'default/a']);
    expect(children.map((c) => c.arg('-c'))).toEqual([
      join(workDir, 'default_a.bootstrap.json'),
      join(workDir, 'default_b.bootstrap.json'),
    ]);
    for (const child of children) {
      // Hot restart would have the kernel stop Envoy when Portico dies (PR_SET_PDEATHSIG).
      expect(child.args).toContain('--disable-hot-restart');
      expect(child.options.detached).toBe(true);
    }
    const bootstrap = JSON.parse(readFileSync(join(workDir, 'default_b.bootstrap.json'), 'utf8'));
    expect(bootstrap.node.cluster).toBe('default/b');
    expect(bootstrap.node.id).toMatch(/^default\/b\/.+-1$/);
    expect(bootstrap.admin.address.socket_address.port_value).toBe(19902);
    expect(launcher.running().map((r) => [r.gateway, r.adminPort, r.adopted])).toEqual([
      ['default/a', 19901, false],
      ['default/b', 19902, false],
    ]);
    const record = JSON.parse(readFileSync(join(workDir, 'default_b.envoy.json'), 'utf8'));
    expect(record).toMatchObject({ gateway: 'default/b', pid: children[1]!.pid, slot: 1, adminPort: 19902 });

    launcher.sync(['default/a', 'default/b']); // no change: nothing new
    expect(children).toHaveLength(2);
  });

  it('restarts a dead Envoy with backoff', async () => {
    launcher.sync(['default/a']);
    children[0]!.die(1);
    expect(children).toHaveLength(1);
    await tick(30);
    expect(children).toHaveLength(2);
    expect(launcher.running()[0]!.restarts).toBe(1);
    expect(JSON.parse(readFileSync(join(workDir, 'default_a.envoy.json'), 'utf8')).pid).toBe(children[1]!.pid);
  });

  it('stops the Envoy of a Gateway that went away, removes its files, and reuses its slot', async () => {
    launcher.sync(['default/a', 'default/b']);
    launcher.sync(['default/b']);
    await until(() => !existsSync(join(workDir, 'default_a.envoy.json')), 'the files of default/a to go');
    expect(children[0]!.signals).toEqual(['SIGTERM']);
    launcher.sync(['default/b', 'default/c']);
    expect(launcher.running().find((r) => r.gateway === 'default/c')?.adminPort).toBe(19901);
    await tick(30);
    expect(children).toHaveLength(3); // the stopped one was not restarted
  });

  it('stops every Envoy on stopAll and starts none afterwards', async () => {
    launcher.sync(['default/a', 'default/b']);
    await launcher.stopAll();
    expect(children.map((c) => c.signals)).toEqual([['SIGTERM'], ['SIGTERM']]);
    expect(readdirSync(workDir)).toEqual([]);
    launcher.sync(['default/c']);
    expect(children).toHaveLength(2);
  });

  describe('after a Portico that was killed', () => {
    /** Processes that stand in for Envoy: they run with the arguments Envoy would get. */
    const standIns: ChildProcess[] = [];
    const standInSpawn: SpawnFunction = (_command, args, spawnOptions) => {
      const child = spawnProcess(process.execPath, ['-e', 'setInterval(() => {}, 1000)', '--', ...args], spawnOptions);
      standIns.push(child);
      return child;
    };
    afterEach(() => {
      for (const child of standIns.splice(0)) child.kill('SIGKILL');
    });

    /** A first launcher starts `gateways`, then its Portico "dies": the processes and files stay. */
    async function leftBehind(gateways: string[], more: Partial<HostEnvoyOptions> = {}): Promise<number[]> {
      const first = new HostEnvoyLauncher(options({ spawn: standInSpawn, ...more }));
      first.sync(gateways);
      first.release();
      await launcher.stopAll(); // the one beforeEach made is not used here
      return standIns.map((c) => c.pid!);
    }

    const ours = async (): Promise<EnvoyIdentity> => 'ours';

    it('adopts the Envoys still wanted with the same bootstrap, and starts no second one', async () => {
      const pids = await leftBehind(['default/a', 'default/b']);
      launcher = new HostEnvoyLauncher(options({ identify: ours }));
      await launcher.recover();
      launcher.sync(['default/b', 'default/a', 'default/c']);
      expect(children.map((c) => c.arg('-c'))).toEqual([join(workDir, 'default_c.bootstrap.json')]);
      expect(launcher.running().map((r) => [r.gateway, r.pid, r.adminPort, r.adopted])).toEqual([
        ['default/a', pids[0], 19901, true],
        ['default/b', pids[1], 19902, true],
        ['default/c', children[0]!.pid, 19903, false],
      ]);
      // A graceful stop stops the adopted ones too, and leaves no file.
      await launcher.stopAll();
      expect(pids.filter(isRunning)).toEqual([]);
      expect(readdirSync(workDir)).toEqual([]);
    });

    it('restarts an adopted Envoy that dies', async () => {
      const [pid] = await leftBehind(['default/a']);
      launcher = new HostEnvoyLauncher(options({ identify: ours }));
      await launcher.recover();
      launcher.sync(['default/a']);
      expect(children).toHaveLength(0);
      process.kill(pid!, 'SIGKILL');
      await until(() => children.length === 1, 'a new Envoy');
      expect(launcher.running()[0]).toMatchObject({ pid: children[0]!.pid, adopted: false, restarts: 1 });
    });

    it('stops an Envoy whose Gateway was deleted while Portico was away', async () => {
      const [a, b] = await leftBehind(['default/a', 'default/b']);
      launcher = new HostEnvoyLauncher(options({ identify: ours }));
      await launcher.recover();
      launcher.sync(['default/b']);
      await until(() => !isRunning(a!), 'the Envoy of default/a to stop');
      await until(() => !existsSync(join(workDir, 'default_a.envoy.json')), 'its files to go');
      expect(isRunning(b!)).toBe(true);
      expect(children).toHaveLength(0);
    });

    it('replaces an Envoy whose bootstrap changed (another xDS port)', async () => {
      const [pid] = await leftBehind(['default/a'], { xds: { host: '127.0.0.1', port: 18001 } });
      launcher = new HostEnvoyLauncher(options({ identify: ours }));
      await launcher.recover();
      launcher.sync(['default/a']);
      await until(() => children.length === 1, 'the replacement');
      expect(isRunning(pid!)).toBe(false);
      const bootstrap = readFileSync(join(workDir, 'default_a.bootstrap.json'), 'utf8');
      expect(bootstrap).toContain('18000');
    });

    it('never signals a recorded pid that is not the recorded Envoy any more', async () => {
      const [pid] = await leftBehind(['default/a']);
      // The record now names a process running without that bootstrap (a reused pid).
      const state = StateDir.at(workDir);
      const [record] = state.records();
      state.writeRecord({ ...record!, bootstrapPath: join(workDir, 'elsewhere.json') });
      launcher = new HostEnvoyLauncher(options());
      expect(await identifyEnvoy(state.records()[0]!)).toBe('gone');
      await launcher.recover();
      launcher.sync([]);
      await launcher.stopAll();
      expect(isRunning(pid!)).toBe(true);
      expect(existsSync(join(workDir, 'default_a.envoy.json'))).toBe(false);
    });
  });
});
