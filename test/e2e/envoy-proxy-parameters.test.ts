/**
 * What an EnvoyProxyParameters puts on the provisioned Envoy's command line, given to a REAL Envoy:
 * each log level the kind allows (its enum and Portico's validation list the same) starts Envoy
 * with the provisioned bootstrap and flags (`--mode validate`), so no value the kind takes can
 * make the Envoy Pods fail to start.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { desiredObjects } from '../../src/infra/kubernetes/resources.js';
import { LOG_LEVELS } from '../../src/resources/read/envoy-proxy-parameters.js';
import { findEnvoy } from '../support/envoy-binary.js';
import * as fixtures from '../support/fixtures.js';

const run = promisify(execFile);

const gateway = fixtures.gateway({ name: 'gw', namespace: 'apps', uid: '00000000-0000-0000-0000-000000000001' });

describe('EnvoyProxyParameters on a real Envoy', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'portico-params-envoy-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the same log levels as the CRD', () => {
    const crd = parseAllDocuments(readFileSync('manifests/crd-envoyproxyparameters.yaml', 'utf8'))[0]!.toJS() as {
      spec: { versions: { schema: { openAPIV3Schema: unknown } }[] };
    };
    const schema = crd.spec.versions[0]!.schema.openAPIV3Schema as {
      properties: { spec: { properties: { deployment: { properties: { logLevel: { enum: string[] } } } } } };
    };
    expect(schema.properties.spec.properties.deployment.properties.logLevel.enum).toEqual([...LOG_LEVELS]);
  });

  it.each([...LOG_LEVELS])('starts with --log-level %s and the provisioned flags', async (logLevel) => {
    const objects = desiredObjects(gateway, { xds: { host: '127.0.0.1', port: 18000 }, tls: false }, [], undefined, {
      deployment: { logLevel },
    });
    const configMap = objects.find((o) => o.kind === 'ConfigMap') as unknown as { data: Record<string, string> };
    const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as {
      spec: { template: { spec: { containers: { command: string[]; args: string[] }[] } } };
    };
    const bootstrap = join(dir, `bootstrap-${logLevel}.json`);
    writeFileSync(bootstrap, configMap.data['bootstrap.json']!);
    const args = deployment.spec.template.spec.containers[0]!.args.map((a) =>
      a.replace('/etc/envoy/bootstrap.json', bootstrap).replace('$(POD_NAME)', 'pod-1'),
    );
    expect(args[args.indexOf('--log-level') + 1]).toBe(logLevel);
    const { stdout, stderr } = await run(findEnvoy(), ['--mode', 'validate', ...args]).catch(
      (err: { stdout?: string; stderr?: string }) => {
        throw new Error(`envoy ${args.join(' ')} failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
      },
    );
    expect(`${stdout}${stderr}`).toMatch(/OK/);
  });
});
