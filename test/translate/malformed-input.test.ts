/**
 * Bad input never throws: every golden input is mutated many times (values replaced by null,
 * numbers, strings, objects, arrays, at random paths) and translated end to end.
 *
 * The mutated objects go to the translator directly, without the CRD validation that file mode and
 * `portico translate` now run first (`src/schema`), and so do the objects that validation refuses
 * (as they are written, see test/translate/translator-defence.test.ts): the core must still survive any shape, as a
 * second line of defence (and for kinds no CRD describes: Services, EndpointSlices, Secrets). The
 * same mutated objects are also run through the validator, which must answer with messages, never
 * throw.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadYaml } from '../../src/resources/load-yaml.js';
import { buildResourceSet } from '../../src/resources/resource-set.js';
import type { KubeObject } from '../../src/resources/types.js';
import { TranslationCache, translate } from '../../src/translate/index.js';
import { checkRoundTrip } from '../../src/proto/codec.js';
import { TYPE_URL_BY_KIND } from '../../src/proto/type-urls.js';
import { XDS_KINDS } from '../../src/translate/xds/types.js';
import { gatewayApiValidator } from '../../src/schema/validator.js';
import { unvalidatedObjects } from '../support/translator-outcome.js';

const GOLDEN_DIR = fileURLToPath(new URL('../../../test/golden/', import.meta.url));
const cases = readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.in.yaml'));

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WEIRD: unknown[] = [null, 0, -1, 1e12, '', 'x', '\u0000\r\n', {}, [], [null], [{}], true, { a: 1 }, '*', '/'];

type Container = Record<string, unknown> | unknown[];

/** Every (container, key) slot in a JSON tree. */
function slots(obj: unknown, out: [Container, string | number][] = []): [Container, string | number][] {
  if (Array.isArray(obj)) {
    obj.forEach((v, i) => {
      out.push([obj, i]);
      slots(v, out);
    });
  } else if (typeof obj === 'object' && obj !== null) {
    for (const [k, v] of Object.entries(obj)) {
      out.push([obj as Record<string, unknown>, k]);
      slots(v, out);
    }
  }
  return out;
}

function mutate(objects: KubeObject[], random: () => number): KubeObject[] {
  const copy = structuredClone(objects);
  // Every field of every object except the identity (kind, apiVersion, metadata) may be hit.
  const real = copy.flatMap((o) =>
    Object.entries(o)
      .filter(([k]) => !['kind', 'apiVersion', 'metadata'].includes(k))
      .flatMap(([k, v]) => [[o as unknown as Container, k] as [Container, string | number], ...slots(v)]),
  );
  const n = 1 + Math.floor(random() * 3);
  for (let i = 0; i < n && real.length > 0; i++) {
    const [container, key] = real[Math.floor(random() * real.length)]!;
    (container as Record<string | number, unknown>)[key] = structuredClone(WEIRD[Math.floor(random() * WEIRD.length)]);
  }
  return copy;
}

const ROUNDS = 40;

test.each(cases)('%s survives malformed variations', (file) => {
  const path = join(GOLDEN_DIR, file);
  const text = readFileSync(path, 'utf8');
  const loaded = loadYaml(text, path);
  // The objects validation refuses too, as they are: they may reach the translator unvalidated.
  const refused = unvalidatedObjects(text).filter((o) =>
    loaded.rejected.some(
      (r) => r.kind === o.kind && r.name === o.metadata.name && (r.namespace ?? '') === (o.metadata.namespace ?? ''),
    ),
  );
  const objects = [...loaded.objects, ...refused];
  const random = prng(file.length * 7919 + file.charCodeAt(0));
  // One translation cache across the rounds, as the pipeline keeps one across changes.
  const cache = new TranslationCache();
  for (let round = 0; round < ROUNDS; round++) {
    const mutated = mutate(objects, random);
    for (const object of mutated) {
      try {
        gatewayApiValidator().validate(structuredClone(object) as unknown as Record<string, unknown>);
      } catch (err) {
        throw new Error(`round ${round}: validation threw ${(err as Error).stack}\ninput: ${JSON.stringify(object)}`);
      }
    }
    let result;
    try {
      result = translate(buildResourceSet(mutated));
    } catch (err) {
      throw new Error(`round ${round}: translate threw ${(err as Error).stack}\ninput: ${JSON.stringify(mutated)}`);
    }
    for (const gw of result.gateways) {
      for (const kind of XDS_KINDS) {
        for (const msg of gw.xds[kind]) {
          const problems = checkRoundTrip(TYPE_URL_BY_KIND[kind], msg);
          if (problems.length > 0) throw new Error(`round ${round}: ${kind} ${problems.join('; ')}`);
        }
      }
    }
    // Some objects as they were (the cache knows them), some malformed: the cached translation
    // must equal the uncached one.
    const mixed = mutated.map((o, i) => (random() < 0.5 ? objects[i]! : o));
    const cached = JSON.stringify(translate(buildResourceSet(mixed), { cache }));
    if (cached !== JSON.stringify(translate(buildResourceSet(mixed)))) {
      throw new Error(`round ${round}: a cached translation differs\ninput: ${JSON.stringify(mixed)}`);
    }
  }
});
