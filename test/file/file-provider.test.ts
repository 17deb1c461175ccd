import { mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileProvider } from '../../src/file/file-provider.js';
import { rescanManifestFiles } from '../../src/file/yaml-files.js';
import type { ResourceEvent } from '../../src/pipeline/resource-store.js';

const serviceYaml = (name: string): string => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  ports: [{ port: 80 }]
`;

/** Resolves when `predicate` holds, polling; fails after a few seconds with what was seen. */
async function until(predicate: () => boolean, describe: () => unknown): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out; saw ${JSON.stringify(describe())}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Subscribes to the provider; `seen` lists each event as `<file>:<object count>` (or its type). */
function follow(provider: FileProvider): {
  events: ResourceEvent[];
  seen: () => string[];
  subscription: { unsubscribe(): void };
} {
  const events: ResourceEvent[] = [];
  const subscription = provider.events$.subscribe((e) => events.push(e));
  const seen = (): string[] => events.map((e) => (e.type === 'replace' ? `${e.source}:${e.objects.length}` : e.type));
  return { events, seen, subscription };
}

const routeYaml = (backendField: string, port: number): string => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  parentRefs:
    - name: gw
  rules:
    - ${backendField}:
        - name: web
          port: ${port}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports: [{ port: ${port} }]
`;

