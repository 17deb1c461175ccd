/**
 * Golden files: every `test/golden/<case>.in.yaml` is translated exactly as `portico translate`
 * does it and compared with `<case>.out.yaml` (xDS and statuses), and its stage-1 output, the IR
 * of each Gateway, with `<case>.ir.yaml`. `UPDATE_GOLDEN=1` rewrites both and deletes outputs
 * whose input is gone. Each case also checks that translation is deterministic and that every
 * emitted Envoy resource survives a protobuf round trip (nothing silently dropped).
 */
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildTranslationDocument,
  formatTranslationDocument,
  REDACTED,
} from '../../src/translate/translation-document.js';
import { stringifyForKubectl } from '../../src/resources/kubectl-yaml.js';
import { checkRoundTrip } from '../../src/proto/codec.js';
import { TYPE_URL_BY_KIND } from '../../src/proto/type-urls.js';
import { loadYaml, rejectionMessages } from '../../src/resources/load-yaml.js';
import type { LoadedObjects } from '../../src/resources/load-yaml.js';
import { stringify } from 'yaml';
import { buildResourceSet } from '../../src/resources/resource-set.js';
import type { KubeObject, ResourceSet } from '../../src/resources/types.js';
import { TranslationCache, translate as translateWithOptions } from '../../src/translate/index.js';
import type { TranslateOptions, TranslationResult } from '../../src/translate/index.js';
import { translationOptionsOf } from '../../src/cli/translate-command.js';
import { XDS_KINDS, type EnvoyMessage } from '../../src/translate/xds/types.js';
import { LastStatusCarrier } from '../../src/pipeline/translate-safely.js';

