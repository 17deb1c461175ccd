/**
 * Node.js flags of Portico's own process: `bin/portico.js` (its `#!` line), the container image's
 * entrypoint (Dockerfile) and the benchmarks that start Portico. test/unit/node-flags.test.ts
 * keeps those three in line with this list.
 *
 * `--max-semi-space-size=4` (MiB): V8 grows its young generation up to 16 MiB per semi-space under
 * allocation bursts (a translation of 1,000 routes is one) and keeps it committed afterwards, which
 * with the idle second semi-space is about 30 MiB of resident memory that holds nothing. Measured
 * (docs/BENCHMARKS.md, fan-out): RSS with 500 Envoys connected 199–240 → 153–173 MiB, with
 * translation (translate-bench, 1,000 and 10,000 routes) and fan-out times unchanged.
 */
export const PORTICO_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
