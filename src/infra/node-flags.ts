/**
 * Node.js flags of Portico's own process: `bin/portico.js` (its `#!` line), the container image's
 * entrypoint (Dockerfile) and the benchmarks that start Portico. test/infra/node-flags.test.ts
 * keeps those three in line with this list.
 *
 * `--max-semi-space-size=4` (MiB): V8 grows its young generation up to 16 MiB per semi-space under
 * allocation bursts (a translation of 1,000 routes is one) and keeps it committed afterwards, which
 * with the idle second semi-space is about 30 MiB of resident memory that holds nothing. Measured
 * (docs/BENCHMARKS.md, fan-out): RSS with 500 Envoys connected 199–240 → 153–173 MiB, with
 * translation (translate-bench, 1,000 and 10,000 routes) and fan-out times unchanged.
 */
export const PORTICO_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/**
 * glibc's malloc setting for Portico's process, in its environment (glibc reads it when the
 * process starts): `bin/portico.js` (its `#!` line through env) and the container image (ENV).
 *
 * glibc serves an allocation of 128 KiB or more with its own mapping, given back when freed, and
 * anything smaller from its arenas, which it keeps. But after freeing such a mapping it raises
 * that threshold to the freed size (up to 32 MiB), so the next requests of that size come from
 * the main arena. ADS requests are such allocations (request-reader.ts: one buffer per request, a
 * SotW EDS request of 20,000 names is about 600 KiB): after a flood of 200 streams the arena had
 * grown by about 140 MiB, freed but kept (malloc_info), and RSS stayed at 229 MiB after every
 * stream closed. Fixing the threshold at glibc's default keeps large buffers in their own
 * mappings: 125 MiB after the same flood (docs/BENCHMARKS.md, xDS flood). Smaller allocations (a
 * socket read's 64 KiB buffer) still come from the arena, so no read costs a system call more.
 */
export const PORTICO_MALLOC_ENV: Readonly<Record<string, string>> = {
  GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=131072',
};
