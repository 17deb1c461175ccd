/**
 * A ConfigMap's CA certificates are parsed once per object, whoever reads them: a Gateway's client
 * certificate validation (`spec.tls.frontend`) asks the context's per-object memo, under the same
 * table as a BackendTLSPolicy's CA reads (`backend-tls.ts`), so a cache keeps the parsed bundle
 * from one translation to the next.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { readGateway } from '../../../../src/resources/read/gateway.js';
import { buildResourceSet } from '../../../../src/resources/resource-set.js';
import { buildContext } from '../../../../src/translate/gatewayapi/context.js';
import { clientValidation } from '../../../../src/translate/gatewayapi/listeners/frontend-validation.js';
import type { ListenerState } from '../../../../src/translate/gatewayapi/listeners/listener-state.js';
import { rememberedValues, type Remember } from '../../../../src/translate/gatewayapi/remembered.js';
import { unvalidatedObjects } from '../../../support/translator-outcome.js';

const GOLDEN = fileURLToPath(new URL('../../../../../test/golden/https-frontend-validation.in.yaml', import.meta.url));

describe('frontend validation CA bundles', () => {
  test('are read through the per-object memo the other CA reads use', () => {
    const resources = buildResourceSet(unvalidatedObjects(readFileSync(GOLDEN, 'utf8')));
    const store = rememberedValues();
    const asked: { table: string; key: object }[] = [];
    let computed = 0;
    const remember: Remember = Object.assign(
      <K extends object, V>(table: string, key: K, compute: (key: K) => V): V => {
        asked.push({ table, key });
        return store(table, key, (k) => {
          computed++;
          return compute(k);
        });
      },
      { lasting: false },
    );
    const ctx = buildContext(resources, { now: '2027-01-01T00:00:00Z' }, undefined, remember);
    const gateway = resources.gateways.find((g) => g.metadata.name === 'gw')!;
    const entry = readGateway(gateway).listeners.find((l) => l.name === 'https')!;
    expect(entry.listener.valid).toBe(true);
    const listener = entry.listener.valid ? entry.listener.result : undefined;
    const states = [{}, {}].map((s) => s as ListenerState);
    for (const state of states) clientValidation(ctx, gateway, listener!, state, () => undefined);

    const clientCa = resources.configMaps.find((c) => c.metadata.name === 'client-ca');
    expect(asked.filter((a) => a.table === 'caBundle').map((a) => a.key)).toEqual([clientCa, clientCa]);
    expect(computed).toBe(1);
    expect(states.map((s) => typeof s.clientValidation?.trustedCa)).toEqual(['string', 'string']);
  });
});
