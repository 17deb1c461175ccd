/**
 * Documents are read as kubectl reads them (YAML 1.1 through go-yaml v2, then JSON). Every
 * expected value below is what `kubectl create --dry-run=client -o json` (v1.36.3) printed for the
 * same scalar (test/support/kubectl-scalars.ts); test/k8s/kubectl-yaml.test.ts asks kubectl itself.
 */
import { loadYaml, LoadError, rejectionMessages } from '../../src/resources/load-yaml.js';
import { goYamlNumber, stringifyForKubectl } from '../../src/resources/kubectl-yaml.js';
import { KUBECTL_SCALARS } from '../support/kubectl-scalars.js';
import { HAND_WRITTEN } from '../support/hand-written-objects.js';

/** The value of `x` in a ConfigMap (a core kind: read, never validated) holding `x: <scalar>`. */
function scalar(text: string): unknown {
  const [object] = loadYaml(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nx: ${text}\n`, 'c.yaml').objects;
  return (object as unknown as { x: unknown }).x;
}

describe('YAML read as kubectl reads it', () => {
  it.each(KUBECTL_SCALARS)('reads %j as kubectl does', (text, expected) => {
    expect(scalar(text)).toEqual(expected);
  });

  it('makes a boolean key the string kubectl makes of it, and merges `<<`', () => {
    const [object] = loadYaml(
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nx:\n  a: &a {p: 1, q: 2}\n  b: {<<: *a, q: 3}\n  on: 1\n',
      'c.yaml',
    ).objects;
    expect((object as unknown as { x: unknown }).x).toEqual({ a: { p: 1, q: 2 }, b: { p: 1, q: 3 }, true: 1 });
  });

  it('refuses .inf and .nan, as kubectl does (JSON has no such numbers), at their line', () => {
    for (const bad of ['.inf', '-.Inf', '.NaN']) {
      const load = (): unknown =>
        loadYaml(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nx: ${bad}\n`, 'c.yaml');
      expect(load).toThrow(LoadError);
      expect(load).toThrow(`c.yaml: document 1, line 4: invalid YAML: ${bad} is not a number JSON can hold`);
    }
  });

  it('refuses an unquoted `on` where a string is required, as the API server does after kubectl', () => {
    const loaded = loadYaml(HAND_WRITTEN.unquotedOn.join('\n'), 'route.yaml');
    expect(loaded.objects).toEqual([]);
    expect(loaded.rejected.flatMap(rejectionMessages)).toEqual([
      'route.yaml: document 1, line 15: HTTPRoute default/web: spec.rules[0].filters[0].requestHeaderModifier.add[0].value: Invalid value: "boolean": spec.rules[0].filters[0].requestHeaderModifier.add[0].value in body must be of type string: "boolean"',
      'route.yaml: document 1, line 1: HTTPRoute default/web: <nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });

  it('goYamlNumber: go-yaml v2 reads no number in what does not start with a digit, sign or dot', () => {
    expect(goYamlNumber('e3')).toBeUndefined();
    expect(goYamlNumber('18446744073709551615')).toBe(2 ** 64); // ParseUint, then a double
    expect(goYamlNumber('+18446744073709551615')).toBe(2 ** 64); // a float: ParseUint takes no sign
    expect(goYamlNumber('0x10000000000000000')).toBeUndefined(); // beyond 64 bits, not decimal
  });
});

describe('YAML written for kubectl', () => {
  // Every scalar text of the table, as a string value: written, then read back as kubectl reads it.
  it.each(KUBECTL_SCALARS.map(([text]) => text))('%j written as a string reads back as that string', (text) => {
    const written = stringifyForKubectl({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, x: text });
    const [object] = loadYaml(written, 'c.yaml').objects;
    expect((object as unknown as { x: unknown }).x).toBe(text);
  });

  it('leaves strings kubectl reads as strings unquoted', () => {
    expect(stringifyForKubectl({ a: 'web', b: '1970-01-01T00:00:00Z', c: '1:30' })).toBe(
      'a: web\nb: 1970-01-01T00:00:00Z\nc: 1:30\n',
    );
  });
});