describe('FileProvider', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'portico-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('emits per-file objects, then synced, then follows edits, parse errors and deletions', async () => {
    writeFileSync(join(dir, 'a.yaml'), serviceYaml('a'));
    mkdirSync(join(dir, 'nested'));
    writeFileSync(join(dir, 'nested', 'b.yml'), serviceYaml('b'));
    writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
    writeFileSync(join(dir, '.hidden.yaml'), 'ignored: [');

    const provider = new FileProvider(dir, { rescanMs: 50, settleMs: 5 });
    const events: ResourceEvent[] = [];
    const subscription = provider.events$.subscribe((e) => events.push(e));
    try {
      await until(
        () => events.some((e) => e.type === 'synced'),
        () => events,
      );
      expect(events.map((e) => (e.type === 'replace' ? `${e.source}:${e.objects.length}` : e.type))).toEqual([
        `${join(dir, 'a.yaml')}:1`,
        `${join(dir, 'nested', 'b.yml')}:1`,
        'synced',
      ]);
      events.length = 0;

      // A broken edit: reported with file, document and line; nothing is removed.
      writeFileSync(join(dir, 'a.yaml'), `${serviceYaml('a')}  extra: [\n`);
      await until(
        () => provider.errors().length > 0,
        () => provider.errors(),
      );
      expect(provider.errors()).toEqual([
        { file: join(dir, 'a.yaml'), document: 1, line: expect.any(Number), message: expect.stringMatching(/YAML/) },
      ]);
      expect(events).toEqual([]);

      // Fixed: the new objects replace the old ones and the error is gone.
      writeFileSync(join(dir, 'a.yaml'), serviceYaml('a2'));
      await until(
        () => events.length > 0,
        () => events,
      );
      expect(events[0]).toMatchObject({ type: 'replace', objects: [{ metadata: { name: 'a2' } }] });
      expect(provider.errors()).toEqual([]);
      events.length = 0;

      unlinkSync(join(dir, 'nested', 'b.yml'));
      await until(
        () => events.length > 0,
        () => events,
      );
      expect(events).toEqual([{ type: 'replace', source: join(dir, 'nested', 'b.yml'), objects: [] }]);
    } finally {
      subscription.unsubscribe();
    }
  });

  it('re-reads only the files a notification names, and treats a named file that is gone as deleted', async () => {
    writeFileSync(join(dir, 'a.yaml'), serviceYaml('a'));
    writeFileSync(join(dir, 'b.yaml'), serviceYaml('b'));
    const provider = new FileProvider(dir, { watch: false, rescanMs: 0 });
    const events: ResourceEvent[] = [];
    await provider.scan((e) => events.push(e));
    expect(events.map((e) => (e.type === 'replace' ? e.source : e.type))).toEqual([
      join(dir, 'a.yaml'),
      join(dir, 'b.yaml'),
    ]);

    events.length = 0;
    writeFileSync(join(dir, 'a.yaml'), serviceYaml('a2'));
    writeFileSync(join(dir, 'b.yaml'), serviceYaml('b2'));
    await provider.scan((e) => events.push(e), new Set([join(dir, 'a.yaml')]));
    // Only a.yaml was named, so b.yaml's change waits for a notification or a full rescan.
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'replace', source: join(dir, 'a.yaml') });

    events.length = 0;
    unlinkSync(join(dir, 'a.yaml'));
    await provider.scan((e) => events.push(e), new Set([join(dir, 'a.yaml')]));
    expect(events).toEqual([{ type: 'replace', source: join(dir, 'a.yaml'), objects: [] }]);

    events.length = 0;
    await provider.scan((e) => events.push(e));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'replace', source: join(dir, 'b.yaml') });
  });

  it('follows a named file in a directory whose own path has a dot-segment, and skips hidden files in it', async () => {
    const parent = mkdtempSync(join(tmpdir(), '.portico-dot-'));
    const watched = join(parent, 'manifests');
    mkdirSync(watched);
    try {
      writeFileSync(join(watched, 'a.yaml'), serviceYaml('a'));
      const provider = new FileProvider(watched, { watch: false, rescanMs: 0 });
      const events: ResourceEvent[] = [];
      await provider.scan((e) => events.push(e));
      events.length = 0;
      writeFileSync(join(watched, 'a.yaml'), serviceYaml('a2'));
      writeFileSync(join(watched, '.hidden.yaml'), serviceYaml('hidden'));
      await provider.scan((e) => events.push(e), new Set([join(watched, 'a.yaml'), join(watched, '.hidden.yaml')]));
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ type: 'replace', source: join(watched, 'a.yaml') });
      // Read again, not taken for deleted.
      expect(events[0]?.type === 'replace' && events[0].objects.map((o) => o.metadata.name)).toEqual(['a2']);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('follows subdirectories created, filled, moved away and removed while it runs (no periodic rescan)', async () => {
    writeFileSync(join(dir, 'a.yaml'), serviceYaml('a'));
    const provider = new FileProvider(dir, { rescanMs: 0, settleMs: 5 });
    const { events, seen, subscription } = follow(provider);
    try {
      await until(
        () => events.some((e) => e.type === 'synced'),
        () => events,
      );
      events.length = 0;

      // A new directory, and a file in it: both notified, though only the root was watched before.
      mkdirSync(join(dir, 'team'));
      writeFileSync(join(dir, 'team', 'b.yaml'), serviceYaml('b'));
      await until(
        () => seen().includes(`${join(dir, 'team', 'b.yaml')}:1`),
        () => events,
      );
      // Then the directory is watched too: an edit there is seen as well.
      events.length = 0;
      await new Promise((resolve) => setTimeout(resolve, 50));
      writeFileSync(
        join(dir, 'team', 'b.yaml'),
        serviceYaml('b') + serviceYaml('c').replace('apiVersion', '---\napiVersion'),
      );
      await until(
        () => seen().includes(`${join(dir, 'team', 'b.yaml')}:2`),
        () => events,
      );

      // Moving the directory out of the tree takes its files' objects with it.
      events.length = 0;
      const outside = mkdtempSync(join(tmpdir(), 'portico-moved-'));
      try {
        renameSync(join(dir, 'team'), join(outside, 'team'));
        await until(
          () => seen().includes(`${join(dir, 'team', 'b.yaml')}:0`),
          () => events,
        );
      } finally {
        rmSync(outside, { recursive: true, force: true });
      }

      // A nested directory removed as a whole.
      mkdirSync(join(dir, 'x', 'y'), { recursive: true });
      writeFileSync(join(dir, 'x', 'y', 'd.yaml'), serviceYaml('d'));
      await until(
        () => seen().includes(`${join(dir, 'x', 'y', 'd.yaml')}:1`),
        () => events,
      );
      events.length = 0;
      rmSync(join(dir, 'x'), { recursive: true });
      await until(
        () => seen().includes(`${join(dir, 'x', 'y', 'd.yaml')}:0`),
        () => events,
      );
      expect(seen()).not.toContain(`${join(dir, 'a.yaml')}:0`);
    } finally {
      subscription.unsubscribe();
    }
  });

  it('follows a directory removed and made again at the same path (no periodic rescan)', async () => {
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'a.yaml'), serviceYaml('a'));
    const provider = new FileProvider(dir, { rescanMs: 0, settleMs: 5 });
    const { events, seen, subscription } = follow(provider);
    try {
      await until(
        () => events.some((e) => e.type === 'synced'),
        () => events,
      );
      rmSync(join(dir, 'sub'), { recursive: true });
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'sub', 'b.yaml'), serviceYaml('b'));
      await until(
        () => seen().includes(`${join(dir, 'sub', 'b.yaml')}:1`),
        () => events,
      );
      // The new directory is watched, not the removed one: a later file in it is seen too.
      await new Promise((resolve) => setTimeout(resolve, 50));
      writeFileSync(join(dir, 'sub', 'c.yaml'), serviceYaml('c'));
      await until(
        () => seen().includes(`${join(dir, 'sub', 'c.yaml')}:1`),
        () => events,
      );
    } finally {
      subscription.unsubscribe();
    }
  });

  it('reports an unreadable directory and emits synced all the same', async () => {
    const provider = new FileProvider(join(dir, 'missing'), { rescanMs: 0, watch: false });
    const events: ResourceEvent[] = [];
    const subscription = provider.events$.subscribe((e) => events.push(e));
    try {
      await until(
        () => events.length > 0,
        () => events,
      );
      expect(events).toEqual([{ type: 'synced' }]);
      expect(provider.errors()[0]?.message).toMatch(/cannot read directory/);
    } finally {
      subscription.unsubscribe();
    }
  });
  it('keeps the last good version of an object the API server would refuse, serves the rest of its file, and heals', async () => {
    const file = join(dir, 'app.yaml');
    writeFileSync(file, routeYaml('backendRefs', 80));
    const provider = new FileProvider(dir, { rescanMs: 50, settleMs: 5 });
    const { events, subscription } = follow(provider);
    const lastObjects = (): readonly { kind: string; spec?: unknown }[] => {
      const last = [...events].reverse().find((e) => e.type === 'replace');
      return last?.type === 'replace' ? last.objects : [];
    };
    const routePort = (): unknown =>
      (lastObjects().find((o) => o.kind === 'HTTPRoute')?.spec as { rules: { backendRefs: { port: number }[] }[] })
        ?.rules[0]?.backendRefs[0]?.port;
    const servicePort = (): unknown =>
      (lastObjects().find((o) => o.kind === 'Service')?.spec as { ports: { port: number }[] })?.ports[0]?.port;
    try {
      await until(
        () => routePort() === 80,
        () => events,
      );

      // A misspelled field: the route keeps its last good version, the Service of the same file
      // moves on, and the error names the file, the document, the line and the field.
      writeFileSync(file, routeYaml('backendRef', 81));
      await until(
        () => provider.errors().length > 0 && servicePort() === 81,
        () => ({ errors: provider.errors(), events }),
      );
      expect(routePort()).toBe(80);
      expect(provider.errors()).toEqual([
        {
          file,
          document: 1,
          line: 9,
          message: 'HTTPRoute web: unknown field "spec.rules[0].backendRef"',
        },
      ]);

      writeFileSync(file, routeYaml('backendRefs', 82));
      await until(
        () => provider.errors().length === 0 && routePort() === 82,
        () => ({ errors: provider.errors(), events }),
      );
      expect(servicePort()).toBe(82);
    } finally {
      subscription.unsubscribe();
    }
  });
});

describe('rescanManifestFiles', () => {
  it('reads a file again only when its modification time or size changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portico-rescan-'));
    try {
      const file = join(dir, 'a.yaml');
      writeFileSync(file, serviceYaml('a'));
      const first = await rescanManifestFiles([file], new Map());
      expect(first.scanned.get(file)).toEqual({ text: serviceYaml('a') });
      // A stamp that matches the file's mtime and size but holds other text proves no read happened.
      const stamp = { ...first.stamps.get(file)!, text: 'remembered' };
      const second = await rescanManifestFiles([file], new Map([[file, stamp]]));
      expect(second.scanned.get(file)).toEqual({ text: 'remembered' });
      writeFileSync(file, serviceYaml('a-longer-name'));
      const third = await rescanManifestFiles([file], new Map([[file, stamp]]));
      expect(third.scanned.get(file)).toEqual({ text: serviceYaml('a-longer-name') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
