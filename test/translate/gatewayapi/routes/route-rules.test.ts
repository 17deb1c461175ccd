/** How HTTPRoute and GRPCRoute rules are opened: entries of spec.rules that are no object. */
import { buildResourceSet } from '../../../../src/resources/resource-set.js';
import { translate } from '../../../../src/translate/index.js';
import type { KubeObject } from '../../../../src/resources/types.js';
import { gateway, gatewayClass, httpRoute } from '../../../support/fixtures.js';
import { conditionLines, conditionMessage } from '../../../support/translator-outcome.js';

function outcome(route: KubeObject) {
  const result = translate(buildResourceSet([gatewayClass(), gateway(), route]));
  const lines = conditionLines(result).filter((l) => l.startsWith(route.kind));
  return { lines, message: (line: string) => conditionMessage(result, line) };
}

// A change for input the CRD refuses: an HTTPRoute rule written as null made the translator throw
// (the route was refused with the exception's text), and one written as a string, or a GRPCRoute
// rule that is no object, was a rule without fields, matching every request. Now such an entry is
// an invalid rule, dropped like any other.
describe('a rule that is no object', () => {
  it('is dropped from an HTTPRoute, the other rules kept', () => {
    const { lines, message } = outcome(
      httpRoute({ rules: [null, 'x', { backendRefs: [{ name: 'web', port: 80 }] }] as never[] }),
    );
    const partial = 'HTTPRoute default/web parent gw: PartiallyInvalid=True/UnsupportedValue';
    expect(lines).toContain('HTTPRoute default/web parent gw: Accepted=True/Accepted');
    expect(message(partial)).toBe(
      'Dropped Rule(s): rule 0: spec.rules[0]: a rule must be an object | rule 1: spec.rules[1]: a rule must be an object',
    );
  });

  it('is dropped from a GRPCRoute; with no other rule the route is not accepted', () => {
    const route = { ...httpRoute({ rules: [null] as never[] }), kind: 'GRPCRoute' };
    const { message } = outcome(route);
    expect(message('GRPCRoute default/web parent gw: Accepted=False/UnsupportedValue')).toBe(
      'no valid rule: rule 0: spec.rules[0]: a rule must be an object',
    );
  });
});
