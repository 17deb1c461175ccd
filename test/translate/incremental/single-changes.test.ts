/**
 * The translation cache against single changes of every golden case: with a cache warmed on the
 * case, each change (an object removed; a ConfigMap's, Secret's or Namespace's content changed; a
 * listener's port reserved for the Envoy; the shared address switched) translates exactly as
 * without a cache. Whatever the translator reads, the memos must notice when it changes: this is
 * the class of bug the status memo's hand-written list of the Gateway side had twice (ConfigMaps
 * of frontend validation, reserved ports).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { translationOptionsOf } from '../../../src/cli/translate-command.js';
import { loadYaml } from '../../../src/resources/load-yaml.js';
import { buildResourceSet } from '../../../src/resources/resource-set.js';
import type { KubeObject } from '../../../src/resources/types.js';
import { TranslationCache, translate, type TranslateOptions } from '../../../src/translate/index.js';
import { frontendValidationThroughListenerSet, gatewayClass, service } from '../../support/quickstart-objects.js';

// Compiled to dist/test/translate/incremental/; the cases stay in the source tree.
const GOLDEN_DIR = fileURLToPath(new URL('../../../../test/golden/', import.meta.url));
const IN = '.in.yaml';
const cases = readdirSync(GOLDEN_DIR)
  .filter((f) => f.endsWith(IN))
  .map((f) => f.slice(0, -IN.length))
  .sort();

interface Variant {
  what: string;
  objects: KubeObject[];
  options: TranslateOptions;
}

const label = (o: KubeObject): string => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** The same object with other content, where the content is not a spec (core kinds). */
function otherContent(o: KubeObject): KubeObject | undefined {
  switch (o.kind) {
    case 'ConfigMap':
      return { ...o, data: { 'ca.crt': 'not a certificate' } } as KubeObject;
    case 'Secret':
      return {
        ...o,
        data: undefined,
        stringData: { 'tls.crt': 'not a certificate', 'tls.key': 'no key' },
      } as KubeObject;
    case 'Namespace':
      return { ...o, metadata: { ...o.metadata, labels: { changed: 'yes' } } };
    default:
      return undefined;
  }
}

function listenerPorts(objects: readonly KubeObject[]): number[] {
  const ports = new Set<number>();
  for (const o of objects) {
    if (o.kind !== 'Gateway' && o.kind !== 'ListenerSet') continue;
    for (const l of (o.spec as { listeners?: { port?: unknown }[] } | undefined)?.listeners ?? []) {
      if (typeof l.port === 'number') ports.add(l.port);
    }
  }
  return [...ports];
}

function variantsOf(objects: KubeObject[], options: TranslateOptions): Variant[] {
  const out: Variant[] = [];
  objects.forEach((o, i) => {
    out.push({ what: `without ${label(o)}`, objects: objects.filter((_, j) => j !== i), options });
    const changed = otherContent(o);
    if (changed) {
      out.push({ what: `${label(o)} changed`, objects: objects.map((x) => (x === o ? changed : x)), options });
    }
  });
  for (const port of listenerPorts(objects)) {
    const reservedPorts = new Map([...(options.reservedPorts ?? []), [port, 'the admin listener']]);
    out.push({ what: `port ${port} reserved`, objects, options: { ...options, reservedPorts } });
  }
  out.push({
    what: 'shared address switched',
    objects,
    options: { ...options, sharedAddress: !options.sharedAddress },
  });
  return out;
}

const comparable = (value: unknown): string => JSON.stringify(value);

/** The changes of `objects` that translate differently with a cache warmed on them than without one. */
function wrongWithCache(objects: KubeObject[], options: TranslateOptions): string[] {
  const cache = new TranslationCache();
  const warm = (): void => {
    translate(buildResourceSet(objects), { ...options, cache });
  };
  warm();
  warm();
  const wrong: string[] = [];
  for (const variant of variantsOf(objects, options)) {
    const cached = translate(buildResourceSet(variant.objects), { ...variant.options, cache });
    const fresh = translate(buildResourceSet(variant.objects), variant.options);
    if (comparable(cached) !== comparable(fresh)) wrong.push(variant.what);
    // And back: the next change starts from the case itself, as remembered.
    const back = translate(buildResourceSet(objects), { ...options, cache });
    if (comparable(back) !== comparable(translate(buildResourceSet(objects), options))) {
      wrong.push(`back from ${variant.what}`);
    }
  }
  return wrong;
}

test.each(cases)('%s: every single change translates with the cache as without it', (name) => {
  const text = readFileSync(join(GOLDEN_DIR, name + IN), 'utf8');
  const header = /^# translate: (.*)$/m.exec(text);
  const options: TranslateOptions = header ? translationOptionsOf(header[1]!.trim().split(/\s+/)) : {};
  expect(wrongWithCache(loadYaml(text, `test/golden/${name}${IN}`).objects, options)).toEqual([]);
});

test('a Gateway whose client certificate validation reads a ConfigMap, with a route through its ListenerSet: every single change as without the cache', () => {
  // What a route gets here depends on the ConfigMap only through the Gateway side: a CA that does
  // not parse makes the Gateway invalid, and with it the ListenerSet the route is attached to.
  const tls = (file: string): string =>
    readFileSync(fileURLToPath(new URL(`../../../../test/fixtures/tls/${file}`, import.meta.url)), 'utf8');
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'cert', namespace: 'default' },
    type: 'kubernetes.io/tls',
    stringData: { 'tls.crt': tls('example.crt'), 'tls.key': tls('example.key') },
  } as KubeObject;
  const ca = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'client-ca', namespace: 'default' },
    data: { 'ca.crt': tls('example.crt') },
  } as KubeObject;
  const { gateway: gw, listenerSet: set, route } = frontendValidationThroughListenerSet();
  expect(wrongWithCache([gatewayClass, gw, set, route, service('backend'), secret, ca], {})).toEqual([]);
});
