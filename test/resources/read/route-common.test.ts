/** The reader of what every route kind shares: its parentRefs and hostnames. */
import {
  matchesNoListener,
  parentRefNarrowing,
  readRouteCommon,
  ReadParentRef,
  writtenParentRef,
} from '../../../src/resources/read/route-common.js';
import { Refused } from '../../../src/resources/read/validation-result.js';
import { buildResourceSet } from '../../../src/resources/resource-set.js';
import { translate } from '../../../src/translate/index.js';
import { gateway, gatewayClass, httpRoute } from '../../support/fixtures.js';
import { conditionLines, conditionMessage } from '../../support/translator-outcome.js';

const route = (spec: unknown, kind = 'HTTPRoute') => ({ kind, spec });

describe('readRouteCommon', () => {
  it('reads the parentRefs Portico may answer for, and leaves out the others', () => {
    const parentRefs = [
      { name: 'gw' },
      { name: 'set', kind: 'ListenerSet', namespace: 'infra', sectionName: 'a', port: 80 },
      { name: 'svc', kind: 'Service', group: '' },
      { name: 'x', group: 'example.com' },
      { kind: 'Gateway' },
      { name: 'gw', namespace: 7 },
      null,
      'gw',
    ];
    const read = readRouteCommon(route({ parentRefs }));
    // Each ref Portico answers for is written with every field of its type: it is its own reading.
    expect(read.parentRefs).toEqual([parentRefs[0], parentRefs[1]]);
    expect(read.parentRefs[0]).toBe(parentRefs[0]);
    expect(read.parentRefs[1]).toBe(parentRefs[1]);
    expect(read.parentRefs.map(parentRefNarrowing)).toEqual(['', 'sectionName a and port 80']);
    // A list of such refs only is its own reading too.
    const ours = [parentRefs[0], parentRefs[1]];
    expect(readRouteCommon(route({ parentRefs: ours })).parentRefs).toBe(ours);
  });

  it('reads a null as absent, in a copy that keeps the ref as written for status', () => {
    const written = { name: 'gw', namespace: null, kind: null, group: null };
    const [ref] = readRouteCommon(route({ parentRefs: [written] })).parentRefs;
    expect(ref).toBeInstanceOf(ReadParentRef);
    expect(ref).toMatchObject({ kind: 'Gateway', namespace: undefined, name: 'gw' });
    expect(writtenParentRef(ref!)).toBe(written);
    expect(matchesNoListener(ref!)).toBe(false);
  });

  it('keeps a ref whose sectionName or port no listener can have, matching no listener', () => {
    const [ref] = readRouteCommon(route({ parentRefs: [{ name: 'gw', sectionName: null, port: '80' }] })).parentRefs;
    expect(ref).toMatchObject({ sectionName: undefined, port: undefined });
    expect(matchesNoListener(ref!)).toBe(true);
    expect(parentRefNarrowing(ref!)).toBe('sectionName null and port 80');
  });

  it('reads hostnames, refusing a value that is not a list of hostnames', () => {
    const hostnames = ['a.example.com', '*.b.example.com'];
    // A valid list reads to itself: nothing is kept beside the route.
    expect(readRouteCommon(route({ hostnames })).hostnames).toBe(hostnames);
    expect(readRouteCommon(route({ hostnames })).listedHostnames).toBe(hostnames);
    expect(readRouteCommon(route({ hostnames: null })).hostnames).toEqual([]);
    expect(readRouteCommon(route({ hostnames: 'a.example.com' })).hostnames).toEqual(
      new Refused([{ path: 'spec.hostnames', message: 'hostnames must be a list of hostnames' }]),
    );
    expect(readRouteCommon(route({ hostnames: ['a.example.com', 'A_B', 3] })).hostnames).toEqual(
      new Refused([{ path: 'spec.hostnames[1]', message: 'hostname "A_B" is not a valid DNS name or wildcard' }]),
    );
  });

  it('does not read hostnames of TCPRoutes and UDPRoutes, but lists their strings for placement', () => {
    for (const kind of ['TCPRoute', 'UDPRoute']) {
      const read = readRouteCommon(route({ hostnames: ['A_B', 3] }, kind));
      expect(read.hostnames).toEqual([]);
      expect(read.listedHostnames).toEqual(['A_B']);
    }
    expect(readRouteCommon(route({}, 'TCPRoute')).listedHostnames).toBeUndefined();
  });

  it('reads each rule name, refusing one that is no RFC 1123 subdomain', () => {
    const rules = readRouteCommon(
      route({ rules: [{ name: 'api.v1' }, {}, { name: 'Bad_Name' }, { name: 7 }, null] }),
    ).rules;
    expect(rules.map((r) => r?.name)).toEqual([
      'api.v1',
      undefined,
      new Refused([{ path: 'spec.rules[2].name', message: 'name "Bad_Name" is not a valid rule name' }]),
      new Refused([{ path: 'spec.rules[3].name', message: 'name 7 is not a valid rule name' }]),
      undefined,
    ]);
  });

  it('reads a spec object once per kind of reading', () => {
    const spec = { parentRefs: [{ name: 'gw' }] };
    expect(readRouteCommon(route(spec))).toBe(readRouteCommon(route(spec)));
    expect(readRouteCommon(route(spec, 'TCPRoute'))).toBe(readRouteCommon(route(spec, 'UDPRoute')));
  });
});

describe('route parents through the translator', () => {
  it('answers a sectionName that is not a string as a listener it does not name', () => {
    const result = translate(
      buildResourceSet([gatewayClass(), gateway(), httpRoute({ parentRefs: [{ name: 'gw', sectionName: null }] })]),
    );
    const line = 'HTTPRoute default/web parent gw: Accepted=False/NoMatchingParent';
    expect(conditionLines(result)).toContain(line);
    expect(conditionMessage(result, line)).toBe('Gateway default/gw has no listener with sectionName null');
  });

  // A change for input the CRD refuses: before the reader, a namespace written as the number 7
  // named the namespace "7" (as the string it was put into); now it names no parent, as a
  // ListenerSet's parentRef with one already did.
  it('writes no status entry for a parentRef whose namespace is not a string', () => {
    const result = translate(
      buildResourceSet([
        gatewayClass(),
        gateway({ namespace: '7' }),
        httpRoute({ parentRefs: [{ name: 'gw', namespace: 7 }] }),
      ]),
    );
    expect(conditionLines(result).filter((l) => l.startsWith('HTTPRoute'))).toEqual([]);
  });
});
