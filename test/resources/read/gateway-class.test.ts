/**
 * The GatewayClass reader, and parameter references (a class's and a Gateway's): group, kind and
 * name must be strings, as the CRDs require. Such a ref used to be described with what was written
 * (`EnvoyProxyParameters.gateway.portico.dev ns/undefined: no name`); it is now refused saying
 * which fields must be strings: the only output that changed, for refs the CRDs refuse.
 */
import { readGatewayClass } from '../../../src/resources/read/gateway-class.js';
import { readGateway } from '../../../src/resources/read/gateway.js';
import { buildResourceSet } from '../../../src/resources/resource-set.js';
import type { Gateway, GatewayClass } from '../../../src/resources/types.js';
import { classParameters, gatewayInfrastructure } from '../../../src/translate/gatewayapi/parameters-ref.js';
import * as fixtures from '../../support/fixtures.js';

const REF = { group: 'gateway.portico.dev', kind: 'EnvoyProxyParameters' };

describe('readGatewayClass', () => {
  it('reads the controller name and the parameters reference', () => {
    expect(
      readGatewayClass({
        spec: { controllerName: 'portico.dev/gateway', parametersRef: { ...REF, name: 'p', namespace: 'n' } },
      }),
    ).toEqual({
      controllerName: 'portico.dev/gateway',
      parametersRef: { valid: true, result: { ...REF, name: 'p', namespace: 'n' } },
    });
    expect(readGatewayClass({ spec: { controllerName: 7 } })).toEqual({
      controllerName: undefined,
      parametersRef: undefined,
    });
  });

  it.each([
    [
      { ...REF, name: 'p', namespace: '' },
      { valid: true, result: { ...REF, name: 'p', namespace: undefined } },
    ],
    [
      { ...REF, name: 'p', namespace: 7 },
      { valid: true, result: { ...REF, name: 'p', namespace: undefined } },
    ],
    ['p', { valid: false, errors: [{ message: 'spec.parametersRef must be an object' }] }],
    [
      { ...REF },
      { valid: false, errors: [{ message: 'spec.parametersRef must give its group, kind and name as strings' }] },
    ],
    [{ kind: 'EnvoyProxyParameters', name: 'p' }, { valid: false }],
  ])('reads parametersRef %j', (parametersRef, expected) => {
    expect(readGatewayClass({ spec: { parametersRef } }).parametersRef).toMatchObject(expected);
  });

  it("reads a Gateway's infrastructure.parametersRef the same way", () => {
    expect(
      readGateway({ spec: { infrastructure: { parametersRef: { ...REF, name: 'p' } } } }).infrastructureParametersRef,
    ).toEqual({ valid: true, result: { ...REF, name: 'p', namespace: undefined } });
    expect(readGateway({ spec: { infrastructure: 'x' } }).infrastructureParametersRef).toBeUndefined();
  });
});

describe('a parameters reference the CRD refuses', () => {
  const resources = buildResourceSet([]);

  it('is refused saying which fields must be strings (class and Gateway)', () => {
    const gc = fixtures.gatewayClass({ name: 'c', generation: 1, parametersRef: { ...REF } }) as GatewayClass;
    expect(classParameters(resources, gc)).toEqual({
      problem: 'spec.parametersRef must give its group, kind and name as strings',
    });
    const gw = fixtures.gateway({
      name: 'g',
      namespace: 'apps',
      className: 'c',
      generation: 1,
      listeners: [fixtures.listener('http', 8080)],
      spec: { infrastructure: { parametersRef: { kind: 'EnvoyProxyParameters', name: 'p' } } },
    }) as Gateway;
    expect(gatewayInfrastructure(resources, gw, {})).toEqual({
      invalid: 'spec.infrastructure.parametersRef must give its group, kind and name as strings',
    });
  });
});
