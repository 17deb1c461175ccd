/**
 * The status memo against recomputation, through changes that reach a route's status from outside
 * the route: the Gateway, a Namespace's labels, a Service its translation reads. Run as the
 * pipeline runs it: statuses fed back, one cache, the clock moving.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LastStatusCarrier } from '../../../src/pipeline/translate-safely.js';
import { buildResourceSet } from '../../../src/resources/resource-set.js';
import type { Condition, KubeObject } from '../../../src/resources/types.js';
import { TranslationCache, translate } from '../../../src/translate/index.js';
import type { TranslationResult } from '../../../src/translate/index.js';
import {
  frontendValidationThroughListenerSet,
  gateway,
  gatewayClass,
  httpRoute,
  service,
} from '../../support/quickstart-objects.js';

const namespace = (labels: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'default', labels },
});

/** The Gateway with its listener narrowed to `hostname`, admitting routes from namespaces labelled `team: web`. */
function narrowGateway(hostname: string): KubeObject {
  const gw = gateway('gw');
  const spec = gw.spec as { listeners: Record<string, unknown>[] };
  spec.listeners = [
    {
      ...spec.listeners[0]!,
      hostname,
      allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'web' } } } },
    },
  ];
  return { ...gw, metadata: { ...gw.metadata, generation: 2 } };
}

function routeConditions(result: TranslationResult): string[] {
  const route = result.resources.find((o) => o.kind === 'HTTPRoute')!;
  const parents = (route.status as { parents: { conditions: Condition[] }[] }).parents;
  return parents.flatMap((p) => p.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`));
}

test('a route status follows its Gateway, Namespace and Service with the memo as without it', () => {
  // One object per state of each input, so that whatever a step does not change is the same object
  // (as a provider keeps it): what the memo must notice is exactly what the step changed.
  const route = httpRoute('web', 'gw', 'backend');
  const svc = service('backend');
  const web = namespace({ team: 'web' });
  const db = namespace({ team: 'db' });
  const wide = gateway('gw');
  const other = narrowGateway('*.other.com');
  const example = narrowGateway('*.example.com');
  const steps: { what: string; objects: KubeObject[]; expected: string[] }[] = [
    {
      what: 'attached',
      objects: [gatewayClass, wide, route, svc, web],
      expected: ['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs'],
    },
    {
      what: 'the listener hostname no longer matches',
      objects: [gatewayClass, other, route, svc, web],
      expected: ['Accepted=False/NoMatchingListenerHostname', 'ResolvedRefs=True/ResolvedRefs'],
    },
    {
      what: 'it matches again',
      objects: [gatewayClass, example, route, svc, web],
      expected: ['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs'],
    },
    {
      what: "the namespace's labels no longer admit the route",
      objects: [gatewayClass, example, route, svc, db],
      expected: ['Accepted=False/NotAllowedByListeners', 'ResolvedRefs=True/ResolvedRefs'],
    },
    {
      what: 'admitted again, and its Service is gone',
      objects: [gatewayClass, example, route, web],
      expected: ['Accepted=True/Accepted', 'ResolvedRefs=False/BackendNotFound'],
    },
    {
      what: 'the Service is back',
      objects: [gatewayClass, example, route, svc, web],
      expected: ['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs'],
    },
  ];

  const cache = new TranslationCache();
  const carrier = new LastStatusCarrier();
  let last: TranslationResult | undefined;
  let second = 0;
  for (const step of steps) {
    // Each state twice: the second run, with nothing changed, is answered from the memo.
    for (let run = 0; run < 2; run++) {
      const now = `2026-01-01T00:00:${String(second++).padStart(2, '0')}Z`;
      const input = carrier.carry(buildResourceSet(step.objects), last?.resources);
      cache.statuses.takeStats();
      const cached = translate(input, { now, cache });
      const stats = cache.statuses.takeStats();
      const fresh = translate(input, { now });
      expect({ step: step.what, conditions: routeConditions(cached) }).toEqual({
        step: step.what,
        conditions: step.expected,
      });
      expect(cached).toEqual(fresh);
      if (run === 1) expect({ step: step.what, ...stats }).toEqual({ step: step.what, reused: 1, computed: 0 });
      last = cached;
    }
  }
});

test('a ConfigMap that makes a Gateway invalid reaches the routes of its ListenerSets, with the memo as without it', () => {
  const cert = readFileSync(
    fileURLToPath(new URL('../../../../test/fixtures/tls/example.crt', import.meta.url)),
    'utf8',
  );
  const caMap = (data: string): KubeObject =>
    ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'client-ca', namespace: 'default' },
      data: { 'ca.crt': data },
    }) as KubeObject;
  const secret: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'cert', namespace: 'default' },
    type: 'kubernetes.io/tls',
    stringData: {
      'tls.crt': cert,
      'tls.key': readFileSync(
        fileURLToPath(new URL('../../../../test/fixtures/tls/example.key', import.meta.url)),
        'utf8',
      ),
    },
  } as KubeObject;
  // The Gateway's only listener checks client certificates against the ConfigMap's CA.
  const { gateway: gw, listenerSet: set, route } = frontendValidationThroughListenerSet();
  const svc = service('backend');
  const good = caMap(cert);
  const bad = caMap('not a certificate');
  const steps = [
    { ca: good, expected: 'Accepted=True/Accepted' },
    { ca: bad, expected: 'Accepted=False/NoMatchingParent' },
    { ca: good, expected: 'Accepted=True/Accepted' },
  ];
  const cache = new TranslationCache();
  const carrier = new LastStatusCarrier();
  let last: TranslationResult | undefined;
  let second = 0;
  for (const step of steps) {
    // Each state twice: the second run is answered from the memo, and it is what the next state's
    // first run starts from.
    for (let run = 0; run < 2; run++) {
      const now = `2026-01-01T00:01:${String(second++).padStart(2, '0')}Z`;
      const input = carrier.carry(
        buildResourceSet([gatewayClass, gw, set, route, svc, secret, step.ca]),
        last?.resources,
      );
      const cached = translate(input, { now, cache });
      expect({ run, conditions: routeConditions(cached)[0] }).toEqual({ run, conditions: step.expected });
      expect(cached).toEqual(translate(input, { now }));
      last = cached;
    }
  }
});
