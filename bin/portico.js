#!/usr/bin/env -S GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072 node --max-semi-space-size=4
// Node.js flags and the malloc setting: src/infra/node-flags.ts says why (the Dockerfile repeats them).
// Launcher for the compiled CLI (TypeScript in src/, built into dist/ by `make build`).
let cli;
try {
  cli = await import('../dist/src/cli/main.js');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/src/cli/main.js')) {
    console.error('portico: not built yet; run `make build` first');
    process.exit(1);
  }
  throw err;
}
process.exitCode = await cli.main(process.argv.slice(2));
