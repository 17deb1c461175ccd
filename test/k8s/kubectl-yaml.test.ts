/**
 * Portico reads YAML as kubectl does: for each scalar of test/support/kubectl-scalars.ts, what the
 * real kubectl sends to the API server (`kubectl create --dry-run=client -o json`, one call for all)
 * is what `loadYaml` reads, and what the table says. A kubectl whose YAML reading changes fails here.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadYaml } from '../../src/resources/load-yaml.js';
import { KUBECTL_SCALARS } from '../support/kubectl-scalars.js';
import { connectTestCluster } from './test-cluster.js';

const run = promisify(execFile);
const KUBECTL = resolve('.cache/k8s/bin/kubectl');

it('reads every scalar of the table as kubectl sends it', async () => {
  const { kubeconfig } = await connectTestCluster(); // kubectl maps the kind through the API server
  const text = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata: {name: scalars}',
    'x:',
    ...KUBECTL_SCALARS.map(([scalar]) => `  - ${scalar}`),
  ].join('\n');
  const dir = mkdtempSync(join(tmpdir(), 'portico-kubectl-yaml-'));
  try {
    const file = join(dir, 'scalars.yaml');
    writeFileSync(file, text);
    const { stdout } = await run(KUBECTL, [
      '--kubeconfig',
      kubeconfig,
      'create',
      '--dry-run=client',
      '--validate=false',
      '-o',
      'json',
      '-f',
      file,
    ]);
    const sent = (JSON.parse(stdout) as { x: unknown[] }).x;
    const [read] = loadYaml(text, file).objects as unknown as { x: unknown[] }[];
    const rows = KUBECTL_SCALARS.map(([scalar, expected], i) => ({
      scalar,
      kubectl: sent[i],
      portico: read?.x[i],
      expected,
    }));
    expect(rows.filter((r) => JSON.stringify(r.kubectl) !== JSON.stringify(r.portico))).toEqual([]);
    expect(rows.filter((r) => JSON.stringify(r.kubectl) !== JSON.stringify(r.expected))).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
