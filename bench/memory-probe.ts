/**
 * What a process's resident memory is made of, for benchmarks that measure memory coming back:
 * Node's own counters (V8 heap used and committed, external memory and array buffers), V8's heap
 * spaces, and the kernel's view of the mappings (/proc/self/smaps): glibc's main malloc arena
 * (`[heap]`), other anonymous memory (V8's pages, malloc's other arenas and mmapped chunks,
 * thread stacks) and file-backed pages (the node binary, libraries).
 *
 * With gdb on the PATH, `mallocInfo` also asks glibc itself (malloc_info(3), through gdb attached
 * to this process): how much of its arenas is free but kept, and what RSS is left once
 * malloc_trim(3) gives the free pages back, which is the proof that memory is the allocator's and
 * not Portico's. Linux only; without gdb it says so and measures the rest.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';

import { MIB } from './bench-util.js';

export interface MemorySample {
  /** All in MiB. */
  rss: number;
  heapUsed: number;
  /** V8 heap committed (pages V8 holds, used or not). */
  heapTotal: number;
  /** Memory of objects outside the V8 heap that V8 knows of (Buffers' backing stores among them). */
  external: number;
  arrayBuffers: number;
  /** Committed size of V8's largest heap spaces (name → MiB), largest first. */
  spaces: [string, number][];
  /** Resident pages of glibc's main arena (`[heap]`). */
  brkHeap: number;
  /** Other resident anonymous pages: V8 pages, other arenas, mmapped chunks, stacks. */
  otherAnon: number;
  /** Resident file-backed pages. */
  file: number;
}

/** One sample of the process's memory (reads /proc/self/smaps: a few milliseconds). */
export function sampleMemory(): MemorySample {
  const m = process.memoryUsage();
  const spaces = getHeapSpaceStatistics()
    .map((s): [string, number] => [s.space_name.replace(/_space$/, ''), s.space_size / MIB])
    .sort((a, b) => b[1] - a[1]);
  let brkHeap = 0;
  let otherAnon = 0;
  let file = 0;
  try {
    for (const mapping of readFileSync('/proc/self/smaps', 'utf8').split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)) {
      const head = mapping.slice(0, mapping.indexOf('\n'));
      const rssKb = Number(/\nRss:\s+(\d+)/.exec(mapping)?.[1] ?? 0);
      const anonKb = Number(/\nAnonymous:\s+(\d+)/.exec(mapping)?.[1] ?? 0);
      if (head.endsWith('[heap]')) brkHeap += rssKb;
      else {
        otherAnon += anonKb;
        file += rssKb - anonKb;
      }
    }
  } catch {
    // not Linux
  }
  return {
    rss: m.rss / MIB,
    heapUsed: m.heapUsed / MIB,
    heapTotal: m.heapTotal / MIB,
    external: m.external / MIB,
    arrayBuffers: m.arrayBuffers / MIB,
    spaces,
    brkHeap: brkHeap / 1024,
    otherAnon: otherAnon / 1024,
    file: file / 1024,
  };
}

const f0 = (n: number): string => n.toFixed(0);

/** One line: RSS and what it is made of. */
export function describeSample(s: MemorySample): string {
  const spaces = s.spaces
    .slice(0, 3)
    .map(([name, size]) => `${name} ${f0(size)}`)
    .join(', ');
  return (
    `RSS ${f0(s.rss)} MiB = malloc main arena ([heap]) ${f0(s.brkHeap)} + other anonymous ${f0(s.otherAnon)} + file ${f0(s.file)}; ` +
    `V8 heap used ${f0(s.heapUsed)} of ${f0(s.heapTotal)} committed (${spaces}); external ${f0(s.external)}, array buffers ${f0(s.arrayBuffers)}`
  );
}

export interface MallocInfo {
  /** Arenas (main and per-thread). */
  arenas: number;
  /** Bytes the arenas took from the system (MiB). */
  arenaBytes: number;
  /** Of those, free chunks glibc keeps (MiB). */
  freeBytes: number;
  /** Chunks too large for an arena, mmapped one by one (MiB; given back on free). */
  mmapBytes: number;
  /** RSS after malloc_trim(0) gave the arenas' free pages back (MiB); only when asked. */
  rssAfterTrim?: number;
}

const gdbRun = (args: string[]): Promise<string> =>
  new Promise((resolve, reject) =>
    execFile('gdb', args, { timeout: 120_000, maxBuffer: 16 * MIB }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    ),
  );

/**
 * glibc's own account of its arenas (malloc_info(3)), through gdb attached to this process;
 * then, with `trim`, malloc_trim(0) and the RSS after it. Undefined without gdb (or ptrace).
 */
export async function mallocInfo(trim: boolean): Promise<MallocInfo | undefined> {
  const out = join(tmpdir(), `malloc-info-${process.pid}.xml`);
  const args = [
    '-p',
    String(process.pid),
    '-batch',
    '-nx',
    '-ex',
    `set $f = (void *) fopen("${out}", "w")`,
    '-ex',
    'call (int) malloc_info(0, $f)',
    '-ex',
    'call (int) fclose($f)',
    ...(trim ? ['-ex', 'call (int) malloc_trim(0)'] : []),
  ];
  try {
    await gdbRun(args);
    const xml = readFileSync(out, 'utf8');
    // The totals come after the last arena.
    const totals = xml.slice(xml.lastIndexOf('</heap>'));
    const total = (attrs: string): number =>
      Number(new RegExp(`<${attrs} size="(\\d+)"`).exec(totals)?.[1] ?? NaN) / MIB;
    const free =
      Number(/<total type="fast" count="\d+" size="(\d+)"/.exec(totals)?.[1] ?? 0) +
      Number(/<total type="rest" count="\d+" size="(\d+)"/.exec(totals)?.[1] ?? 0);
    return {
      arenas: (xml.match(/<heap nr=/g) ?? []).length,
      arenaBytes: total('system type="current"'),
      freeBytes: free / MIB,
      mmapBytes: Number(/<total type="mmap" count="\d+" size="(\d+)"/.exec(totals)?.[1] ?? 0) / MIB,
      ...(trim ? { rssAfterTrim: process.memoryUsage().rss / MIB } : {}),
    };
  } catch (err) {
    console.error(`(no malloc_info: ${(err as Error).message.split('\n')[0]})`);
    return undefined;
  } finally {
    rmSync(out, { force: true });
  }
}

export function describeMallocInfo(info: MallocInfo | undefined): string {
  if (!info) return 'malloc_info: unavailable (needs gdb)';
  return (
    `glibc malloc: ${info.arenas} arenas holding ${f0(info.arenaBytes)} MiB, of which ${f0(info.freeBytes)} MiB free chunks; ` +
    `${f0(info.mmapBytes)} MiB in mmapped chunks` +
    (info.rssAfterTrim !== undefined ? `; RSS after malloc_trim(0): ${f0(info.rssAfterTrim)} MiB` : '')
  );
}
