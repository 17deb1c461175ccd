/**
 * Real Envoy accepts every golden output: each Gateway's translated resources are loaded by
 * `envoy --mode validate`, which runs Envoy's full configuration validation (proto constraints,
 * regex compilation, filter configs, certificates) without serving traffic.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildTranslationDocument } from '../../src/translate/translation-document.js';
import { loadYaml } from '../../src/resources/load-yaml.js';
import { buildResourceSet } from '../../src/resources/resource-set.js';
import { translate } from '../../src/translate/index.js';
import { findEnvoy } from '../support/envoy-binary.js';
import { staticBootstrap, type GatewayXdsJson } from '../support/static-bootstrap.js';

const run = promisify(execFile);
const GOLDEN_DIR = fileURLToPath(new URL('../../../test/golden/', import.meta.url));
const cases = readdirSync(GOLDEN_DIR)
  .filter((f) => f.endsWith('.in.yaml'))
  .sort();

const envoy = findEnvoy();
const workDir = mkdtempSync(join(tmpdir(), 'portico-validate-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

test.each(cases)('Envoy accepts the translation of %s', async (file) => {
  const path = join(GOLDEN_DIR, file);
  const result = translate(buildResourceSet(loadYaml(readFileSync(path, 'utf8'), path).objects));
  const document = buildTranslationDocument(result, { showSecrets: true });
  for (const [gateway, xds] of Object.entries(document.xds)) {
    if (xds.listeners.length === 0 && xds.clusters.length === 0) continue;
    const bootstrapPath = join(workDir, `${file}-${gateway.replace('/', '_')}.json`);
    writeFileSync(bootstrapPath, JSON.stringify(staticBootstrap(xds as GatewayXdsJson)));
    try {
      await run(envoy, ['--mode', 'validate', '-c', bootstrapPath, '--log-level', 'error'], { timeout: 60_000 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      throw new Error(`Envoy rejected ${gateway} of ${file}:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  }
});

test('the check can fail: Envoy rejects a cluster with a negative connect timeout', async () => {
  const bad = staticBootstrap({
    listeners: [],
    routes: [],
    clusters: [
      {
        '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
        name: 'bad',
        type: 'STATIC',
        connect_timeout: '-1s',
      },
    ],
    endpoints: [],
    secrets: [],
  });
  const path = join(workDir, 'bad.json');
  writeFileSync(path, JSON.stringify(bad));
  await expect(run(envoy, ['--mode', 'validate', '-c', path, '--log-level', 'error'])).rejects.toThrow();
});
