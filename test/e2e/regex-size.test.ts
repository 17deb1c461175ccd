/**
 * The regex size bound against a real Envoy: every pattern the translator lets through (bound at
 * or under the limit Portico's Envoys run with) must compile within that limit in Envoy. The
 * patterns are families that grow with a count, each taken at the largest count the bound still
 * admits, so an under-estimate in any family shows as a rejected configuration.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ENVOY_RUNTIME, bootstrapJson } from '../../src/infra/bootstrap.js';
import { RE2_MAX_PROGRAM_SIZE, analyzeRegex } from '../../src/translate/gatewayapi/regex-size.js';
import { checkRegex } from '../../src/translate/gatewayapi/validation.js';
import type { EnvoyMessage } from '../../src/translate/xds/types.js';
import { findEnvoy } from '../support/envoy-binary.js';

const run = promisify(execFile);
const envoy = findEnvoy();
const workDir = mkdtempSync(join(tmpdir(), 'portico-regex-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Families of patterns, by count; the ones built to defeat a naive count are here too. */
const FAMILIES: ((n: number) => string)[] = [
  (n) => `(?:(?:a?b?)*){${n}}`,
  (n) => `((\\b)*){${n}}`,
  (n) => `((a*)*){${n}}`,
  (n) => `(|a){${n}}`,
  (n) => `/api/v[0-9]+/users/[a-z0-9-]{1,${n}}`,
  (n) => `(?i)/docs/[a-z0-9._~-]{1,${n}}`,
  (n) => `/files/.{1,${n}}`,
  (n) => `/a/[^/]{1,${n}}`,
  (n) => `/v1/\\S{1,${n}}`,
  (n) => `[\\w-]{1,${n}}`,
  (n) => `(a|b|c|d|e){${n}}`,
  (n) => `((a|b){5}){${n}}`,
  (n) => `(?i)[acegikmoqsuwy]{${n}}`,
  (n) => `[acegikmoqsuwyACEGIKMOQSUWY02468]{${n}}`,
  (n) => `é{${n}}`,
  (n) => `\\p{L}{${n}}`,
  (n) => `a{${n}}`,
];

/** The largest count whose pattern the translator admits (RE2 syntax, and the bound). */
function largestAdmitted(family: (n: number) => string): string {
  const admits = (n: number): boolean => checkRegex(family(n)) === undefined;
  // Every family grows with n: double, then bisect.
  let hi = 2;
  while (admits(hi) && hi < 10_000) hi *= 2;
  let lo = 1;
  while (lo + 1 < hi) {
    const mid = (lo + hi) >>> 1;
    if (admits(mid)) lo = mid;
    else hi = mid;
  }
  return family(lo);
}

function bootstrap(patterns: string[]): EnvoyMessage {
  const routes = patterns.map((regex, i) => ({
    name: `r${i}`,
    match: { safe_regex: { regex } },
    direct_response: { status: 200 },
  }));
  return {
    node: { id: 'validate', cluster: 'validate' },
    static_resources: {
      listeners: [
        {
          name: 'l',
          address: { socket_address: { address: '127.0.0.1', port_value: 10000 } },
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type':
                      'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                    stat_prefix: 'x',
                    http_filters: [
                      {
                        name: 'envoy.filters.http.router',
                        typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
                      },
                    ],
                    route_config: { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes }] },
                  },
                },
              ],
            },
          ],
        },
      ],
    },
    // Portico's runtime, as its Envoys get it.
    layered_runtime: (bootstrapJson({ layered_runtime: ENVOY_RUNTIME }) as { layered_runtime: unknown })
      .layered_runtime,
  };
}

async function envoyAccepts(patterns: string[], name: string): Promise<{ ok: boolean; output: string }> {
  const path = join(workDir, `${name}.json`);
  writeFileSync(path, JSON.stringify(bootstrap(patterns)));
  try {
    await run(envoy, ['--mode', 'validate', '-c', path, '--log-level', 'error'], { timeout: 60_000 });
    return { ok: true, output: '' };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

test('every pattern the translator admits compiles within the limit in Envoy', async () => {
  const admitted = FAMILIES.map(largestAdmitted);
  for (const p of admitted) expect(analyzeRegex(p).bound).toBeLessThanOrEqual(RE2_MAX_PROGRAM_SIZE);
  const all = await envoyAccepts(admitted, 'admitted');
  if (!all.ok) {
    // Name the culprits.
    const rejected: string[] = [];
    for (const [i, p] of admitted.entries()) if (!(await envoyAccepts([p], `one-${i}`)).ok) rejected.push(p);
    throw new Error(`Envoy rejected patterns the bound admits: ${JSON.stringify(rejected)}\n${all.output}`);
  }
}, 120_000);

test('the check can fail: a pattern over the limit in Envoy is over the bound too', async () => {
  // 2,004 instructions in Envoy 1.40.
  const pattern = '/a{1,1000}';
  const verdict = await envoyAccepts([pattern], 'over');
  expect(verdict.ok).toBe(false);
  expect(verdict.output).toMatch(/program size/);
  expect(analyzeRegex(pattern).bound).toBeGreaterThan(RE2_MAX_PROGRAM_SIZE);
});

test('escapes Envoy refuses though re2-wasm takes them are refused by the translator too', async () => {
  // Envoy's RE2 accepts \x{..} only up to \x{ff}; the character written out is fine.
  for (const [pattern, envoyOk] of [
    ['\\x{3b1}', false],
    ['[\\x{100}-\\x{2ff}]', false],
    ['\\x{ff}', true],
    ['α+', true],
  ] as const) {
    expect({ pattern, envoy: (await envoyAccepts([pattern], `escape-${pattern.length}`)).ok }).toEqual({
      pattern,
      envoy: envoyOk,
    });
    expect({ pattern, translator: checkRegex(pattern) === undefined }).toEqual({ pattern, translator: envoyOk });
  }
}, 60_000);
