import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import { HostEnvoyLauncher } from '../../src/infra/host/envoy-launcher.js';
import type { SpawnFunction } from '../../src/infra/host/envoy-launcher.js';

/** Just enough of a ChildProcess for the supervisor. */
class FakeChild extends EventEmitter {
  static nextPid = 1000;
  readonly pid = FakeChild.nextPid++;
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly signals: string[] = [];

  constructor(readonly args: readonly string[]) {
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

describe('HostEnvoyLauncher', () => {
  let workDir: string;
  let children: FakeChild[];
  let launcher: HostEnvoyLauncher;
  beforeEach(() => {
    workDir = mkdtempSync(join(tmpdir(), 'portico-launcher-'));
    children = [];
    const spawn: SpawnFunction = (_command, args) => {
      const child = new FakeChild(args);
      children.push(child);
      return child as unknown as ChildProcess;
    };
    launcher = new HostEnvoyLauncher({
      envoyBin: '/bin/envoy',
      xds: { host: '127.0.0.1', port: 18000 },
      workDir,
      adminPortBase: 19901,
      baseIdBase: 500,
      spawn,
      backoff: { initialMs: 10, maxMs: 40, resetAfterMs: 10_000 },
    });
  });
  afterEach(async () => {
    await launcher.stopAll();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('starts one Envoy per Gateway with its own bootstrap, admin port and base id', () => {
    launcher.sync(['default/b', 'default/a']);
    expect(children.map((c) => [c.arg('-c'), c.arg('--base-id')])).toEqual([
      [join(workDir, 'default_a.json'), '500'],
      [join(workDir, 'default_b.json'), '501'],
    ]);
    const bootstrap = JSON.parse(readFileSync(join(workDir, 'default_b.json'), 'utf8'));
    expect(bootstrap.node.cluster).toBe('default/b');
    expect(bootstrap.node.id).toMatch(/^default\/b\/.+-1$/);
    expect(bootstrap.admin.address.socket_address.port_value).toBe(19902);
    expect(launcher.running().map((r) => [r.gateway, r.adminPort])).toEqual([
      ['default/a', 19901],
      ['default/b', 19902],
    ]);

    launcher.sync(['default/a', 'default/b']); // no change: nothing new
    expect(children).toHaveLength(2);
  });

  it('restarts a dead Envoy with backoff and a fresh base id', async () => {
    launcher.sync(['default/a']);
    children[0]!.die(1);
    expect(children).toHaveLength(1);
    await tick(30);
    expect(children).toHaveLength(2);
    expect(children[1]!.arg('--base-id')).toBe('501');
    expect(launcher.running()[0]!.restarts).toBe(1);
  });

  it('stops the Envoy of a Gateway that went away, and reuses its slot', async () => {
    launcher.sync(['default/a', 'default/b']);
    launcher.sync(['default/b']);
    await tick();
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
    launcher.sync(['default/c']);
    expect(children).toHaveLength(2);
  });
});