// This file runs compiled from dist/test/translate/; the cases stay in the source tree.
const GOLDEN_DIR = fileURLToPath(new URL('../../../test/golden/', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const IN = '.in.yaml';
const OUT = '.out.yaml';
const IR = '.ir.yaml';

// Git does not keep empty directories, so a checkout without cases has no test/golden at all.
const files = existsSync(GOLDEN_DIR) ? readdirSync(GOLDEN_DIR).sort() : [];
const cases = files.filter((f) => f.endsWith(IN)).map((f) => f.slice(0, -IN.length));
const orphanOutputs = files.filter((f) =>
  [OUT, IR].some((suffix) => f.endsWith(suffix) && !cases.includes(f.slice(0, -suffix.length))),
);

function loadCaseFile(name: string): LoadedObjects {
  // Named relative to the repository in messages, so outputs do not depend on the checkout's path.
  return loadYaml(readFileSync(join(GOLDEN_DIR, name + IN), 'utf8'), `test/golden/${name}${IN}`);
}

function loadCase(name: string): KubeObject[] {
  return loadCaseFile(name).objects;
}

/** The `portico translate` flags a case names in its header (`# translate: --shared-address`). */
function caseOptions(name: string): TranslateOptions {
  const header = /^# translate: (.*)$/m.exec(readFileSync(join(GOLDEN_DIR, name + IN), 'utf8'));
  return header ? translationOptionsOf(header[1]!.trim().split(/\s+/)) : {};
}

function render(result: TranslationResult): string {
  return formatTranslationDocument(buildTranslationDocument(result, { showSecrets: false }), 'yaml');
}

/**
 * Stage 1's output, the IR of every served Gateway, as YAML: in the translator's order, without
 * anchors (an object the IR shares is written out where it appears), private keys hidden as in
 * the xDS output.
 */
function renderIr(result: TranslationResult): string {
  const gateways = result.gateways.map(({ ir }) => ({
    ...ir,
    secrets: ir.secrets.map((secret) =>
      'generic' in secret ? { ...secret, generic: REDACTED } : { ...secret, privateKey: REDACTED },
    ),
  }));
  return stringifyForKubectl({ gateways }, { aliasDuplicateObjects: false, lineWidth: 0 });
}

/** Writes `actual` to `path` under UPDATE_GOLDEN; otherwise compares it with the file. */
function checkGolden(path: string, actual: string): void {
  if (UPDATE) {
    if (!existsSync(path) || readFileSync(path, 'utf8') !== actual) writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) throw new Error(`${path} is missing; create it with UPDATE_GOLDEN=1 make test`);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

/**
 * Certificates are checked for validity at a fixed time, so that outputs do not change with the
 * date (the example certificate is valid from 2026-11-21 to 2126).
 */
const CERTIFICATE_TIME = '2027-01-01T00:00:00Z';

/** What `portico translate` prints on stderr for objects the API server would refuse (left out of the translation). */
function renderRejected(loaded: LoadedObjects): string {
  if (loaded.rejected.length === 0) return '';
  return stringify({ rejected: loaded.rejected.flatMap(rejectionMessages) }, { lineWidth: 0 });
}

/** Translating a frozen input proves the core never mutates the ResourceSet it is given. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

test('no orphan golden outputs', () => {
  if (UPDATE) {
    for (const orphan of orphanOutputs) unlinkSync(join(GOLDEN_DIR, orphan));
    return;
  }
  expect(orphanOutputs).toEqual([]); // delete them, or run with UPDATE_GOLDEN=1
});

if (cases.length === 0) test.todo('add golden cases as test/golden/<case>.in.yaml');

// A plain loop rather than describe.each, which rejects an empty table.
for (const name of cases) describe(`golden ${name}`, () => defineCaseTests(name));

/** One cache across every case, as the pipeline keeps one across every change. */
const sharedCache = new TranslationCache();

function defineCaseTests(name: string): void {
  const outPath = join(GOLDEN_DIR, name + OUT);
  const irPath = join(GOLDEN_DIR, name + IR);
  const options = caseOptions(name);
  const translate = (resources: ResourceSet, more: TranslateOptions = {}) =>
    translateWithOptions(resources, { certificateTime: CERTIFICATE_TIME, ...options, ...more });

  test('matches the golden output', () => {
    const loaded = loadCaseFile(name);
    checkGolden(outPath, render(translate(buildResourceSet(loaded.objects))) + renderRejected(loaded));
  });

  test('matches the golden IR (stage 1), whatever the input order', () => {
    const objects = loadCase(name);
    const actual = renderIr(translate(buildResourceSet(objects)));
    checkGolden(irPath, actual);
    expect(renderIr(translate(buildResourceSet([...objects].reverse())))).toBe(actual);
  });

  test('is deterministic, independent of input order, and leaves its input alone', () => {
    const objects = loadCase(name);
    const first = render(translate(buildResourceSet(objects)));
    const again = render(translate(deepFreeze(buildResourceSet(loadCase(name)))));
    // (Golden inputs hold no duplicate objects, so reversing cannot change which definition wins.)
    const reversed = render(translate(buildResourceSet([...objects].reverse())));
    expect(again).toBe(first);
    expect(reversed).toBe(first);
  });

  test('gives the same output with a translation cache, first and second time', () => {
    const objects = loadCase(name);
    const expected = render(translate(buildResourceSet(objects)));
    // The second run over the same objects is answered from the cache.
    expect(render(translate(buildResourceSet(objects), { cache: sharedCache }))).toBe(expected);
    sharedCache.routes.takeStats();
    expect(render(translate(buildResourceSet(objects), { cache: sharedCache }))).toBe(expected);
    expect(sharedCache.routes.takeStats().translated).toBe(0);
  });

  test('gives the same output with a cache when statuses are fed back and the clock moves, as the pipeline runs it', () => {
    const cache = new TranslationCache();
    const carrier = new LastStatusCarrier();
    let input = buildResourceSet(loadCase(name));
    const statusGiven = new Set(
      loadCase(name)
        .filter((o) => o.status !== undefined)
        .map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`),
    );
    let last: TranslationResult | undefined;
    let previous: TranslationResult | undefined;
    for (let run = 0; run < 5; run++) {
      const now = `2026-01-01T00:00:0${run}Z`;
      if (run === 3) {
        // A new generation of the first route and of the first Gateway: conditions change, at `now`.
        const bump = <T extends KubeObject>(objects: T[]): T[] =>
          objects.map((o, i) =>
            i === 0 ? { ...o, metadata: { ...o.metadata, generation: (o.metadata.generation ?? 1) + 1 } } : o,
          );
        input = { ...input, httpRoutes: bump(input.httpRoutes), gateways: bump(input.gateways) };
      }
      const carried = carrier.carry(input, last?.resources);
      cache.statuses.takeStats();
      const cached = translate(carried, { now, cache });
      const outcomes = cache.statuses.takeStats();
      expect(render(cached)).toBe(render(translate(carried, { now })));
      if (run === 2) {
        // Nothing changed since the last run: every output object is the last run's, but for objects
        // that bring a status of their own (it is not the one fed back, so the time may show in it).
        const fedBack = cached.resources.filter(
          (o) => !statusGiven.has(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`),
        );
        expect(fedBack.filter((o) => previous!.resources.includes(o))).toEqual(fedBack);
        // And no route whose status was fed back was attached again.
        const routesFedBack = fedBack.filter((o) => o.kind === 'HTTPRoute').length;
        expect(outcomes.reused).toBeGreaterThanOrEqual(routesFedBack);
      }
      previous = last = cached;
    }
  });

  test('emits Envoy resources that survive a protobuf round trip', () => {
    const result = translate(buildResourceSet(loadCase(name)));
    const problems: string[] = [];
    for (const gateway of result.gateways) {
      for (const kind of XDS_KINDS) {
        const messages: readonly EnvoyMessage[] = gateway.xds[kind];
        for (const message of messages) {
          for (const problem of checkRoundTrip(TYPE_URL_BY_KIND[kind], message)) {
            problems.push(`${gateway.name} ${kind} ${String(message.name)}: ${problem}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });
}
