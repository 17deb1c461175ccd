/**
 * A certificate that expires while no input changes: the pipeline translates again when it does
 * (the core gives the time, `nextCertificateChange`), and the listener's status says so.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Subject, VirtualTimeScheduler } from 'rxjs';
import { MAX_CERTIFICATE_RECHECK_MS, Pipeline } from '../../src/pipeline/pipeline.js';
import type { ResourceEvent } from '../../src/pipeline/resource-store.js';
import { loadYaml } from '../../src/resources/load-yaml.js';
import type { Condition } from '../../src/resources/types.js';
import { translate } from '../../src/translate/index.js';
import { FakeXds } from '../support/fake-xds.js';

// Listeners whose certificates expired on 2021-01-01T00:00:00Z, or become valid on 2120-01-01.
const CASE = fileURLToPath(new URL('../../../test/golden/https-certificate-validity.in.yaml', import.meta.url));
const START = Date.parse('2020-12-31T23:00:00Z');

function setup() {
  const events = new Subject<ResourceEvent>();
  const xds = new FakeXds();
  const scheduler = new VirtualTimeScheduler();
  let translations = 0;
  const pipeline = new Pipeline(events, {
    publisher: xds,
    tracker: xds,
    scheduler,
    // The clock moves with the scheduler's virtual time.
    now: () => new Date(START + scheduler.now()),
    translator: (resources, options) => {
      translations += 1;
      return translate(resources, options);
    },
  });
  const resolvedRefs = (listener: string) => {
    const gw = pipeline.latestStatus().resources.find((r) => r.kind === 'Gateway');
    const listeners = (gw?.status as { listeners: { name: string; conditions: Condition[] }[] }).listeners;
    return listeners.find((l) => l.name === listener)?.conditions.find((c) => c.type === 'ResolvedRefs')?.message;
  };
  /** Runs every timer due in the next `ms` of virtual time. */
  let elapsed = 0;
  const runFor = (ms: number) => {
    elapsed += ms;
    scheduler.maxFrames = elapsed;
    scheduler.flush();
    // flush() leaves the clock at the last timer it ran; the time has passed all the same.
    scheduler.frame = elapsed;
  };
  return { events, pipeline, resolvedRefs, runFor, translations: () => translations };
}

test('a listener says its certificate expired once it has, with no change of input', () => {
  const h = setup();
  h.events.next({ type: 'replace', source: 'case.yaml', objects: loadYaml(readFileSync(CASE, 'utf8'), CASE).objects });
  h.events.next({ type: 'synced' });
  h.runFor(1000);
  expect(h.translations()).toBe(1);
  expect(h.resolvedRefs('expired')).toBe('All references are resolved');

  // notAfter is 2021-01-01T00:00:00Z, included: expired one second later, 3,601,000 ms after START.
  h.runFor(3_601_000 - 1000 - 1);
  expect(h.translations()).toBe(1);
  h.runFor(1);
  expect(h.translations()).toBe(2);
  expect(h.resolvedRefs('expired')).toBe(
    'All references are resolved; the certificate of Secret default/expired-cert expired at 2021-01-01T00:00:00Z; Envoy still serves it but clients will refuse it: renew it',
  );
  expect(h.resolvedRefs('future')).toMatch(/is not valid before 2120-01-01T00:00:00Z/);

  // The next change is in 2120: the pipeline looks again once a day, no more.
  h.runFor(MAX_CERTIFICATE_RECHECK_MS - 1);
  expect(h.translations()).toBe(2);
  h.runFor(1);
  expect(h.translations()).toBe(3);
  h.pipeline.stop();
});
